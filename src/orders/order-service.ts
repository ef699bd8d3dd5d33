import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { auditActorOf, can, checkSigner, DEFAULT_SITE_POLICY, consumeSignatureCode, type Action, type Actor, type Resource, type SignatureMethod, type SitePolicy } from '../access/index.js';
import { AuditTrail, type AuditKind, type Clock } from '../audit/index.js';
import { contentHash, type Keyring } from '../crypto/index.js';
import {
  DEFAULT_SIGNATURE_MEANINGS,
  ForgelineError,
  isForgelineError,
  RELEASED_STATES,
  SIGNED_COMMANDS,
  actionInputSchemas,
  addDecimals,
  orderContentSchema,
  orderDraftInputSchema,
  orderEditSchema,
  parseOrThrow,
  splitConfidential,
  transition,
  type OrderCommand,
  type OrderCommandInput,
  type OrderContent,
  type OrderDetail,
  type OrderState,
  type SignedCommand,
  type ConduitFlow,
  type ConduitGrant,
  type ZoneTransport,
} from '../domain/index.js';
import { isUniqueViolation, withWriteTransaction, type Database, type OrderDataKeysTable, type OrderRow, type Store } from '../store/index.js';
import { loadContent, loadOrderContext, loadPublicContent, orderResource, type OrderContext } from './order-context.js';
import type { DispatchSignal } from './dispatch-signal.js';
import type { OrderChange, OrderChangeSignal } from './order-change-signal.js';
import type { OrderSecrets } from './order-secrets.js';
import { draftDetail, pathIds } from './order-rows.js';
import { dueInstant, OrderQueries } from './order-queries.js';
import { OrderSearchReindex } from './search-reindex.js';
import { isJwsRefusal, signRelease, storedJws, verifyStoredJws, type IssuedJws, type OrderSigner } from './order-signing.js';

/** What the order service needs from the world. */
export interface OrderServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** The site policy in force (its signing window); the default policy when absent. */
  readonly policy?: { current(): Promise<SitePolicy> };
  /** Signs released revisions as JWS and verifies them before dispatch; without it releases are unsigned (tools that never release). */
  readonly signer?: OrderSigner;
  /** The data keys that encrypt confidential fields at rest. */
  readonly secrets: OrderSecrets;
  /** Unwraps approvers' TOTP secrets to check their signatures. */
  readonly keyring?: Keyring;
  /** Told of each committed dispatch, for the shop-floor transports. */
  readonly dispatches?: DispatchSignal;
  /** Told of each committed change of an order (creation included), for the people's live views. */
  readonly changes?: OrderChangeSignal;
  /** The zone check (the ZoneService): without it dispatch asks no zone (tools and tests that do not care). */
  readonly conduits?: ConduitCheck;
}

/** Which conduit permits a flow to a work center's zone, or throws `conduit-refused` (see the ZoneService). */
export interface ConduitCheck {
  conduitFor(workCenterId: string, transport: ZoneTransport | 'any', flow: ConduitFlow): Promise<ConduitGrant>;
}

const editRequestSchema = orderEditSchema.extend({ version: z.number().int().min(1) });

/**
 * The one choke point for changes to production orders (DESIGN.md invariant 1):
 * every change is authorized by the policy, checked against the lifecycle table and
 * the caller's version, and written with its audit entry in one transaction.
 * Refusals change nothing and are audited on their own.
 */
export class OrderService {
  private readonly audit: AuditTrail;
  /** The read side, for callers that hold only the service. */
  readonly queries: OrderQueries;
  /** Fills the list's search columns of orders written before them (migration 0015). */
  readonly searchIndex: OrderSearchReindex;

  constructor(private readonly deps: OrderServiceDeps) {
    this.audit = new AuditTrail(deps);
    this.queries = new OrderQueries(deps);
    this.searchIndex = new OrderSearchReindex(deps);
  }

  /** Asks the policy; a refusal is audited and thrown. */
  private authorize(actor: Actor, action: Action, resource: Resource, kind: AuditKind, orderId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    return this.audit.authorize(actor, action, resource, { kind, orderId, detail });
  }

