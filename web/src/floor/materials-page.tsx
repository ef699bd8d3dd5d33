/**
 * Logistics: the material needs of the orders released or on the floor (per order and summed per
 * item), and the completions with their good and scrap quantities. Never recipes or customers:
 * the page asks for no confidential field, and the API gives logistics none.
 */
import { useCallback } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { PAGE_REFRESH_MS, usePolled } from '../use-polled';
import { fetchOrders, listOrders } from './floor-api';
import { formatQuantity, stateName, sumDecimals } from './floor-format';
import type { OrderDetail, OrderState } from './floor-types';
import './floor.css';

/** Orders whose materials are still needed. */
const NEEDING: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused', 'held'];
/** Orders finished on the floor. */
const FINISHED: readonly OrderState[] = ['completed', 'closed'];


/** One item's total need in one unit. */
interface ItemNeed {
  readonly itemCode: string;
  readonly unit: string;
  readonly total: string;
  readonly orders: number;
}

/** Sums the materials of `orders` per item and unit. */
function needsOf(orders: readonly OrderDetail[]): ItemNeed[] {
  const byItem = new Map<string, { itemCode: string; unit: string; values: string[] }>();
  for (const order of orders) {
    for (const material of order.content.materials) {
      const key = `${material.itemCode}\u0000${material.quantity.unit}`;
      const entry = byItem.get(key) ?? { itemCode: material.itemCode, unit: material.quantity.unit, values: [] };
      entry.values.push(material.quantity.value);
      byItem.set(key, entry);
    }
  }
  return [...byItem.values()]
    .map((entry) => ({ itemCode: entry.itemCode, unit: entry.unit, total: sumDecimals(entry.values), orders: entry.values.length }))
    .sort((a, b) => a.itemCode.localeCompare(b.itemCode));
}

/** The materials page. */
export function MaterialsPage() {
  usePageTitle('Materials');
  // Read again every 30 s while the page is visible: new needs and completions show up without a click.
  const read = useCallback(async () => {
    const [open, done] = await Promise.all([listOrders(NEEDING, undefined, 50), listOrders(FINISHED, undefined, 50)]);
    const [openDetails, doneDetails] = await Promise.all([fetchOrders(open.map((order) => order.id)), fetchOrders(done.map((order) => order.id))]);
    return {
      needing: [...openDetails].sort((a, b) => a.dueEnd.localeCompare(b.dueEnd)),
      finished: [...doneDetails].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)),
    };
  }, []);
  const { value, error, reload } = usePolled(read, PAGE_REFRESH_MS);
  const needing = value?.needing;
  const finished = value?.finished;

  return (
    <div className="stack floor">
      <div className="floor-page-head">
        <h1>Materials</h1>
        <button type="button" className="button" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={error} />
      {needing === undefined && error === undefined && <p className="muted">Loading orders…</p>}
      {needing !== undefined && <MaterialNeeds orders={needing} />}
      {finished !== undefined && <Completions orders={finished} />}
    </div>
  );
}

/** The needs summed per item, then each order's bill of materials. */
function MaterialNeeds(props: { readonly orders: readonly OrderDetail[] }) {
  const needs = needsOf(props.orders);
  return (
    <section className="card stack" aria-labelledby="needs-heading">
      <h2 id="needs-heading">Material needs</h2>
      <p className="muted">Orders released, on the floor or on hold, by due date.</p>
      {props.orders.length === 0 ? (
        <p>No order needs material now.</p>
      ) : (
        <>
          <div className="floor-table-wrap">
            <table className="floor-table">
              <caption>Total per item</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Order lines</th>
                </tr>
              </thead>
              <tbody>
                {needs.map((need) => (
                  <tr key={`${need.itemCode} ${need.unit}`}>
                    <th scope="row">{need.itemCode}</th>
                    <td>{formatQuantity(need.total, need.unit)}</td>
                    <td>{need.orders}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="floor-table-wrap">
            <table className="floor-table">
              <caption>Per order</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">State</th>
                  <th scope="col">Due</th>
                  <th scope="col">Line</th>
                  <th scope="col">Material</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Lot tracked</th>
                </tr>
              </thead>
              <tbody>
                {props.orders.flatMap((order) =>
                  order.content.materials.length === 0
                    ? [
                        <tr key={order.id}>
                          <th scope="row">{order.number}</th>
                          <td>{stateName(order.state)}</td>
                          <td>{formatDateTime(order.dueEnd)}</td>
                          <td colSpan={4} className="muted">
                            No materials
                          </td>
                        </tr>,
                      ]
                    : order.content.materials.map((material) => (
                        <tr key={`${order.id} ${material.line}`}>
                          <th scope="row">{order.number}</th>
                          <td>{stateName(order.state)}</td>
                          <td>{formatDateTime(order.dueEnd)}</td>
                          <td>{material.line}</td>
                          <td>
                            {material.itemCode}
                            {material.itemRevision === undefined ? '' : ` rev ${material.itemRevision}`}
                          </td>
                          <td>{formatQuantity(material.quantity.value, material.quantity.unit)}</td>
                          <td>{material.lotTracked ? 'Yes' : 'No'}</td>
                        </tr>
                      )),
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** Completed and closed orders with what they made. */
function Completions(props: { readonly orders: readonly OrderDetail[] }) {
  return (
    <section className="card stack" aria-labelledby="completions-heading">
      <h2 id="completions-heading">Completions</h2>
      {props.orders.length === 0 ? (
        <p>No order is completed yet.</p>
      ) : (
        <div className="floor-table-wrap">
          <table className="floor-table">
            <caption className="visually-hidden">Completed orders</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Item</th>
                <th scope="col">Target</th>
                <th scope="col">Good</th>
                <th scope="col">Scrap</th>
                <th scope="col">State</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {props.orders.map((order) => (
                <tr key={order.id}>
                  <th scope="row">{order.number}</th>
                  <td>
                    {order.content.item.code} rev {order.content.item.revision}
                  </td>
                  <td>{formatQuantity(order.content.quantity.value, order.content.quantity.unit)}</td>
                  <td>{formatQuantity(order.goodQuantity, order.unit)}</td>
                  <td>{formatQuantity(order.scrapQuantity, order.unit)}</td>
                  <td>{stateName(order.state)}</td>
                  <td>{formatDateTime(order.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
