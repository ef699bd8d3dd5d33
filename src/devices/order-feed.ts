/**
 * The orders waiting for a work center's devices (issue 6 point 3): dispatched, signed, and not
 * yet accepted or refused by any device of the work center for their current revision. Devices
 * are admitted through their zone's conduit; watchers hear of new dispatches from this instance at
 * once and from other instances (same PostgreSQL) within a poll.
 */
import type { Clock } from '../audit/index.js';
import { AuditTrail } from '../audit/index.js';
import { isForgelineError, type ZoneTransport } from '../domain/index.js';
import type { DispatchedOrder, DispatchSignal } from '../orders/index.js';
import type { Store } from '../store/index.js';
import { deviceAuditActor } from './device-actor.js';
import type { AuthenticatedDevice } from './device-certificates.js';
import type { ConduitCheck } from './report-service.js';

/** An order as a device receives it: the release JWS it verifies itself, with what names it. */
export interface FeedOrder {
  readonly orderId: string;
  readonly revision: number;
  readonly number: string;
  readonly jws: string;
}

/** Told of an order dispatched to the watched work center (maybe one already known: read the feed again). */
export type FeedListener = (order: DispatchedOrder) => void;

/** What {@link OrderFeed} needs from the world. */
export interface OrderFeedDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly zones: ConduitCheck;
  readonly dispatches: DispatchSignal;
  /** How often a watched work center's dispatched orders are read, for other instances' dispatches (default 1 s). */
  readonly pollMs?: number;
}

/** How often an admitted (or refused) connection of one device is audited: enough to see it, not a row per poll. */
const CONNECT_AUDIT_INTERVAL_MS = 60_000;
const DEFAULT_POLL_MS = 1_000;
const MAX_AUDIT_MEMORY = 10_000;

/** The watchers of one work center and its poll. */
interface Watch {
  readonly listeners: Set<FeedListener>;
  /** `orderId:revision` of the orders dispatched at the last look; empty at first, so the first look tells of all. */
  known: Set<string>;
  timer: NodeJS.Timeout;
  polling: boolean;
}

/** The order feed of the devices: admission, the pending orders, and watching for new ones. */
export class OrderFeed {
  readonly #audit: AuditTrail;
  readonly #connectsAudited = new Map<string, number>();
  readonly #watches = new Map<string, Watch>();
  readonly #pollMs: number;
  readonly #unsubscribe: () => void;

