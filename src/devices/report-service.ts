/**
 * Reports from devices about the orders dispatched to them (issue 6 point 2, the server's side):
 * checked (shape, sender, signature, dispatch, zone), applied through the order service as the
 * device, and stored once per idempotency key in the transaction of their effect, so a resend is
 * answered with the first receipt and never counted twice (DESIGN.md invariant 8).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { verifyReportAsync, type DeviceReport, type ReportKind } from '../agent/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import { canonicalJson, contentHash } from '../crypto/index.js';
import type { Actor } from '../access/index.js';
import { ForgelineError, isForgelineError, parseOrThrow, type ConduitFlow, type OrderCommand, type OrderState, type ZoneTransport } from '../domain/index.js';
import type { PerformOptions } from '../orders/index.js';
import { catchUpAuditLookup, isUniqueViolation, withWriteTransaction, type DeviceReportsTable, type Store, type WriteTransaction } from '../store/index.js';
import { deviceAuditActor, deviceOrderActor } from './device-actor.js';
import type { AuthenticatedDevice } from './device-certificates.js';
import { claimedIdempotencyKey, progressInput, signedReportSchema } from './device-report-schema.js';

/** The transports a device reports over. */
export type ReportTransport = ZoneTransport;

/** What the server answers a report with, and answers again to a resend of it. */
export interface ReportReceipt {
  readonly idempotencyKey: string;
  /** True when this report was received before: nothing was done this time. */
  readonly duplicate: boolean;
  /** Whether the report had its effect (the order moved, or the fact was recorded); false when the order had moved on. */
  readonly applied: boolean;
  readonly orderId: string;
  /** The order's state once the report was handled (the first time). */
  readonly orderState: string;
  readonly note?: string;
}

/** The zone check (the zone service): which conduit permits a flow, or throws `conduit-refused`. */
export interface ConduitCheck {
  conduitFor(workCenterId: string, transport: ZoneTransport | 'any', flow: ConduitFlow): Promise<unknown>;
}

/** The order service's entry for changes, which the report's effects go through (the order is not read back: the receipt says where it stands). */
export interface ReportedOrders {
  performBrief(actor: Actor, id: string, command: OrderCommand, input: unknown, options?: PerformOptions): Promise<unknown>;
}

/** What {@link DeviceReportService} needs from the world. */
export interface DeviceReportServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly orders: ReportedOrders;
  readonly zones: ConduitCheck;
}

/** The lifecycle command each report kind performs; the other kinds record a fact. */
const COMMAND_OF: Partial<Record<ReportKind, ReportCommand>> = {
  started: 'start', paused: 'pause', resumed: 'resume', progress: 'progress', completed: 'complete',
};

/** States an order is in only after it was dispatched (held and cancelled ones need a closer look). */
const AFTER_DISPATCH: readonly string[] = ['dispatched', 'running', 'paused', 'completed', 'closed'];

/** How often a report is tried again when the order changed under it (another report, an operator). */
const STALE_RETRIES = 8;

/** Public keys of device certificates by serial, parsed once. */
const MAX_CACHED_KEYS = 10_000;

/** Who sent a report, and how. */
interface Sender {
  readonly device: AuthenticatedDevice;
  readonly via: ReportTransport;
  readonly source: string | null;
  /** The idempotency key the input carried, if it looked like a report (for auditing a refusal). */
  readonly claimedKey: string | null;
}

/** A report kind's lifecycle command. */
type ReportCommand = 'start' | 'pause' | 'resume' | 'progress' | 'complete';

/** How a report that moved no order is stored and audited. */
interface StoredFact {
  readonly applied: 0 | 1;
  readonly order_state: string;
  readonly note: string | null;
  readonly revision: number;
  readonly audit: { readonly kind: 'device.report' | 'device.order-refused'; readonly outcome: 'ok' | 'denied'; readonly detail?: Record<string, unknown> };
}

/** A report as checked, ready to store. */
interface CheckedReport {
  readonly report: DeviceReport;
  readonly signature: string;
  readonly body: string;
  readonly bodyHash: string;
  readonly serial: string;
}

/** The order a report names, as far as the checks need it. */
interface ReportedOrder {
  readonly id: string;
  readonly work_center_id: string;
  readonly state: string;
  readonly held_from: string | null;
  readonly revision: number;
  readonly version: number;
}

