import { assertCan, auditActorOf, can, visibleConfidentialFields, type Actor } from '../access/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import {
  CONFIDENTIAL_FIELDS,
  ForgelineError,
  idSchema,
  parseOrThrow,
  type ConfidentialField,
  type OrderContent,
  type OrderDetail,
  type OrderRevisionRecord,
} from '../domain/index.js';
import type { OrderRow, Store } from '../store/index.js';
import { loadContent, loadOrderContext, loadPublicContent, orderResource } from './order-context.js';
import { loadOrderHistory, orderHistoryQuerySchema, type OrderHistoryPage } from './order-history.js';
import { isKeyringFailure } from './keyring-failure.js';
import type { OrderSecrets } from './order-secrets.js';
import { listOrders, type OrderPage } from './order-list.js';
import { pathIds, publicContent, toOrderRecord } from './order-rows.js';
import { isJwsRefusal, readReleaseAttestation, storedJws, verifyStoredJws, type OrderSigner } from './order-signing.js';

// The list lives in order-list.ts; its names are part of this module's surface as before.
export { dueInstant, ORDER_LIST_SORTS, orderListQuerySchema, type OrderListQuery, type OrderPage } from './order-list.js';

/** The public content plus the named confidential fields of `content`. */
function withConfidential(visible: Partial<OrderContent>, content: OrderContent, fields: readonly ConfidentialField[]): Partial<OrderContent> {
  const result: Partial<OrderContent> = { ...visible };
  for (const field of fields) Object.assign(result, { [field]: content[field] });
  return result;
}