  constructor(private readonly deps: OrderFeedDeps) {
    this.#audit = new AuditTrail(deps);
    this.#pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
    this.#unsubscribe = deps.dispatches.subscribe((order) => {
      const watch = this.#watches.get(order.workCenterId);
      const key = `${order.orderId}:${order.revision}`;
      // A poll that ran between the commit and this word already told of it: once is enough.
      if (watch === undefined || watch.known.has(key)) return;
      // Heard at once: the next poll need not tell of it again (each telling costs every stream a read of the feed).
      watch.known.add(key);
      this.#tell(order.workCenterId, order);
    });
  }

  /**
   * Admits a device to receive orders over `transport`: its work center's zone must have a conduit
   * carrying orders over it, else `conduit-refused` (audited `device.connect` denied). An admitted
   * connection is audited `device.connect` ok at most once a minute per device.
   */
  async admit(device: AuthenticatedDevice, transport: ZoneTransport, source: string | null): Promise<void> {
    try {
      await this.deps.zones.conduitFor(device.workCenterId, transport, 'orders');
    } catch (error) {
      if (!isForgelineError(error) || error.code !== 'conduit-refused') throw error;
      await this.#auditConnect(device, transport, source, 'denied', { code: error.code, reason: error.message });
      throw error;
    }
    await this.#auditConnect(device, transport, source, 'ok', {});
  }

  /**
   * The orders waiting for the device's work center, oldest dispatch first: dispatched, with a
   * release JWS, and neither accepted nor refused for their current revision by any of its devices.
   */
  async pendingFor(device: AuthenticatedDevice): Promise<FeedOrder[]> {
    const rows = await this.deps.store.db.selectFrom('orders')
      .innerJoin('order_jws', (join) => join.onRef('order_jws.order_id', '=', 'orders.id').onRef('order_jws.revision', '=', 'orders.revision'))
      .select(['orders.id', 'orders.revision', 'orders.number', 'order_jws.jws'])
      .where('orders.work_center_id', '=', device.workCenterId)
      .where('orders.state', '=', 'dispatched')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('device_reports').select('device_reports.kind')
        .whereRef('device_reports.order_id', '=', 'orders.id')
        .whereRef('device_reports.revision', '=', 'orders.revision')
        .whereRef('device_reports.work_center_id', '=', 'orders.work_center_id')
        .where('device_reports.kind', 'in', ['accepted', 'refused']))))
      // While dispatched an order changes only by being dispatched (or unheld back to it): updated_at is when.
      .orderBy('orders.updated_at').orderBy('orders.id')
      .execute();
    return rows.map((row) => ({ orderId: row.id, revision: Number(row.revision), number: row.number, jws: row.jws }));
  }

  /**
   * Calls `listener` when an order is dispatched to `workCenterId`: at once for this instance's
   * dispatches, within a poll for other instances'. The first poll of a new watch tells of every
   * dispatched order, so a caller that watches first and then reads {@link pendingFor} misses
   * none. The function returned stops it.
   */
  watch(workCenterId: string, listener: FeedListener): () => void {
    let watch = this.#watches.get(workCenterId);
    if (watch === undefined) {
      const timer = setInterval(() => void this.#poll(workCenterId), this.#pollMs);
      // A watch never keeps the process alive on its own.
      timer.unref();
      watch = { listeners: new Set(), known: new Set(), timer, polling: false };
      this.#watches.set(workCenterId, watch);
      void this.#poll(workCenterId);
    }
    watch.listeners.add(listener);
    return () => {
      const current = this.#watches.get(workCenterId);
      if (current === undefined) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        clearInterval(current.timer);
        this.#watches.delete(workCenterId);
      }
    };
  }

  /** Stops every watch and the dispatch subscription (the server is closing). */
  close(): void {
    this.#unsubscribe();
    for (const watch of this.#watches.values()) clearInterval(watch.timer);
    this.#watches.clear();
  }

  #tell(workCenterId: string, order: DispatchedOrder): void {
    for (const listener of [...(this.#watches.get(workCenterId)?.listeners ?? [])]) {
      try {
        listener(order);
      } catch {
        // One stream's failure is its own; the others still hear.
      }
    }
  }

  /** Reads the work center's dispatched orders and tells of those not there at the last look. */
  async #poll(workCenterId: string): Promise<void> {
    const watch = this.#watches.get(workCenterId);
    if (watch === undefined || watch.polling) return;
    watch.polling = true;
    try {
      const rows = await this.deps.store.db.selectFrom('orders').select(['id', 'revision'])
        .where('work_center_id', '=', workCenterId).where('state', '=', 'dispatched').execute();
      const now = new Set(rows.map((row) => `${row.id}:${Number(row.revision)}`));
      const before = watch.known;
      watch.known = now;
      for (const row of rows) {
        if (!before.has(`${row.id}:${Number(row.revision)}`)) this.#tell(workCenterId, { orderId: row.id, revision: Number(row.revision), workCenterId });
      }
    } catch {
      // The database is away for a moment: the next poll tries again.
    } finally {
      watch.polling = false;
    }
  }

  async #auditConnect(device: AuthenticatedDevice, transport: ZoneTransport, source: string | null, outcome: 'ok' | 'denied', detail: Record<string, unknown>): Promise<void> {
    const key = `${device.deviceId}:${transport}:${outcome}`;
    const now = this.deps.clock.now().getTime();
    const last = this.#connectsAudited.get(key);
    if (last !== undefined && now - last < CONNECT_AUDIT_INTERVAL_MS) return;
    if (this.#connectsAudited.size >= MAX_AUDIT_MEMORY) this.#connectsAudited.clear();
    this.#connectsAudited.set(key, now);
    await this.#audit.recordAlone({
      kind: 'device.connect', outcome, actor: deviceAuditActor(device.deviceId, source),
      detail: { deviceId: device.deviceId, workCenterId: device.workCenterId, serial: device.serial, transport, ...detail },
    });
  }
}
