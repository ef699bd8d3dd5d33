/** A table of orders, one row each, the number linking to the order. */
import { formatDateTime } from '../format';
import { Link } from '../router';
import { StateBadge } from './order-format';
import type { OrderSummary } from './order-types';

/** Lists `orders`; an empty list says so. */
export function OrderTable(props: {
  readonly caption: string;
  readonly orders: readonly OrderSummary[];
  readonly nameOf: (workCenterId: string) => string;
  readonly linkTo: (order: OrderSummary) => string;
}) {
  if (props.orders.length === 0) return <p role="status">No orders match.</p>;
  return (
    <div className="table-scroll">
      <table className="order-table">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">State</th>
            <th scope="col">Work center</th>
            <th scope="col">Due</th>
            <th scope="col">Priority</th>
            <th scope="col">Revision</th>
          </tr>
        </thead>
        <tbody>
          {props.orders.map((order) => (
            <tr key={order.id}>
              <th scope="row">
                <Link to={props.linkTo(order)}>{order.number}</Link>
              </th>
              <td>
                <StateBadge state={order.state} heldFrom={order.heldFrom} />
              </td>
              <td>{props.nameOf(order.workCenterId)}</td>
              <td>{formatDateTime(order.dueEnd)}</td>
              <td>{order.priority}</td>
              <td>{order.revision}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