  /** Finds the work center (and its plant path) an order is for, and checks its item exists. */
  private async resolveReferences(content: Pick<OrderContent, 'workCenterId' | 'item' | 'materials'>): Promise<{ scopePath: string[]; siteId: string }> {
    const db = this.deps.store.db;
    const node = await db.selectFrom('plant_nodes').select(['kind', 'path']).where('id', '=', content.workCenterId).executeTakeFirst();
    if (!node || node.kind !== 'work-center') {
      throw new ForgelineError('unknown-reference', `workCenterId ${content.workCenterId} is not a work center`, { problems: [{ path: 'workCenterId', message: 'no such work center' }] });
    }
    const item = await db.selectFrom('items').select('id').where('code', '=', content.item.code).where('revision', '=', content.item.revision).executeTakeFirst();
    if (!item) {
      throw new ForgelineError('unknown-reference', `item ${content.item.code} revision ${content.item.revision} does not exist`, { problems: [{ path: 'item', message: 'no such item revision' }] });
    }
    const materialCodes = [...new Set(content.materials.map((material) => material.itemCode))];
    if (materialCodes.length > 0) {
      const known = new Set((await db.selectFrom('items').select('code').distinct().where('code', 'in', materialCodes).execute()).map((row) => row.code));
      const missing = materialCodes.filter((materialCode) => !known.has(materialCode));
      if (missing.length > 0) {
        throw new ForgelineError('unknown-reference', `material item(s) ${missing.join(', ')} do not exist`, { problems: [{ path: 'materials', message: `unknown item ${missing.join(', ')}` }] });
      }
    }
    const scopePath = pathIds(node.path);
    // Path: enterprise, site, area, work center.
    return { scopePath, siteId: scopePath[1] ?? scopePath[0] ?? '' };
  }

  /**
   * Creates a draft order. With an idempotency key, a retry of the same request returns
   * the order the first one made, and a different request under the same key is refused.
   */
  async create(actor: Actor, input: unknown, idempotencyKey?: string): Promise<OrderDetail> {
    return (await this.createOrReplay(actor, input, idempotencyKey)).order;
  }

  /** {@link OrderService.create}, also telling whether the answer is a replay of an earlier request with the same key. */
  async createOrReplay(actor: Actor, input: unknown, idempotencyKey?: string): Promise<{ order: OrderDetail; replayed: boolean }> {
    const content = parseOrThrow(orderDraftInputSchema, input, 'order');
    const requestHash = contentHash(content);
    const replay = async (): Promise<{ order: OrderDetail; replayed: true } | null> => {
      const earlier = idempotencyKey ? await this.findIdempotent(actor, idempotencyKey, requestHash) : null;
      return earlier ? { order: earlier, replayed: true } : null;
    };
    const earlier = await replay();
    if (earlier) return earlier;
    const { scopePath, siteId } = await this.resolveReferences(content);
    await this.authorize(actor, 'order.create', { kind: 'order-scope', scopePath }, 'order.create', null, { number: content.number });
    // The request hash is the content hash: the same content is the same request.
    const hash = requestHash;
    const now = this.deps.clock.now().toISOString();
    // The search columns of the list (migration 0015), computed before the transaction: the search key may call out to a KMS.
    const customerTag = await this.deps.secrets.customerSearch.indexTagOf(this.deps.store.db, content.customerReference);
    const row: OrderRow = {
      id: randomUUID(), number: content.number, site_id: siteId, work_center_id: content.workCenterId, state: 'draft', held_from: null,
      revision: 1, version: 1, content_hash: hash, priority: content.priority, due_end: dueInstant(content.dueWindow.end),
      created_by: actor.subject.userId, created_at: now, updated_at: now, good_quantity: '0', scrap_quantity: '0', unit: content.quantity.unit,
      item_code: content.item.code, customer_tag: customerTag,
    };
    const id = row.id;
    const dataKey = await this.deps.secrets.newDataKey(id, now);
    try {
      await withWriteTransaction(this.deps.store, async (trx) => {
        // A taken number fails the insert on its unique index (mapped to `conflict` below).
        await trx.insertInto('orders').values(row).execute();
        await trx.insertInto('order_data_keys').values(dataKey.row).execute();
        await this.insertRevision(trx, id, 1, content, hash, actor, now, dataKey.key);
        if (idempotencyKey) {
          await trx.insertInto('idempotency_keys').values({ user_id: actor.subject.userId, key: idempotencyKey, request_hash: requestHash, order_id: id, created_at: now }).execute();
        }
        await this.audit.record(trx, { kind: 'order.create', outcome: 'ok', actor: auditActorOf(actor), orderId: id, revision: 1, hashBefore: null, hashAfter: hash, detail: { number: content.number, state: 'draft' } });
      });
    } catch (error) {
      // A concurrent retry with the same key won the race (its order number or key now
      // exists): answer with its order.
      if (idempotencyKey && (isUniqueViolation(error) || (error instanceof ForgelineError && error.code === 'conflict'))) {
        const raced = await replay();
        if (raced) return raced;
      }
      if (isUniqueViolation(error)) throw new ForgelineError('conflict', `order number ${content.number} is taken`);
      throw error;
    }
    this.deps.changes?.announce({ orderId: id, workCenterId: row.work_center_id, state: 'draft', version: 1 });
    // Everything the new draft holds is known here: answer without reading it back.
    return { order: draftDetail(row, content), replayed: false };
  }

