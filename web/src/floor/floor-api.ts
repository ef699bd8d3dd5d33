/** The order and plant routes the floor screens call (operator board, quality, materials). */
import { apiRequest } from '../api';
import type { OrderDetail, OrderState, OrderSummary, PlantNode } from './floor-types';

/** The commands the floor screens send (`POST /api/v1/orders/{id}/{command}`). */
export type FloorCommand = 'start' | 'pause' | 'resume' | 'progress' | 'complete' | 'hold' | 'unhold';

/** The orders in these states, optionally of one work center, newest first (one page of up to `limit` per state). */
export async function listOrders(states: readonly OrderState[], workCenterId?: string, limit = 100): Promise<OrderSummary[]> {
  const pages = await Promise.all(
    states.map((state) => {
      const query = new URLSearchParams({ state, limit: String(limit), ...(workCenterId === undefined ? {} : { workCenterId }) });
      return apiRequest<{ items: OrderSummary[] }>(`/api/v1/orders?${query.toString()}`);
    }),
  );
  return pages.flatMap((page) => page.items);
}

/** One order; with `confidential`, the fields the reader's roles may see (the server refuses and audits otherwise). */
export function fetchOrder(id: string, confidential = false): Promise<OrderDetail> {
  return apiRequest<OrderDetail>(`/api/v1/orders/${encodeURIComponent(id)}${confidential ? '?include=confidential' : ''}`);
}

/** Several orders' details at once. */
export function fetchOrders(ids: readonly string[]): Promise<OrderDetail[]> {
  return Promise.all(ids.map((id) => fetchOrder(id)));
}

/** Sends a lifecycle command with its body (which names the version it was made against); answers the order after it. */
export function orderCommand(id: string, command: FloorCommand, body: Record<string, unknown>): Promise<OrderDetail> {
  return apiRequest<OrderDetail>(`/api/v1/orders/${encodeURIComponent(id)}/${command}`, { method: 'POST', body });
}

/** The plant's work centers, in tree order. */
export async function fetchWorkCenters(): Promise<PlantNode[]> {
  return (await apiRequest<{ items: PlantNode[] }>('/api/v1/plant?kind=work-center')).items;
}