/**
 * Receives device reports: {@link DeviceReportService.receive} is the one way a report reaches
 * the database, whatever the transport. Refusals are audited as `device.report` denied and change
 * nothing.
 */
export class DeviceReportService {
  readonly #audit: AuditTrail;
  readonly #keys = new Map<string, KeyObject>();

  constructor(private readonly deps: DeviceReportServiceDeps) {
    this.#audit = new AuditTrail(deps);
  }

  /**
   * Checks and applies one signed report from `device`, received over `via` from `source`. A
   * resend with the same idempotency key and body answers the first receipt (duplicate: true);
   * a report the order's state no longer allows is stored and answered with applied: false.
   */
  async receive(device: AuthenticatedDevice, signed: unknown, via: ReportTransport, source: string | null): Promise<ReportReceipt> {
    const from: Sender = { device, via, source, claimedKey: claimedIdempotencyKey(signed) ?? null };
    let parsed;
    try {
      parsed = parseOrThrow(signedReportSchema, signed, 'device report');
    } catch (error) {
      return isForgelineError(error) ? this.#refuse(from, error) : Promise.reject(error);
    }
    const report = parsed.report as DeviceReport;
    const about = { orderId: report.orderId, kind: report.kind };
    if (report.deviceId !== device.deviceId) {
      return this.#refuse(from, new ForgelineError('report-signature-invalid', `the report names device ${report.deviceId.slice(0, 64)}, but came from device ${device.deviceId}`), about);
    }
    const serial = await this.#verifyingSerial(device, { report, signature: parsed.signature });
    if (serial === undefined) {
      return this.#refuse(from, new ForgelineError('report-signature-invalid', 'the report\'s signature does not verify with any valid certificate of this device'), about);
    }
    const checked: CheckedReport = { report, signature: parsed.signature, body: canonicalJson(report), bodyHash: contentHash(report), serial };
    const earlier = await this.#receiptOf(from, checked);
    if (earlier !== undefined) return earlier;

    const order = await this.#order(report.orderId);
    if (order === undefined || order.work_center_id !== device.workCenterId || !(await this.#wasDispatched(order, device))) {
      // The same answer whether the order exists elsewhere or not at all: nothing about other work centers leaks.
      return this.#refuse(from, new ForgelineError('report-not-dispatched', `order ${report.orderId.slice(0, 64)} was not dispatched to this device's work center`), about, order?.id ?? null);
    }
    try {
      await this.deps.zones.conduitFor(device.workCenterId, via, 'reports');
    } catch (error) {
      if (isForgelineError(error) && error.code === 'conduit-refused') return this.#refuse(from, error, about, order.id);
      throw error;
    }
    const command = COMMAND_OF[report.kind];
    return command === undefined ? this.#recordFact(from, checked) : this.#perform(from, checked, command);
  }

  /** Audits a refusal as `device.report` denied (in a transaction of its own: nothing else was written) and throws it. */
  async #refuse(from: Sender, error: ForgelineError, detail: Record<string, unknown> = {}, orderId: string | null = null): Promise<never> {
    const { device } = from;
    await this.#audit.recordAlone({
      kind: 'device.report', outcome: 'denied', actor: deviceAuditActor(device.deviceId, from.source), orderId,
      detail: { deviceId: device.deviceId, workCenterId: device.workCenterId, serial: device.serial, via: from.via, idempotencyKey: from.claimedKey, ...detail, code: error.code, reason: error.message },
    });
    throw error;
  }

  /** The receipt of a report stored under the same key, or undefined; another body under a used key is refused. */
  async #receiptOf(from: Sender, checked: CheckedReport): Promise<ReportReceipt | undefined> {
    const row = await this.deps.store.db.selectFrom('device_reports').selectAll()
      .where('device_id', '=', from.device.deviceId).where('idempotency_key', '=', checked.report.idempotencyKey).executeTakeFirst();
    if (row === undefined) return undefined;
    if (row.body_hash !== checked.bodyHash) {
      const { report } = checked;
      return this.#refuse(from, new ForgelineError('idempotency-key-reused', `the idempotency key ${report.idempotencyKey} was used for another report`), { orderId: report.orderId, kind: report.kind });
    }
    return receiptOf(row, true);
  }

  /** Applies a report that moves the order, as the device, through the order service; stored in its transaction. */
  async #perform(from: Sender, checked: CheckedReport, command: ReportCommand): Promise<ReportReceipt> {
    const { report } = checked;
    const actor = deviceOrderActor(from.device, from.source);
    const extra = command === 'progress' ? progressInput(report.data) : {};
    for (let attempt = 1; ; attempt += 1) {
      const order = await this.#order(report.orderId);
      if (order === undefined) throw new ForgelineError('internal', 'the reported order vanished');
      let reached: OrderState | undefined;
      try {
        await this.deps.orders.performBrief(actor, order.id, command, { version: order.version, ...extra }, {
          alongside: async (trx, now, to) => {
            reached = to;
            await this.#insert(trx, from, checked, now, order.revision, { applied: 1, order_state: to, note: null });
            return { report: { deviceId: from.device.deviceId, idempotencyKey: report.idempotencyKey, via: from.via, serial: checked.serial } };
          },
        });
        return { idempotencyKey: report.idempotencyKey, duplicate: false, applied: true, orderId: order.id, orderState: reached ?? order.state };
      } catch (error) {
        // The order changed under the report, or a resend racing the first delivery lost on the key:
        // if the report is stored now, answer what was stored; else try again on the order as it is.
        if (isUniqueViolation(error) || (isForgelineError(error) && error.code === 'stale-version')) {
          const earlier = await this.#receiptOf(from, checked);
          if (earlier !== undefined) return earlier;
          if (attempt < STALE_RETRIES) continue;
          throw new ForgelineError('rate-limited', 'the order kept changing while this report was applied; send it again');
        }
        // Held or cancelled meanwhile: stored and answered, never an error the agent would resend forever.
        if (isForgelineError(error) && error.code === 'illegal-transition') {
          return this.#store(from, checked, async (trx) => {
            const current = await currentState(trx, report.orderId);
            const note = `the order is ${current.state}: the ${report.kind} report was recorded but not applied`;
            return { applied: 0, order_state: current.state, note, revision: current.revision, audit: { kind: 'device.report', outcome: 'ok' } };
          });
        }
        if (isForgelineError(error)) return this.#refuse(from, error, { orderId: report.orderId, kind: report.kind }, order.id);
        throw error;
      }
    }
  }

  /** Records accepted, refused and aborted reports: facts about the device, which move no order. */
  async #recordFact(from: Sender, checked: CheckedReport): Promise<ReportReceipt> {
    const { report } = checked;
    const data = report.data as { revision?: number; code?: string; reason?: string };
    return this.#store(from, checked, async (trx) => {
      const current = await currentState(trx, report.orderId);
      const note = report.kind === 'aborted' ? `the device aborted the job; the order stays ${current.state} until a person holds or cancels it` : null;
      return {
        applied: 1, order_state: current.state, note, revision: data.revision ?? current.revision,
        audit: report.kind === 'refused'
          ? { kind: 'device.order-refused', outcome: 'denied', detail: { code: data.code ?? null, reason: data.reason ?? null } }
          : { kind: 'device.report', outcome: 'ok' },
      };
    });
  }

  /** Stores a report that moved no order, with its audit entry, in one transaction; a resend that raced it gets the stored receipt. */
  async #store(from: Sender, checked: CheckedReport, decide: (trx: WriteTransaction) => Promise<StoredFact>): Promise<ReportReceipt> {
    const { report } = checked;
    const { device, source, via } = from;
    try {
      const row = await withWriteTransaction(this.deps.store, async (trx) => {
        const now = this.deps.clock.now().toISOString();
        const decided = await decide(trx);
        const stored = await this.#insert(trx, from, checked, now, decided.revision, { applied: decided.applied, order_state: decided.order_state, note: decided.note });
        await this.#audit.record(trx, {
          kind: decided.audit.kind, outcome: decided.audit.outcome, actor: deviceAuditActor(device.deviceId, source), orderId: report.orderId, revision: decided.revision,
          detail: {
            deviceId: device.deviceId, workCenterId: device.workCenterId, serial: checked.serial, via, idempotencyKey: report.idempotencyKey, kind: report.kind,
            applied: decided.applied === 1, orderState: decided.order_state, ...(decided.note === null ? {} : { note: decided.note }), ...decided.audit.detail,
          },
        });
        return stored;
      });
      return receiptOf(row, false);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const earlier = await this.#receiptOf(from, checked);
      if (earlier === undefined) throw error;
      return earlier;
    }
  }

  async #insert(trx: WriteTransaction, from: Sender, checked: CheckedReport, now: string, revision: number, outcome: Pick<DeviceReportsTable, 'applied' | 'order_state' | 'note'>): Promise<DeviceReportsTable> {
    const { report } = checked;
    const row: DeviceReportsTable = {
      device_id: from.device.deviceId, idempotency_key: report.idempotencyKey, order_id: report.orderId, revision, work_center_id: from.device.workCenterId,
      kind: report.kind, via: from.via, body: checked.body, body_hash: checked.bodyHash, signature: checked.signature, certificate_serial: checked.serial,
      reported_at: report.at, received_at: now, ...outcome,
    };
    await trx.insertInto('device_reports').values(row).execute();
    return row;
  }

  /**
   * The serial of the device's certificate whose key verifies the report: the one this connection
   * presented first, then any other unrevoked, unexpired one (a report signed just before a renewal).
   */
  async #verifyingSerial(device: AuthenticatedDevice, signed: { report: DeviceReport; signature: string }): Promise<string | undefined> {
    // The certificate this request came with was found current and unrevoked just now: its key, once known, needs no query.
    const presented = this.#keys.get(device.serial);
    if (presented !== undefined && await verifyReportAsync(signed, presented)) return device.serial;
    const rows = await this.deps.store.db.selectFrom('device_certificates').select(['serial', 'certificate_pem'])
      .where('device_id', '=', device.deviceId).where('revoked_at', 'is', null).where('not_after', '>', this.deps.clock.now().toISOString())
      .execute();
    rows.sort((a, b) => Number(b.serial === device.serial) - Number(a.serial === device.serial));
    for (const row of rows) {
      if (await verifyReportAsync(signed, this.#publicKey(row.serial, row.certificate_pem))) return row.serial;
    }
    return undefined;
  }

  #publicKey(serial: string, pem: string): KeyObject {
    let key = this.#keys.get(serial);
    if (key === undefined) {
      if (this.#keys.size >= MAX_CACHED_KEYS) this.#keys.clear();
      key = new X509Certificate(pem).publicKey;
      this.#keys.set(serial, key);
    }
    return key;
  }

  async #order(orderId: string): Promise<ReportedOrder | undefined> {
    return this.deps.store.db.selectFrom('orders').select(['id', 'work_center_id', 'state', 'held_from', 'revision', 'version'])
      .where('id', '=', orderId).executeTakeFirst();
  }

  /**
   * Whether the order went to the shop floor: its state says so, or (held) the state it was held
   * from does; a cancelled one only if a device reported on it or the audit log records its dispatch.
   */
  async #wasDispatched(order: ReportedOrder, device: AuthenticatedDevice): Promise<boolean> {
    if (AFTER_DISPATCH.includes(order.state)) return true;
    if (order.state === 'held') return order.held_from !== null && AFTER_DISPATCH.includes(order.held_from);
    if (order.state !== 'cancelled') return false;
    const db = this.deps.store.db;
    const reported = await db.selectFrom('device_reports').select('kind').where('order_id', '=', order.id).where('work_center_id', '=', device.workCenterId).executeTakeFirst();
    if (reported !== undefined) return true;
    // Rare (a report about an order cancelled after dispatch that no device reported on yet): ask the log's index.
    await catchUpAuditLookup(this.deps.store);
    const dispatch = await db.selectFrom('audit_lookup').select('idx').where('order_id', '=', order.id).where('kind', '=', 'order.dispatch').where('outcome', '=', 'ok').executeTakeFirst();
    return dispatch !== undefined;
  }
}

async function currentState(trx: WriteTransaction, orderId: string): Promise<{ state: string; revision: number }> {
  return trx.selectFrom('orders').select(['state', 'revision']).where('id', '=', orderId).executeTakeFirstOrThrow();
}

function receiptOf(row: Pick<DeviceReportsTable, 'idempotency_key' | 'applied' | 'order_id' | 'order_state' | 'note'>, duplicate: boolean): ReportReceipt {
  return {
    idempotencyKey: row.idempotency_key, duplicate, applied: Number(row.applied) === 1, orderId: row.order_id, orderState: row.order_state,
    ...(row.note === null ? {} : { note: row.note }),
  };
}