  private async findIdempotent(actor: Actor, key: string, requestHash: string): Promise<OrderDetail | null> {
    const row = await this.deps.store.db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'order_id'])
      .where('user_id', '=', actor.subject.userId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return null;
    if (row.request_hash !== requestHash) throw new ForgelineError('idempotency-key-reused');
    return this.queries.get(actor, row.order_id, { audit: false });
  }

  /** Writes a revision: the public part as JSON, the confidential fields sealed with the order's data key. */
  private async insertRevision(trx: Transaction<Database>, orderId: string, revision: number, content: OrderContent, hash: string, actor: Actor, now: string, dataKey: Buffer): Promise<void> {
    const { publicPart, confidentialPart } = splitConfidential(content);
    const confidential = this.deps.secrets.seal(dataKey, orderId, revision, confidentialPart);
    await trx
      .insertInto('order_revisions')
      .values({ order_id: orderId, revision, content_hash: hash, content: JSON.stringify(publicPart), confidential, created_by: actor.subject.userId, created_at: now })
      .execute();
  }

  /**
   * The data key an order's next revision is sealed with, unwrapped before the transaction (the
   * keyring may be an external command). An order written before encryption gets one now; its
   * row is returned to be inserted with the revision.
   */
  private async revisionKey(orderId: string, now: string): Promise<{ key: Buffer; newRow: OrderDataKeysTable | null }> {
    const existing = await this.deps.secrets.dataKey(this.deps.store.db, orderId);
    if (existing !== null) return { key: existing, newRow: null };
    const made = await this.deps.secrets.newDataKey(orderId, now);
    return { key: made.key, newRow: made.row };
  }

  /**
   * Loads an order for a change. An order the actor may not even see answers not-found, as a
   * read would, so its existence is not revealed; the attempt is still audited.
   */
  private async loadVisible(actor: Actor, id: string, kind: AuditKind): Promise<OrderContext> {
    const context = await loadOrderContext(this.deps.store.db, id);
    if (!can(actor.subject, 'order.read', orderResource(context)).allowed) {
      await this.audit.recordAlone({ kind, outcome: 'denied', actor: auditActorOf(actor), orderId: id, detail: { reason: 'the order is outside your scope' } });
      throw new ForgelineError('not-found', `no order ${id}`);
    }
    return context;
  }

  /** Edits a draft: the named fields are replaced, the whole content checked again, and a new immutable revision written. */
  async edit(actor: Actor, id: string, input: unknown): Promise<OrderDetail> {
    const { version, ...changes } = parseOrThrow(editRequestSchema, input, 'order edit');
    const context = await this.loadVisible(actor, id, 'order.edit');
    await this.authorize(actor, 'order.edit', orderResource(context), 'order.edit', id);
    const current = await loadContent(this.deps.store.db, id, context.row.revision, this.deps.secrets);
    const content = parseOrThrow(orderContentSchema, { ...current, ...changes }, 'order');
    let siteId = context.row.site_id;
    if (content.workCenterId !== current.workCenterId || content.item.code !== current.item.code || content.item.revision !== current.item.revision || 'materials' in changes) {
      const moved = await this.resolveReferences(content);
      // Moving an order needs the right to create it in its new place too.
      await this.authorize(actor, 'order.create', { kind: 'order-scope', scopePath: moved.scopePath }, 'order.edit', id);
      siteId = moved.siteId;
    }
    const hash = contentHash(content);
    const sealing = await this.revisionKey(id, this.deps.clock.now().toISOString());
    // The new revision's search columns change with it, in its transaction (migration 0015).
    const customerTag = await this.deps.secrets.customerSearch.indexTagOf(this.deps.store.db, content.customerReference);
    await this.change(actor, context, 'edit', version, async (trx, now) => {
      if (hash === context.row.content_hash) return { detail: { unchanged: true } };
      const revision = context.row.revision + 1;
      if (sealing.newRow !== null) await trx.insertInto('order_data_keys').values(sealing.newRow).execute();
      await this.insertRevision(trx, id, revision, content, hash, actor, now, sealing.key);
      return {
        set: {
          revision, content_hash: hash, site_id: siteId, work_center_id: content.workCenterId, priority: content.priority, due_end: dueInstant(content.dueWindow.end), unit: content.quantity.unit,
          item_code: content.item.code, customer_tag: customerTag,
        },
        hashAfter: hash,
        revision,
        detail: { fields: Object.keys(changes).sort(), ...(content.workCenterId === context.row.work_center_id ? {} : { movedFrom: context.row.work_center_id }) },
      };
    });
    return this.queries.detail(id);
  }

  /** Performs a lifecycle command (submit, release, …, cancel) on an order; answers the whole order as it now is. */
  async perform<C extends OrderCommand>(actor: Actor, id: string, command: C, input: unknown, options: PerformOptions = {}): Promise<OrderDetail> {
    await this.performBrief(actor, id, command, input, options);
    return this.queries.detail(id);
  }

  /**
   * Dispatches several released orders in one call (a shift's orders at once): each is checked,
   * changed and audited exactly as a dispatch of its own (policy, stored JWS, zone and conduit,
   * version), and their transactions share commits. One order's refusal refuses only that order;
   * the answer says, in the request's order, where each order now stands or why it was refused.
   */
  async dispatchMany(actor: Actor, input: unknown): Promise<DispatchOutcome[]> {
    const { orders } = parseOrThrow(dispatchManySchema, input, 'dispatch request');
    const seen = new Set<string>();
    for (const [index, order] of orders.entries()) {
      if (seen.has(order.id)) throw new ForgelineError('validation-failed', `order ${order.id} is named twice`, { problems: [{ path: `orders.${index}.id`, message: 'named twice' }] });
      seen.add(order.id);
    }
    const outcomes: DispatchOutcome[] = new Array(orders.length);
    let failure: { error: unknown } | undefined;
    let next = 0;
    // A bounded number at once: enough that their write transactions share a commit, few enough for a PostgreSQL pool.
    const worker = async (): Promise<void> => {
      while (next < orders.length && failure === undefined) {
        const index = next;
        next += 1;
        const { id, ...request } = orders[index] as (typeof orders)[number];
        try {
          outcomes[index] = { ok: true, ...(await this.performBrief(actor, id, 'dispatch', request)) };
        } catch (error) {
          if (!isForgelineError(error) || error.status >= 500) failure ??= { error };
          else outcomes[index] = { ok: false, id, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DISPATCH_MANY_AT_ONCE, orders.length) }, worker));
    // The store or a bug failed: no partial answer (what did commit is audited; the caller reads the orders again).
    if (failure !== undefined) throw failure.error;
    return outcomes;
  }

  /** Performs a lifecycle command and answers only where the order now stands (no read of the whole order afterwards). */
  async performBrief<C extends OrderCommand>(actor: Actor, id: string, command: C, input: unknown, options: PerformOptions = {}): Promise<OrderStanding> {
    const request = parseOrThrow(actionInputSchemas[command], input, `${command} request`) as OrderCommandInput<OrderCommand>;
    const kind = `order.${command}` as const;
    const context = await this.loadVisible(actor, id, kind);
    await this.authorize(actor, kind, orderResource(context), kind, id);
    const dispatchedJws = command === 'dispatch' ? await this.checkJws(actor, context, kind) : undefined;
    if (command === 'dispatch') await this.checkConduit(actor, context, kind);
    const signature = await this.checkSignature(actor, context, command, request);
    // Unwrapping the key may call out (an external KMS): before the transaction, whose batch-mates wait for it.
    const signingKey = command === 'release' && this.deps.signer !== undefined ? await this.deps.signer.activeKey() : undefined;
    // The JWS carries the recipe: unwrap the order's data key now, not inside the shared transaction.
    if (signingKey !== undefined) await this.deps.secrets.dataKey(this.deps.store.db, id);
    let standing: OrderStanding | undefined;
    try {
      standing = await this.change(actor, context, command, request.version, async (trx, now, to) => {
        if (signature !== null) await this.sign(trx, actor, context, signature, now);
        const effects = await this.applyCommand(trx, actor, context, command, request, now, to);
        // A record that must commit with this change or not at all (a device report's idempotency row).
        const alongside = options.alongside === undefined ? undefined : await options.alongside(trx, now, to);
        let jws: IssuedJws | undefined;
        // The transaction checked the order is still at the version read (what the JWS names does not change on release).
        if (signingKey !== undefined && this.deps.signer !== undefined) jws = await signRelease(trx, context.row, signingKey, this.deps.signer.issuer, now, this.deps.secrets);
        const detail = {
          ...effects.detail,
          ...(signature === null ? {} : { signature: signatureDetail(signature, context, now) }),
          ...(jws === undefined ? {} : { jws }),
          ...alongside,
        };
        return { ...effects, detail };
      });
    } catch (error) {
      if (error instanceof ForgelineError && error.code === 'signature-failed') {
        await this.audit.recordAlone({ kind, outcome: 'denied', actor: auditActorOf(actor), orderId: id, revision: context.row.revision, detail: { reason: error.message } });
      }
      throw error;
    }
    if (command === 'dispatch') {
      this.deps.dispatches?.announce({
        orderId: id, revision: context.row.revision, workCenterId: context.row.work_center_id,
        delivery: dispatchedJws === undefined ? undefined : { number: context.row.number, jws: dispatchedJws },
      });
    }
    // Only an edit that changes nothing leaves no standing; a command always changes the order.
    if (standing === undefined) throw new Error(`${command} of order ${id} changed nothing`);
    return standing;
  }

  /**
   * Before an order goes to the shop floor: its released revision's JWS must verify now, as the
   * device will check it (a key revoked since, a changed byte, an expired order). A refusal is
   * audited and thrown. An order released before orders were signed has no JWS and passes.
   * Answers the JWS checked (undefined when there is none).
   */
  private async checkJws(actor: Actor, context: OrderContext, kind: AuditKind): Promise<string | undefined> {
    const signer = this.deps.signer;
    if (signer === undefined) return undefined;
    const stored = await storedJws(this.deps.store.db, context.row.id, context.row.revision);
    if (stored === undefined) return undefined;
    try {
      await verifyStoredJws(signer, stored.jws, context.row.work_center_id, this.deps.clock.now(), 'check');
    } catch (error) {
      if (!isJwsRefusal(error)) throw error;
      await this.audit.recordAlone({
        kind: 'order.jws-refused', outcome: 'denied', actor: auditActorOf(actor), orderId: context.row.id, revision: context.row.revision,
        detail: { attempted: kind, kid: stored.kid, code: error.code, reason: error.message },
      });
      throw error;
    }
    return stored.jws;
  }

  /**
   * Before an order goes to the shop floor: its work center must be in a zone that a conduit
   * carries orders to (IEC 62443-3-3 SR 5.1, 5.2). A refusal is audited as the denied dispatch and
   * thrown. Only when the lifecycle allows the dispatch, so an order in the wrong state still hears so.
   */
  private async checkConduit(actor: Actor, context: OrderContext, kind: AuditKind): Promise<void> {
    const { row } = context;
    if (this.deps.conduits === undefined || !transition(row.state as OrderState, 'dispatch', row.held_from as OrderState | null).ok) return;
    try {
      await this.deps.conduits.conduitFor(row.work_center_id, 'any', 'orders');
    } catch (error) {
      if (!(error instanceof ForgelineError && error.code === 'conduit-refused')) throw error;
      await this.audit.recordAlone({ kind, outcome: 'denied', actor: auditActorOf(actor), orderId: row.id, revision: row.revision, detail: { code: error.code, reason: error.message } });
      throw error;
    }
  }

  /**
   * For a command that is an electronic signature (release, unhold, close, and cancel after
   * release): re-authenticates the signer now (password, and a fresh TOTP code when they have a
   * second factor). A failure is audited and thrown; null for commands that are not signed.
   */
  private async checkSignature(actor: Actor, context: OrderContext, command: OrderCommand, request: OrderCommandInput<OrderCommand>): Promise<PendingSignature | null> {
    if (!isSigned(command, context.row.state as OrderState)) return null;
    const given = request as { password?: string; totp?: string; meaning?: string };
    if (given.password === undefined) {
      throw new ForgelineError('validation-failed', `${command} is an electronic signature: give your password (and your one-time code)`, { problems: [{ path: 'password', message: 'required to sign' }] });
    }
    const checked = await checkSigner(this.deps.store.db, actor.subject, { password: given.password, totp: given.totp }, this.deps.clock.now().getTime(), this.deps.keyring);
    const policy = await (this.deps.policy?.current() ?? Promise.resolve(DEFAULT_SITE_POLICY));
    if (!checked.ok) {
      await this.audit.recordAlone({ kind: `order.${command}`, outcome: 'denied', actor: auditActorOf(actor), orderId: context.row.id, revision: context.row.revision, detail: { reason: checked.reason } });
      throw new ForgelineError('signature-failed', checked.reason);
    }
    return { action: command as SignedCommand, meaning: given.meaning ?? DEFAULT_SIGNATURE_MEANINGS[command as SignedCommand], method: checked.method, totpStep: checked.totpStep, windowMs: policy.signingWindowMinutes * 60_000 };
  }

  /** Writes the signature, bound to the exact revision's content hash, in the change's transaction. */
  private async sign(trx: Transaction<Database>, actor: Actor, context: OrderContext, signature: PendingSignature, now: string): Promise<void> {
    // The code is spent with the change it signs: a replay, even a racing one, finds it used.
    if (signature.totpStep !== null) {
      const signingUntil = new Date(Date.parse(now) + signature.windowMs).toISOString();
      if (!(await consumeSignatureCode(trx, actor.subject, signature.totpStep, signingUntil))) {
        throw new ForgelineError('signature-failed', 'the signature one-time code was already used');
      }
    }
    const { row } = context;
    await trx.insertInto('order_signatures').values({
      id: randomUUID(), order_id: row.id, revision: row.revision, signer_id: actor.subject.userId, action: signature.action, meaning: signature.meaning, content_hash: row.content_hash, signed_at: now, order_version: row.version,
    }).execute();
  }

  /** The effects of a command beyond the state change itself. */
  private async applyCommand(trx: Transaction<Database>, actor: Actor, context: OrderContext, command: OrderCommand, request: OrderCommandInput<OrderCommand>, now: string, to: OrderState): Promise<ChangeEffects> {
    const { row } = context;
    const detail: Record<string, unknown> = {};
    if ('note' in request && request.note) detail.note = request.note;
    if ('reason' in request) detail.reason = request.reason;
    switch (command) {
      case 'hold':
        return { set: { held_from: row.state }, detail };
      case 'unhold':
        return { set: { held_from: null }, detail: { ...detail, resumedTo: to } };
      case 'progress': {
        if (!('operationSeq' in request)) return { detail };
        const content = await loadPublicContent(trx, row.id, row.revision);
        if (!content.operations.some((operation) => operation.seq === request.operationSeq)) {
          throw new ForgelineError('validation-failed', `operation ${request.operationSeq} is not in the routing`, { problems: [{ path: 'operationSeq', message: 'not in the routing' }] });
        }
        const unknownLine = request.lots.find((lot) => !content.materials.some((material) => material.line === lot.materialLine));
        if (unknownLine) {
          throw new ForgelineError('validation-failed', `material line ${unknownLine.materialLine} is not in the bill of materials`, { problems: [{ path: 'lots', message: 'unknown material line' }] });
        }
        const last = await trx.selectFrom('order_progress').select((eb) => eb.fn.max('seq').as('seq')).where('order_id', '=', row.id).executeTakeFirst();
        const seq = Number(last?.seq ?? 0) + 1;
        await trx
          .insertInto('order_progress')
          .values({ id: randomUUID(), order_id: row.id, seq, operation_seq: request.operationSeq, good: request.good, scrap: request.scrap, lots: JSON.stringify(request.lots), reported_by: actor.subject.userId, reported_at: now })
          .execute();
        // The order's good quantity is what leaves its last operation (earlier steps' good
        // parts are work in progress); scrap counts at every step.
        const lastOperation = Math.max(...content.operations.map((operation) => operation.seq));
        return {
          set: {
            good_quantity: request.operationSeq === lastOperation ? addDecimals(row.good_quantity, request.good) : row.good_quantity,
            scrap_quantity: addDecimals(row.scrap_quantity, request.scrap),
          },
          detail: { ...detail, seq, operationSeq: request.operationSeq, good: request.good, scrap: request.scrap, lots: request.lots },
        };
      }
      default:
        return { detail };
    }
  }

  /**
   * The transaction every change goes through: re-checks the version and the lifecycle
   * table inside the transaction, applies the effects, bumps the version with a guarded
   * update (so a concurrent writer cannot slip in), and appends the audit entry.
   */
  private async change(
    actor: Actor,
    context: OrderContext,
    action: 'edit' | OrderCommand,
    expectedVersion: number,
    effects: (trx: Transaction<Database>, now: string, to: OrderState) => Promise<ChangeEffects>,
  ): Promise<OrderStanding | undefined> {
    const id = context.row.id;
    const now = this.deps.clock.now().toISOString();
    // What the live views hear once the transaction committed (a retried transaction sets it again).
    let committed: OrderChange[] = [];
    await withWriteTransaction(this.deps.store, async (trx) => {
      committed = [];
      const row = await trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      if (row.version !== expectedVersion) {
        throw new ForgelineError('stale-version', `the order is at version ${row.version}, your change was made against ${expectedVersion}; reload and try again`, { extensions: { currentVersion: row.version } });
      }
      // The policy decided on the order as read before this transaction (state, authors, scope);
      // if anything changed since, that decision is void: the caller must try again on the order as it is.
      if (row.version !== context.row.version) {
        throw new ForgelineError('stale-version', `the order changed to version ${row.version} while your change was being checked; reload and try again`, { extensions: { currentVersion: row.version } });
      }
      const from = row.state as OrderState;
      const next = transition(from, action, row.held_from as OrderState | null);
      if (!next.ok) {
        throw new ForgelineError('illegal-transition', `cannot ${action} an order that is ${from} (allowed from: ${next.allowedFrom.join(', ')})`, { extensions: { state: from, allowedFrom: next.allowedFrom } });
      }
      const result = await effects(trx, now, next.to);
      if (result.detail.unchanged) return;
      const updated = await trx
        .updateTable('orders')
        .set({ ...result.set, state: next.to, version: row.version + 1, updated_at: now })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new ForgelineError('stale-version', 'the order changed while this change was being made; reload and try again');
      await this.audit.record(trx, {
        kind: `order.${action}`,
        outcome: 'ok',
        actor: auditActorOf(actor),
        orderId: id,
        revision: result.revision ?? row.revision,
        hashBefore: row.content_hash,
        hashAfter: result.hashAfter ?? row.content_hash,
        detail: { ...result.detail, from, to: next.to, version: row.version + 1 },
      });
      const workCenterId = result.set?.work_center_id ?? row.work_center_id;
      committed = [{ orderId: id, workCenterId, state: next.to, version: row.version + 1 }];
      // An edit that moved a draft to another work center: the old one's views hear it left.
      if (workCenterId !== row.work_center_id) committed.push({ orderId: id, workCenterId: row.work_center_id, state: next.to, version: row.version + 1 });
    });
    for (const change of committed) this.deps.changes?.announce(change);
    const [made] = committed;
    return made === undefined ? undefined : { id, state: made.state, version: made.version };
  }
}

