/**
 * The order list (issue 7 point 3): filters, searches and keyset paging in one query, the reader's
 * scope inside it. Two orders: newest first (`created`, the default) and soonest due first (`due`,
 * for a due window), each walking an index from the cursor so a page costs the same at any depth.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { auditActorOf, mayAsk, ROLE_PERMISSIONS, visibleConfidentialFields, type Actor, type RoleAssignment, type Subject } from '../access/index.js';
import type { AuditTrail } from '../audit/index.js';
import { ForgelineError, ORDER_STATES, code, idSchema, parseOrThrow, timestampSchema, type OrderRecord, type OrderState } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { UNREADABLE_CUSTOMER_TAG, type CustomerSearchKey } from './customer-tag.js';
import { isKeyringFailure } from './keyring-failure.js';
import { narrowToScope, orderReadScope, resolveReadScope, type ReadScope } from './order-read-scope.js';
import { pathIds, toOrderRecord } from './order-rows.js';

/** The orders of the list: newest first, or by due end (soonest first). */
export const ORDER_LIST_SORTS = ['created', 'due'] as const;

/** Filters, searches, order and paging of the order list. */
export const orderListQuerySchema = z.strictObject({
  state: z.enum(ORDER_STATES).optional(),
  workCenterId: idSchema.optional(),
  siteId: idSchema.optional(),
  number: code(64).optional(),
  /** Orders of this item code (exactly, letter case included). */
  item: code(64).optional().describe('orders of this item code, exactly (letter case included)'),
  /** Orders whose item code starts with this (letter case included). */
  itemPrefix: z.string().min(1).max(64).regex(/^[A-Za-z0-9._\-/]+$/, 'letters, digits and . _ - / only').optional()
    .describe('orders whose item code starts with this (letter case included)'),
  /** Orders of this customer reference, compared trimmed and case-folded; exact only (a blind index). */
  customer: z.string().max(120).refine((value) => value.trim() !== '', 'must not be blank').optional()
    .describe('orders of this customer reference, exactly, ignoring letter case and surrounding spaces; only for roles that may see customer references (403 otherwise), and audited'),
  /** Orders due (their due window's end) at or after this instant. */
  dueFrom: timestampSchema.optional(),
  /** Orders due at or before this instant. */
  dueTo: timestampSchema.optional(),
  sort: z.enum(ORDER_LIST_SORTS).default('created').describe('created: newest first (default); due: soonest due end first, for a due window'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,300}$/, 'must be a cursor returned by a previous page').optional(),
});

/** A parsed list query. */
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;

/** A page of orders with the cursor of the next page. */
export interface OrderPage {
  readonly items: readonly OrderRecord[];
  readonly nextCursor: string | null;
  /**
   * Only with a customer search: false while some orders written before the search index have no
   * tag yet, so the search may miss them until the server's fill after its start (or
   * `forgeline order reindex`) has tagged them.
   */
  readonly customerIndexComplete?: boolean;
  /**
   * Only with a customer search: how many orders, in the whole installation, no customer search
   * can find because their customer reference does not decrypt (marked
   * {@link UNREADABLE_CUSTOMER_TAG}); `forgeline order reindex` lists them and tries them again.
   */
  readonly customerIndexUnreadable?: number;
}

/**
 * An instant as the orders table stores a due end and the list compares it: RFC 3339 UTC to the
 * second ("2026-12-03T18:00:00Z"), so text order is time order on both engines. A fraction of a
 * second is cut (`floor`, how due ends are stored) or rounded up (`ceil`, for a lower bound, so a
 * bound of 18:00:00.5 does not take in an order due at 18:00:00).
 */
export function dueInstant(timestamp: string, rounding: 'floor' | 'ceil' = 'floor'): string {
  const ms = Date.parse(timestamp);
  const second = rounding === 'ceil' ? Math.ceil(ms / 1000) * 1000 : Math.floor(ms / 1000) * 1000;
  return `${new Date(second).toISOString().slice(0, 19)}Z`;
}

/** Where a page ended: the sort it belongs to and that sort's key of its last order. */
type Cursor = { readonly sort: 'created'; readonly createdAt: string; readonly id: string } | { readonly sort: 'due'; readonly dueEnd: string; readonly createdAt: string; readonly id: string };

// `created|id` for newest first (the format of before sorts, so old cursors go on working); `due|dueEnd|created|id` for the due sort.
function encodeCursor(cursor: Cursor): string {
  const text = cursor.sort === 'due' ? `due|${cursor.dueEnd}|${cursor.createdAt}|${cursor.id}` : `${cursor.createdAt}|${cursor.id}`;
  return Buffer.from(text).toString('base64url');
}

