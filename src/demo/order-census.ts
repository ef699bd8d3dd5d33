import { ORDER_STATES } from '../domain/index.js';
import type { OrderPageView } from './demo-api.js';
import type { DemoClient } from './demo-client.js';

/**
 * Counts the orders the server holds per state, paging through `GET /api/v1/orders`.
 * The result lists states in lifecycle order and leaves out the empty ones.
 */
export async function countOrdersByState(reader: DemoClient): Promise<Record<string, number>> {
  const counts = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page: OrderPageView = await reader.expect<OrderPageView>('list the orders', { method: 'GET', path: '/api/v1/orders', query: { limit: 200, cursor } });
    for (const order of page.items) counts.set(order.state, (counts.get(order.state) ?? 0) + 1);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return Object.fromEntries(ORDER_STATES.filter((state) => counts.has(state)).map((state) => [state, counts.get(state) ?? 0]));
}