/** Where an order stands after a change: its state and version (the version the next change names). */
export interface OrderStanding {
  readonly id: string;
  readonly state: OrderState;
  readonly version: number;
}

/** One order of {@link OrderService.dispatchMany}: dispatched, or refused with the error a dispatch of its own would have had. */
export type DispatchOutcome = ({ readonly ok: true } & OrderStanding) | { readonly ok: false; readonly id: string; readonly error: ForgelineError };

/** The most orders one dispatch call takes. */
export const DISPATCH_MANY_LIMIT = 100;

/** How many orders of one call are in progress at once. */
const DISPATCH_MANY_AT_ONCE = 32;

/** `{orders: [{id, version, note?}]}`: 1 to {@link DISPATCH_MANY_LIMIT} orders, each with the version it was read at. */
export const dispatchManySchema = z.strictObject({
  orders: z.array(actionInputSchemas.dispatch.extend({ id: z.string().min(1).max(64) })).min(1).max(DISPATCH_MANY_LIMIT),
});

/** Options of {@link OrderService.perform}. */
export interface PerformOptions {
  /**
   * Runs inside the change's transaction, after its effects and before its audit entry: what it
   * writes commits with the change or not at all, and a throw rolls the change back. What it
   * returns is added to the audit entry's detail (e.g. the device report that caused the change).
   */
  readonly alongside?: (trx: Transaction<Database>, now: string, to: OrderState) => Promise<Record<string, unknown> | undefined>;
}

