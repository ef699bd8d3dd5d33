import { z } from 'zod';
import { auditActorOf, can, ROLE_PERMISSIONS, type Actor } from '../access/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import {
  CONFIDENTIAL_FIELDS,
  ForgelineError,
  ORDER_STATES,
  code,
  idSchema,
  parseOrThrow,
  type OrderContent,
  type OrderDetail,
  type OrderRecord,
  type OrderRevisionRecord,
} from '../domain/index.js';
import type { Store } from '../store/index.js';
import { loadContent, loadOrderContext, orderResource } from './order-context.js';
import { toOrderRecord } from './order-rows.js';

/** Filters and paging of the order list. */
export const orderListQuerySchema = z.strictObject({
  state: z.enum(ORDER_STATES).optional(),
  workCenterId: idSchema.optional(),
  siteId: idSchema.optional(),
  number: code(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a cursor returned by a previous page').optional(),
});

/** A page of orders, newest first, with the cursor of the next page. */
export interface OrderPage {
  readonly items: readonly OrderRecord[];
  readonly nextCursor: string | null;
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) {
    throw new ForgelineError('validation-failed', 'Invalid cursor: it must be one returned by a previous page', { problems: [{ path: 'cursor', message: 'not a cursor' }] });
  }
  return { createdAt, id };
}

/** Options of {@link OrderQueries.get}. */
export interface GetOrderOptions {
  /** Include the confidential fields; allowed only to roles that need them, and audited. */
  readonly includeConfidential?: boolean;
  /** Whether a confidential read is written to the audit log (always, except the service's own echo). */
  readonly audit?: boolean;
}

/** The read side of orders: one order with its details, lists filtered by scope inside the query. */
export class OrderQueries {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
  }

  /**
   * One order with its current content, signatures and progress. An order outside the
   * reader's scope answers not-found, so its existence is not revealed.
   */
  async get(actor: Actor, id: string, options: GetOrderOptions = {}): Promise<OrderDetail> {
    if (!idSchema.safeParse(id).success) throw new ForgelineError('not-found', `no order ${id}`);
    const db = this.deps.store.db;
    const context = await loadOrderContext(db, id);
    const resource = orderResource(context);
    if (!can(actor.subject, 'order.read', resource).allowed) throw new ForgelineError('not-found', `no order ${id}`);
    if (options.includeConfidential) {
      const decision = can(actor.subject, 'order.read-confidential', resource);
      if (!decision.allowed) {
        await this.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { reason: decision.reason } });
        throw new ForgelineError(decision.code, 'your role may not see this order\'s recipe and customer');
      }
      if (options.audit !== false) {
        await this.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'ok', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { fields: [...CONFIDENTIAL_FIELDS] } });
      }
    }
    const [content, signatures, progress] = await Promise.all([
      loadContent(db, id, context.row.revision),
      db
        .selectFrom('order_signatures')
        .innerJoin('users', 'users.id', 'order_signatures.signer_id')
        .select(['order_signatures.signer_id', 'users.username', 'order_signatures.meaning', 'order_signatures.revision', 'order_signatures.content_hash', 'order_signatures.signed_at'])
        .where('order_id', '=', id)
        .orderBy('signed_at')
        .execute(),
      db.selectFrom('order_progress').selectAll().where('order_id', '=', id).orderBy('seq').execute(),
    ]);
    const visible: Partial<OrderContent> = { ...content };
    if (!options.includeConfidential) for (const field of CONFIDENTIAL_FIELDS) delete visible[field];
    return {
      ...toOrderRecord(context.row),
      content: visible,
      confidentialIncluded: options.includeConfidential === true,
      signatures: signatures.map((s) => ({ signerId: s.signer_id, signer: s.username, meaning: s.meaning, revision: s.revision, contentHash: s.content_hash, signedAt: s.signed_at })),
      progress: progress.map((p) => ({ seq: p.seq, operationSeq: p.operation_seq, good: p.good, scrap: p.scrap, lots: JSON.parse(p.lots), reportedBy: p.reported_by, reportedAt: p.reported_at })),
    };
  }

  /** The revisions of an order, oldest first. */
  async revisions(actor: Actor, id: string): Promise<OrderRevisionRecord[]> {
    await this.get(actor, id, { audit: false });
    const rows = await this.deps.store.db.selectFrom('order_revisions').select(['revision', 'content_hash', 'created_by', 'created_at']).where('order_id', '=', id).orderBy('revision').execute();
    return rows.map((row) => ({ revision: row.revision, contentHash: row.content_hash, createdBy: row.created_by, createdAt: row.created_at }));
  }

  /**
   * Lists orders newest first with keyset paging. The reader's scope is part of the
   * query itself, so a page never holds an order the reader may not see.
   */
  async list(actor: Actor, input: unknown): Promise<OrderPage> {
    const query = parseOrThrow(orderListQuerySchema, input, 'order list query');
    const readers = actor.subject.roles.filter((assignment) => ROLE_PERMISSIONS[assignment.role].includes('order.read'));
    if (readers.length === 0 || actor.subject.passwordMustChange) {
      const decision = can(actor.subject, 'order.read', { kind: 'system' });
      throw new ForgelineError(decision.allowed ? 'forbidden' : decision.code, decision.allowed ? undefined : decision.reason);
    }
    const enterpriseWide = readers.some((assignment) => assignment.scopeNodeId === null);
    const scopes = readers.map((assignment) => assignment.scopeNodeId).filter((scope): scope is string => scope !== null);
    let select = this.deps.store.db.selectFrom('orders').selectAll();
    if (!enterpriseWide) {
      select = select.where('work_center_id', 'in', (eb) =>
        eb.selectFrom('plant_nodes').select('id').where((inner) => inner.or(scopes.map((scope) => inner('path', 'like', `%/${scope}/%`)))),
      );
    }
    if (query.state) select = select.where('state', '=', query.state);
    if (query.workCenterId) select = select.where('work_center_id', '=', query.workCenterId);
    if (query.siteId) select = select.where('site_id', '=', query.siteId);
    if (query.number) select = select.where('number', '=', query.number);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      select = select.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(toOrderRecord), nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null };
  }
}
