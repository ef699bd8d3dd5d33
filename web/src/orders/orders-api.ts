/** The order routes the planner and approver screens call. */
import { apiRequest, isApiError } from '../api';
import type { OwnUser } from '../types';
import { ConfidentialReads } from './confidential-reads';
import type { HistoryEvent, OrderDetail, OrderPage, OrderState, RevisionDetail, RevisionSummary, WorkCenter } from './order-types';

/** The list's filters, as GET /api/v1/orders and POST /api/v1/orders/search take them (all server-side). */
export interface OrderFilter {
  readonly number?: string;
  readonly state?: OrderState;
  readonly workCenterId?: string;
  readonly dueFrom?: string;
  readonly dueTo?: string;
  /** Orders whose item code starts with this (letter case included). */
  readonly itemPrefix?: string;
  /** Orders of this customer reference, exactly (ignoring case and surrounding spaces); only for roles that may see customers. */
  readonly customer?: string;
  /** `due`: soonest due first (the list's due filter); newest first otherwise. */
  readonly sort?: 'created' | 'due';
}

/**
 * Orders newest first (or by due date), one page of `limit`, after `cursor`. A search by customer
 * goes in a POST body: the reference is confidential, and a URL ends up in logs and the browser's history.
 */
export function listOrders(filter: OrderFilter, cursor: string | undefined, limit = 25): Promise<OrderPage> {
  if (filter.customer !== undefined && filter.customer !== '') {
    return apiRequest<OrderPage>('/api/v1/orders/search', { method: 'POST', body: { ...filter, limit, ...(cursor === undefined ? {} : { cursor }) } });
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (typeof value === 'string' && value !== '') query.set(key, value);
  query.set('limit', String(limit));
  if (cursor !== undefined) query.set('cursor', cursor);
  return apiRequest<OrderPage>(`/api/v1/orders?${query.toString()}`);
}

/** Whether the user's roles may see recipes and customers (planner, approver, quality), so the app asks for them. */
export function readsConfidential(user: OwnUser): boolean {
  return user.roles.some((assignment) => ['planner', 'approver', 'quality'].includes(assignment.role));
}

const orderPath = (id: string): string => `/api/v1/orders/${encodeURIComponent(id)}`;

// Confidential reads refused for an order fall back to plain ones (see confidential-reads.ts).
const reads = new ConfidentialReads({ request: apiRequest, isForbidden: (error) => isApiError(error, 'forbidden') });

/** One order; `confidential` asks for recipe and customer (audited by the server) where `reader`'s roles allow it for this order. */
export function fetchOrder(id: string, confidential: boolean, reader: string): Promise<OrderDetail> {
  return reads.read<OrderDetail>(orderPath(id), id, confidential, reader);
}

/** Creates a draft from the editor's body. */
export function createOrder(body: unknown): Promise<OrderDetail> {
  return apiRequest<OrderDetail>('/api/v1/orders', { method: 'POST', body });
}

/** Saves a draft as a new revision, against the version it was loaded at (409 when stale). */
export function saveOrder(id: string, version: number, body: Record<string, unknown>): Promise<OrderDetail> {
  return apiRequest<OrderDetail>(orderPath(id), { method: 'PATCH', body: { ...body, version } });
}

/** Runs a lifecycle command (submit, release, hold, cancel, …) with its body. */
export function orderCommand(id: string, command: string, body: Record<string, unknown>): Promise<OrderDetail> {
  return apiRequest<OrderDetail>(`${orderPath(id)}/${command}`, { method: 'POST', body });
}

/** The revisions of an order, oldest first. */
export async function listRevisions(id: string): Promise<readonly RevisionSummary[]> {
  return (await apiRequest<{ items: RevisionSummary[] }>(`${orderPath(id)}/revisions`)).items;
}

/** One revision with its content, confidential fields as {@link fetchOrder} asks for them. */
export function fetchRevision(id: string, revision: number, confidential: boolean, reader: string): Promise<RevisionDetail> {
  return reads.read<RevisionDetail>(`${orderPath(id)}/revisions/${revision}`, id, confidential, reader);
}

/** The accepted changes of an order with their reasons, oldest first. */
export async function fetchHistory(id: string): Promise<readonly HistoryEvent[]> {
  // The latest 500 changes (a long run reports progress often), shown oldest first.
  return (await apiRequest<{ items: HistoryEvent[] }>(`${orderPath(id)}/history?order=newest-first&limit=500`)).items.reverse();
}

/** The plant's work centers. */
export async function listWorkCenters(): Promise<readonly WorkCenter[]> {
  return (await apiRequest<{ items: WorkCenter[] }>('/api/v1/plant?kind=work-center')).items;
}