function badCursor(message: string): ForgelineError {
  return new ForgelineError('validation-failed', `Invalid cursor: ${message}`, { problems: [{ path: 'cursor', message }] });
}

function decodeCursor(text: string, sort: OrderListQuery['sort']): Cursor {
  const parts = Buffer.from(text, 'base64url').toString().split('|');
  const instant = (value: string | undefined): value is string => value !== undefined && value !== '' && !Number.isNaN(Date.parse(value));
  const [first, second, third, fourth] = parts;
  const cursor: Cursor | undefined = parts.length === 4 && first === 'due' && instant(second) && instant(third) && fourth
    ? { sort: 'due', dueEnd: second, createdAt: third, id: fourth }
    : parts.length === 2 && instant(first) && second ? { sort: 'created', createdAt: first, id: second } : undefined;
  if (cursor === undefined) throw badCursor('it must be one returned by a previous page');
  // A cursor is a position in one order of the list; in the other it would skip or repeat orders.
  if (cursor.sort !== sort) throw badCursor(`it belongs to sort=${cursor.sort}, not sort=${sort}: start again without it`);
  return cursor;
}

/**
 * The role assignments that let `subject` see orders' customer reference, asked of the policy
 * itself in every state (operators, for one, never see it). Search by customer is confined to
 * their scopes, so it reveals which orders carry a customer only to readers who could read it.
 */
function customerReaders(subject: Subject): RoleAssignment[] {
  return subject.roles.filter((assignment) => {
    if (!ROLE_PERMISSIONS[assignment.role].includes('order.read-confidential')) return false;
    // This one assignment alone, at its own scope (the roles of an API token are already narrowed to its scope).
    const alone: Subject = { userId: subject.userId, username: subject.username, roles: [assignment], passwordMustChange: false };
    const scopePath = assignment.scopeNodeId === null ? [] : [assignment.scopeNodeId];
    return ORDER_STATES.some((state) => visibleConfidentialFields(alone, { kind: 'order', scopePath, state, authorIds: [] }).includes('customerReference'));
  });
}

/** What the list needs: the store, the customer search key, and the audit trail for customer searches. */
export interface OrderListDeps {
  readonly store: Store;
  readonly customerSearch: CustomerSearchKey;
  readonly audit: AuditTrail;
}

/**
 * The scope a customer search may look in, or a refusal (audited: a search by customer is a
 * confidential read, as it tells which orders carry the customer).
 */
async function customerSearchScope(deps: OrderListDeps, actor: Actor): Promise<ReadScope> {
  const gate = mayAsk(actor.subject, 'order.read-confidential');
  const readers = gate.allowed ? customerReaders(actor.subject) : [];
  if (!gate.allowed || readers.length === 0) {
    const refusal = gate.allowed ? new ForgelineError('forbidden', 'your roles may not see customer references, so they may not search orders by one') : new ForgelineError(gate.code, gate.reason);
    await deps.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'denied', actor: auditActorOf(actor), detail: { search: 'customerReference', reason: refusal.message } });
    throw refusal;
  }
  return resolveReadScope(deps.store, readers.map((assignment) => assignment.scopeNodeId));
}

/**
 * The search tag of `customer`. A keyring that cannot open the search key refuses the search; the
 * refusal is audited as a confidential read refused, with its code, as a read of the fields is.
 */
async function customerTag(deps: OrderListDeps, actor: Actor, customer: string): Promise<string> {
  try {
    return await deps.customerSearch.tagOf(deps.store.db, customer);
  } catch (error) {
    if (isKeyringFailure(error)) {
      await deps.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'denied', actor: auditActorOf(actor), detail: { search: 'customerReference', reason: error.message, code: error.code } });
    }
    throw error;
  }
}

/**
 * Lists orders with keyset paging. The reader's scope is part of the query itself, so a page never
 * holds an order the reader may not see; a customer search narrows it to where they may see customers.
 */