/** A signature checked before the change and written with it. */
interface PendingSignature {
  readonly action: SignedCommand;
  readonly meaning: string;
  readonly method: SignatureMethod;
  /** The TOTP time step to spend, or null when no code was given. */
  readonly totpStep: number | null;
  /** How long the session may sign with its password alone after this signature. */
  readonly windowMs: number;
}

/** Whether `command` on an order in `state` is an electronic signature. */
function isSigned(command: OrderCommand, state: OrderState): boolean {
  if (!(SIGNED_COMMANDS as readonly string[]).includes(command)) return false;
  return command !== 'cancel' || RELEASED_STATES.includes(state);
}

/** What the audit entry records of a signature (never the credentials). */
function signatureDetail(signature: PendingSignature, context: OrderContext, signedAt: string): Record<string, unknown> {
  return { action: signature.action, meaning: signature.meaning, revision: context.row.revision, contentHash: context.row.content_hash, signedAt, method: signature.method };
}

/** What a change does beyond moving the state: columns to set and what the audit entry says. */
interface ChangeEffects {
  readonly set?: Partial<{ revision: number; content_hash: string; site_id: string; work_center_id: string; priority: string; due_end: string; unit: string; held_from: string | null; good_quantity: string; scrap_quantity: string; item_code: string; customer_tag: string | null }>;
  readonly hashAfter?: string;
  readonly revision?: number;
  readonly detail: Record<string, unknown>;
}