/** A stored revision with its content (confidential fields only those the reader may see). */
export interface OrderRevisionDetail extends OrderRevisionRecord {
  readonly content: Partial<OrderContent>;
  readonly confidentialFields: readonly ConfidentialField[];
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

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly secrets: OrderSecrets; readonly signer?: OrderSigner }) {
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
    let fields: readonly ConfidentialField[] = [];
    if (options.includeConfidential) {
      const decision = can(actor.subject, 'order.read-confidential', resource);
      fields = resource.kind === 'order' ? visibleConfidentialFields(actor.subject, resource) : [];
      if (!decision.allowed || fields.length === 0) {
        const reason = decision.allowed ? `no confidential field of a ${context.row.state} order is visible to your roles` : decision.reason;
        await this.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { reason } });
        throw new ForgelineError(decision.allowed ? 'forbidden' : decision.code, decision.allowed ? reason : 'your role may not see this order\'s recipe and customer');
      }
    }
    // Decrypt first: a read the keyring refuses (a wrong or missing key, a changed ciphertext) is audited as refused.
    const detail = await this.detail(id, { confidentialFields: fields, row: context.row }).catch(async (error: unknown) => {
      if (fields.length > 0 && isKeyringFailure(error)) {
        await this.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { reason: error.message, code: error.code } });
      }
      throw error;
    });
    if (fields.length > 0 && options.audit !== false) {
      await this.audit.recordAlone({ kind: 'order.read-confidential', outcome: 'ok', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { fields: [...fields] } });
    }
    return detail;
  }

  /**
   * The compact JWS of an order's released revision. It carries the whole revision, recipe and
   * customer included, so only a reader who may see every confidential field of the order gets it,
   * and the read is audited. It is verified first against the keys as they are now: one signed by
   * a key revoked since, or changed in the database, is refused (and that refusal audited) rather
   * than handed out. An expired one is still given (a device refuses to run it).
   */
  async jws(actor: Actor, id: string): Promise<string> {
    if (!idSchema.safeParse(id).success) throw new ForgelineError('not-found', `no order ${id}`);
    const context = await loadOrderContext(this.deps.store.db, id);
    const resource = orderResource(context);
    if (!can(actor.subject, 'order.read', resource).allowed) throw new ForgelineError('not-found', `no order ${id}`);
    const denied = async (reason: string, code: 'forbidden' | 'not-found'): Promise<never> => {
      await this.audit.recordAlone({ kind: 'order.read-jws', outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { reason } });
      throw new ForgelineError(code, reason);
    };
    const visible = resource.kind === 'order' ? visibleConfidentialFields(actor.subject, resource) : [];
    if (visible.length < CONFIDENTIAL_FIELDS.length) {
      await denied('the signed order carries its recipe and customer, and your roles may not see all of them', 'forbidden');
    }
    const stored = await storedJws(this.deps.store.db, id, context.row.revision);
    if (stored === undefined || this.deps.signer === undefined) {
      return denied(`order ${context.row.number} revision ${context.row.revision} has no signed release (it is ${context.row.state})`, 'not-found');
    }
    try {
      await verifyStoredJws(this.deps.signer, stored.jws, context.row.work_center_id, this.deps.clock.now(), 'ignore');
    } catch (error) {
      if (!isJwsRefusal(error)) throw error;
      await this.audit.recordAlone({
        kind: 'order.jws-refused', outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision,
        detail: { attempted: 'order.read-jws', kid: stored.kid, code: error.code, reason: error.message },
      });
      throw error;
    }
    await this.audit.recordAlone({ kind: 'order.read-jws', outcome: 'ok', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { kid: stored.kid } });
    return stored.jws;
  }

  /** The release attestation of the order's released revision, for anyone who may read the order (see {@link readReleaseAttestation}). */
  releaseAttestation(actor: Actor, id: string): Promise<string> {
    return readReleaseAttestation(this.deps.store.db, actor, id);
  }

  /**
   * An order's detail without authorization: for the service, answering the actor whose
   * change it has just authorized and committed. Confidential fields only when asked.
   */
  async detail(id: string, options: { confidentialFields?: readonly ConfidentialField[]; row?: OrderRow } = {}): Promise<OrderDetail> {
    const db = this.deps.store.db;
    const fields = options.confidentialFields ?? [];
    const row = options.row ?? (await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    const [content, signatures, progress] = await Promise.all([
      // The confidential fields are decrypted only when they are shown.
      fields.length > 0 ? loadContent(db, id, row.revision, this.deps.secrets) : loadPublicContent(db, id, row.revision) as Promise<OrderContent>,
      db
        .selectFrom('order_signatures')
        .innerJoin('users', 'users.id', 'order_signatures.signer_id')
        .select(['order_signatures.signer_id', 'users.username', 'order_signatures.action', 'order_signatures.meaning', 'order_signatures.revision', 'order_signatures.content_hash', 'order_signatures.signed_at'])
        .where('order_id', '=', id)
        .orderBy('signed_at')
        .orderBy('order_version')
        .execute(),
      db.selectFrom('order_progress').selectAll().where('order_id', '=', id).orderBy('seq').execute(),
    ]);
    return {
      ...toOrderRecord(row),
      content: withConfidential(publicContent(content), content, fields),
      confidentialIncluded: fields.length > 0,
      confidentialFields: fields,
      signatures: signatures.map((s) => ({ signerId: s.signer_id, signer: s.username, action: s.action, meaning: s.meaning, revision: s.revision, contentHash: s.content_hash, signedAt: s.signed_at })),
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
   * One revision of an order with its content, for comparing revisions. Authorized as a read of the
   * order; confidential fields only when asked and the reader's roles may see them in that revision,
   * and that revision's read is what is audited. Only the current revision ever left the draft state
   * (a draft alone is edited), so an earlier one is judged as the draft it was: an operator, who sees
   * parameters of orders on the floor, sees them of the released revision only.
   */
  async revision(actor: Actor, id: string, revision: number, options: { includeConfidential?: boolean } = {}): Promise<OrderRevisionDetail> {
    if (!idSchema.safeParse(id).success) throw new ForgelineError('not-found', `no order ${id}`);
    const db = this.deps.store.db;
    const context = await loadOrderContext(db, id);
    const orderAsItIs = orderResource(context);
    if (!can(actor.subject, 'order.read', orderAsItIs).allowed) throw new ForgelineError('not-found', `no order ${id}`);
    const row = await db.selectFrom('order_revisions').select(['revision', 'content_hash', 'created_by', 'created_at']).where('order_id', '=', id).where('revision', '=', revision).executeTakeFirst();
    if (!row) throw new ForgelineError('not-found', `order ${context.row.number} has no revision ${revision}`);
    const resource = orderAsItIs.kind === 'order' && revision !== context.row.revision ? { ...orderAsItIs, state: 'draft' as const } : orderAsItIs;
    let fields: readonly ConfidentialField[] = [];
    const record = (outcome: 'ok' | 'denied', detail: Record<string, unknown>) =>
      this.audit.recordAlone({ kind: 'order.read-confidential', outcome, actor: auditActorOf(actor), orderId: id, revision, detail });
    if (options.includeConfidential) {
      const decision = can(actor.subject, 'order.read-confidential', resource);
      fields = resource.kind === 'order' ? visibleConfidentialFields(actor.subject, resource) : [];
      if (!decision.allowed || fields.length === 0) {
        const reason = decision.allowed ? `no confidential field of revision ${revision} of a ${context.row.state} order is visible to your roles` : decision.reason;
        await record('denied', { reason });
        throw new ForgelineError(decision.allowed ? 'forbidden' : decision.code, decision.allowed ? reason : 'your role may not see this order\'s recipe and customer');
      }
    }
    // Decrypt first: a read the keyring refuses is audited as refused, as in get().
    const content = fields.length > 0
      ? await loadContent(db, id, revision, this.deps.secrets).catch(async (error: unknown) => {
        if (isKeyringFailure(error)) await record('denied', { reason: error.message, code: error.code });
        throw error;
      })
      : ((await loadPublicContent(db, id, revision)) as OrderContent);
    if (fields.length > 0) await record('ok', { fields: [...fields] });
    return {
      revision: row.revision, contentHash: row.content_hash, createdBy: row.created_by, createdAt: row.created_at,
      content: withConfidential(publicContent(content), content, fields), confidentialFields: fields,
    };
  }

  /**
   * Checks that `actor` may read the orders of work center `workCenterId` (to follow their changes
   * live): `forbidden` outside the reader's scope; `unknown-reference` for an id that is no work
   * center only to a reader of the whole enterprise, while any other reader gets the out-of-scope
   * refusal for it, so the plant's ids cannot be probed.
   */
  async assertMayWatch(actor: Actor, workCenterId: string): Promise<void> {
    const db = this.deps.store.db;
    const node = idSchema.safeParse(workCenterId).success
      ? await db.selectFrom('plant_nodes').select(['kind', 'path']).where('id', '=', workCenterId).executeTakeFirst()
      : undefined;
    if (node === undefined || node.kind !== 'work-center') {
      const enterprises = await db.selectFrom('plant_nodes').select('id').where('kind', '=', 'enterprise').execute();
      assertCan(actor.subject, 'order.read', { kind: 'order-scope', scopePath: enterprises.map((enterprise) => enterprise.id) });
      throw new ForgelineError('unknown-reference', `${workCenterId} is not a work center`, { problems: [{ path: 'workCenterId', message: 'no such work center' }] });
    }
    assertCan(actor.subject, 'order.read', { kind: 'order-scope', scopePath: pathIds(node.path) });
  }

  /** A page of the accepted changes of an order with their reasons and notes, for anyone who may read it. */
  async history(actor: Actor, id: string, input: unknown = {}): Promise<OrderHistoryPage> {
    const query = parseOrThrow(orderHistoryQuerySchema, input, 'order history query');
    await this.get(actor, id, { audit: false });
    return loadOrderHistory(this.deps.store, id, query);
  }

  /**
   * Lists orders, filtered and searched, with keyset paging (see {@link listOrders}). The reader's
   * scope is part of the query itself, so a page never holds an order the reader may not see.
   */
  list(actor: Actor, input: unknown): Promise<OrderPage> {
    return listOrders({ store: this.deps.store, customerSearch: this.deps.secrets.customerSearch, audit: this.audit }, actor, input);
  }
}