export async function listOrders(deps: OrderListDeps, actor: Actor, input: unknown): Promise<OrderPage> {
  const query = parseOrThrow(orderListQuerySchema, input, 'order list query');
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
  // The policy's questions about the subject first; the scope is then put into the query itself.
  const readScope = await orderReadScope(deps.store, actor);
  const customer = query.customer;
  const scope = customer === undefined ? readScope : await customerSearchScope(deps, actor);
  const db = deps.store.db;
  // Soonest due first, SQLite (which has no statistics) would read a site's or a state's orders through their
  // creation-time index and sort them all; a unary + keeps those broad columns off an index there, so it walks
  // the due-date index and filters, as PostgreSQL's planner chooses by itself. Selective filters keep their index.
  const broad = (column: 'site_id' | 'work_center_id' | 'state') =>
    query.sort === 'due' && deps.store.kind === 'sqlite' ? sql<string>`+${sql.ref(column)}` : sql<string>`${sql.ref(column)}`;
  let select = db.selectFrom('orders').selectAll();
  const narrowed = narrowToScope(scope, query);
  if (narrowed !== 'nothing') {
    const { siteId, workCenterId, siteIds, workCenterIds } = narrowed;
    if (siteId) select = select.where((eb) => eb(broad('site_id'), '=', siteId));
    if (workCenterId) select = select.where((eb) => eb(broad('work_center_id'), '=', workCenterId));
    // The scope is part of the query itself, as plain id lists the indexes can use.
    if (siteIds || workCenterIds) {
      select = select.where((eb) =>
        eb.or([
          ...(siteIds?.length ? [eb(broad('site_id'), 'in', siteIds)] : []),
          ...(workCenterIds?.length ? [eb(broad('work_center_id'), 'in', workCenterIds)] : []),
        ]),
      );
    }
  }
  const state = query.state;
  if (state) select = select.where((eb) => eb(broad('state'), '=', state));
  if (query.number) select = select.where('number', '=', query.number);
  if (query.item) select = select.where('item_code', '=', query.item);
  if (query.itemPrefix) {
    // A range, not LIKE: both engines walk the item index for it (LIKE needs a special operator class on
    // PostgreSQL, and folds case on SQLite). The column is in byte order and codes are ASCII, so the range
    // [prefix, prefix with its last character incremented) is exactly the codes that start with it.
    const prefix = query.itemPrefix;
    const after = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
    select = select.where('item_code', '>=', prefix).where('item_code', '<', after);
  }
  if (customer !== undefined) select = select.where('customer_tag', '=', await customerTag(deps, actor, customer));
  if (query.dueFrom) select = select.where('due_end', '>=', dueInstant(query.dueFrom, 'ceil'));
  if (query.dueTo) select = select.where('due_end', '<=', dueInstant(query.dueTo));
  if (cursor?.sort === 'created') {
    // A row-value comparison, so both engines walk the (created_at, id) index from the cursor.
    select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
  } else if (cursor?.sort === 'due') {
    // The order of the due_end index (migration 0013), created_at and id breaking ties, so no sort is needed.
    select = select.where((eb) => eb(eb.refTuple('due_end', 'created_at', 'id'), '>', eb.tuple(cursor.dueEnd, cursor.createdAt, cursor.id)));
  }
  select = query.sort === 'due'
    ? select.orderBy('due_end', 'asc').orderBy('created_at', 'asc').orderBy('id', 'asc')
    : select.orderBy('created_at', 'desc').orderBy('id', 'desc');
  const rows = narrowed === 'nothing' ? [] : await select.limit(query.limit + 1).execute();
  let page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last
    ? encodeCursor(query.sort === 'due' ? { sort: 'due', dueEnd: last.due_end, createdAt: last.created_at, id: last.id } : { sort: 'created', createdAt: last.created_at, id: last.id })
    : null;
  if (customer === undefined) return { items: page.map(toOrderRecord), nextCursor };

  // Each order found is checked with the policy as a confidential read of it would be: the scope above
  // already keeps out what the reader may not see, this keeps it so should the two ever differ.
  const nodes = page.length === 0 ? [] : await db.selectFrom('plant_nodes').select(['id', 'path']).where('id', 'in', [...new Set(page.map((row) => row.work_center_id))]).execute();
  const pathOf = new Map(nodes.map((node) => [node.id, pathIds(node.path)]));
  page = page.filter((row) => visibleConfidentialFields(actor.subject, { kind: 'order', scopePath: pathOf.get(row.work_center_id) ?? [], state: row.state as OrderState, authorIds: [] }).includes('customerReference'));
  // Both answered from the customer tag index: a probe for one untagged order, a count of the marked ones.
  const pending = await db.selectFrom('orders').select('id').where('customer_tag', 'is', null).limit(1).executeTakeFirst();
  const unreadable = await db.selectFrom('orders').select((eb) => eb.fn.countAll().as('count')).where('customer_tag', '=', UNREADABLE_CUSTOMER_TAG).executeTakeFirstOrThrow();
  await deps.audit.recordAlone({
    kind: 'order.read-confidential', outcome: 'ok', actor: auditActorOf(actor),
    // Which orders the search revealed to carry the customer; never the reference itself.
    detail: { search: 'customerReference', orders: page.map((row) => row.id), fields: ['customerReference'] },
  });
  return { items: page.map(toOrderRecord), nextCursor, customerIndexComplete: pending === undefined, customerIndexUnreadable: Number(unreadable.count) };
}
