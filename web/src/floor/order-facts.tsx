/** The few facts of an order everyone on the floor needs: item, state, target, good and scrap so far, due. */
import { formatDateTime } from '../format';
import { formatQuantity, stateName } from './floor-format';
import type { OrderDetail } from './floor-types';

/** The order's state as a badge (colour by CSS class, the word for everyone). */
export function StateBadge(props: { readonly order: Pick<OrderDetail, 'state'> }) {
  return <span className={`floor-state floor-state-${props.order.state}`}>{stateName(props.order.state)}</span>;
}

/** Item, target, good, scrap and due date as a definition list. */
export function OrderFacts(props: { readonly order: OrderDetail }) {
  const { order } = props;
  return (
    <dl className="floor-order-facts">
      <div>
        <dt>Item</dt>
        <dd>
          {order.content.item.code} rev {order.content.item.revision}
        </dd>
      </div>
      <div>
        <dt>Target</dt>
        <dd>{formatQuantity(order.content.quantity.value, order.content.quantity.unit)}</dd>
      </div>
      <div>
        <dt>Good</dt>
        <dd>{formatQuantity(order.goodQuantity, order.unit)}</dd>
      </div>
      <div>
        <dt>Scrap</dt>
        <dd>{formatQuantity(order.scrapQuantity, order.unit)}</dd>
      </div>
      <div>
        <dt>Due</dt>
        <dd>{formatDateTime(order.dueEnd)}</dd>
      </div>
    </dl>
  );
}
