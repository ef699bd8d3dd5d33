import type { LotConsumption } from './option-parsers.js';
import type { Query } from './api-client.js';

/**
 * Pure translations from parsed command-line options to API request bodies and
 * queries, kept apart from the commands so tests pin them without a server.
 */

/** The order actions that take only a version and an optional note. */
export const SIMPLE_ORDER_ACTIONS = ['submit', 'dispatch', 'start', 'pause', 'resume', 'complete'] as const;

/** The order actions that are always electronic signatures, with an optional note (release has its own command). */
export const SIGNED_ORDER_ACTIONS = ['close', 'unhold'] as const;

/** The order states after release, in which cancelling is an electronic signature too. */
export const RELEASED_ORDER_STATES: readonly string[] = ['released', 'dispatched', 'running', 'paused', 'held'];

/** One of {@link SIMPLE_ORDER_ACTIONS}. */
export type SimpleOrderAction = (typeof SIMPLE_ORDER_ACTIONS)[number];


/** Body of submit, dispatch, start, pause, resume and complete. */
export function simpleActionBody(version: number, note: string | undefined): { version: number; note?: string } {
  return note === undefined ? { version } : { version, note };
}

/** Body of hold and cancel. */
export function reasonedActionBody(version: number, reason: string): { version: number; reason: string } {
  return { version, reason };
}

/** What the signer gives: the re-entered password, a TOTP code when they have one, and the meaning (defaulted on the server). */
export interface SignatureInput {
  readonly password: string;
  readonly totp?: string | undefined;
  readonly meaning?: string | undefined;
}

/** The signature fields of a signed action's body: only those given. */
export function signatureFields(signature: SignatureInput): { password: string; totp?: string; meaning?: string } {
  return {
    password: signature.password,
    ...(signature.totp === undefined ? {} : { totp: signature.totp }),
    ...(signature.meaning === undefined ? {} : { meaning: signature.meaning }),
  };
}

/** Body of release: the re-entered password (and TOTP code) is the electronic signature; the meaning defaults on the server. */
export function releaseBody(version: number, signature: SignatureInput): { version: number; password: string; totp?: string; meaning?: string } {
  return { version, ...signatureFields(signature) };
}

/** The options of `order progress`. */
export interface ProgressOptions {
  readonly operation: number;
  readonly good: string;
  readonly scrap?: string;
  readonly lot?: readonly LotConsumption[];
}

/** The body of a progress report. */
export interface ProgressBody {
  version: number;
  operationSeq: number;
  good: string;
  scrap?: string;
  lots?: LotConsumption[];
}

/** Body of progress: quantities stay decimal strings; scrap and lots only when given. */
export function progressBody(version: number, options: ProgressOptions): ProgressBody {
  const body: ProgressBody = { version, operationSeq: options.operation, good: options.good };
  if (options.scrap !== undefined) body.scrap = options.scrap;
  if (options.lot && options.lot.length > 0) body.lots = [...options.lot];
  return body;
}

/** The body of an edit: the file's fields with the version the edit was made against. */
export function editBody(version: number, fields: unknown): Record<string, unknown> {
  return { ...(fields as Record<string, unknown>), version };
}

/** The filters of `order list`. */
export interface OrderListOptions {
  readonly state?: string;
  readonly workCenter?: string;
  readonly site?: string;
  readonly number?: string;
  /** An item code, exactly; or a prefix of one when it ends with `*`. */
  readonly item?: string;
  readonly customer?: string;
  readonly dueFrom?: string;
  readonly dueTo?: string;
  readonly sort?: 'created' | 'due';
  readonly limit?: number;
  readonly cursor?: string;
}

/** The query of `GET /api/v1/orders`, or the body of `POST /api/v1/orders/search` (the filters are the same). */
export function orderListQuery(options: OrderListOptions, cursor = options.cursor): Query {
  const prefix = options.item?.endsWith('*') ? options.item.slice(0, -1) : undefined;
  return {
    state: options.state, workCenterId: options.workCenter, siteId: options.site, number: options.number,
    item: prefix === undefined ? options.item : undefined, itemPrefix: prefix,
    customer: options.customer, dueFrom: options.dueFrom, dueTo: options.dueTo, sort: options.sort,
    limit: options.limit, cursor,
  };
}

/**
 * How `order list` asks for a page: a search by customer as `POST /api/v1/orders/search` with the
 * filters in the body, so the confidential reference is in no URL (the server refuses it there);
 * every other list as `GET /api/v1/orders`.
 */
export function orderListRequest(options: OrderListOptions, cursor = options.cursor): { readonly method: 'GET'; readonly path: string; readonly query: Query } | { readonly method: 'POST'; readonly path: string; readonly body: Record<string, unknown> } {
  const filters = orderListQuery(options, cursor);
  if (options.customer === undefined) return { method: 'GET', path: '/api/v1/orders', query: filters };
  // Absent filters stay out of the body, as they stay out of a query.
  return { method: 'POST', path: '/api/v1/orders/search', body: Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) };
}

/** The filters of `audit list`. */
export interface AuditListOptions {
  readonly order?: string;
  readonly actor?: string;
  readonly kind?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly after?: number;
  readonly before?: number;
  /** Newest first (`order=desc`), paged with `before`; log order otherwise. */
  readonly newestFirst?: boolean;
  readonly search?: string;
}

/** The query of `GET /api/v1/audit/entries`. */
export function auditQuery(options: AuditListOptions): Query {
  return {
    orderId: options.order,
    actor: options.actor,
    kind: options.kind,
    outcome: options.outcome,
    since: options.since,
    until: options.until,
    limit: options.limit,
    after: options.after,
    before: options.before,
    order: options.newestFirst ? 'desc' : undefined,
    q: options.search,
  };
}
