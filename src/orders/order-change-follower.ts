/**
 * Hears of order changes committed through other server instances on the same database, which
 * the in-process {@link OrderChangeSignal} never tells of. Every committed change appends an
 * audit entry in the same transaction (DESIGN.md invariant 1) naming the order, the state it
 * moved to and the version it made, so following the log's new entries tells every change, in
 * order. It polls only while someone listens, and its timer never keeps the process alive.
 */
import { ORDER_STATES, type OrderState } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { OrderChangeListener } from './order-change-signal.js';

/** What {@link OrderChangeFollower} needs. */
export interface OrderChangeFollowerDeps {
  readonly store: Store;
  /** How often the log is read while someone listens (default 1 s). */
  readonly pollMs?: number;
}

const DEFAULT_POLL_MS = 1_000;
/** The most entries one look reads; a longer backlog is read over the next looks. */
const BATCH = 1_000;

/** The change an audit entry records, or undefined for an entry that records none (a read, a refusal, no order). */
function changeOf(entry: { kind: string; outcome: string; order_id: string | null; detail: string }): { orderId: string; state: OrderState; version: number; movedFrom?: string } | undefined {
  if (entry.outcome !== 'ok' || entry.order_id === null || !entry.kind.startsWith('order.')) return undefined;
  let detail: unknown;
  try {
    detail = JSON.parse(entry.detail);
  } catch {
    return undefined;
  }
  if (typeof detail !== 'object' || detail === null) return undefined;
  const { to, version, state, movedFrom } = detail as { to?: unknown; version?: unknown; state?: unknown; movedFrom?: unknown };
  // A created draft records its state; every later change its target state and new version (OrderService.change).
  if (entry.kind === 'order.create' && state === 'draft') return { orderId: entry.order_id, state: 'draft', version: 1 };
  if (typeof version !== 'number' || !(ORDER_STATES as readonly unknown[]).includes(to)) return undefined;
  // An edit that moved a draft names the work center it left, whose views must hear it went.
  return { orderId: entry.order_id, state: to as OrderState, version, ...(typeof movedFrom === 'string' ? { movedFrom } : {}) };
}

/** Follows the audit log for order changes. A listener also hears of changes its own instance's signal told of: compare versions. */
export class OrderChangeFollower {
  readonly #listeners = new Set<OrderChangeListener>();
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The last audit index looked at; null until the first look after someone subscribed. */
  #after: number | null = null;
  #looking = false;

  constructor(private readonly deps: OrderChangeFollowerDeps) {
    this.#pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  }

  /** Listens from now on (changes committed before are not told); the function returned stops listening. */
  subscribe(listener: OrderChangeListener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#after = null;
      this.#timer = setInterval(() => void this.#look(), this.#pollMs);
      this.#timer.unref();
      void this.#look();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** One look at the log: the first sets where to start; later ones announce the orders named by new entries. */
  async #look(): Promise<void> {
    if (this.#looking) return;
    this.#looking = true;
    try {
      const db = this.deps.store.db;
      if (this.#after === null) {
        const last = await db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('idx')).executeTakeFirst();
        this.#after = last?.idx === null || last?.idx === undefined ? -1 : Number(last.idx);
        return;
      }
      const entries = await db.selectFrom('audit_entries').select(['idx', 'kind', 'outcome', 'order_id', 'detail']).where('idx', '>', this.#after).orderBy('idx').limit(BATCH).execute();
      const newest = entries.at(-1);
      if (newest === undefined) return;
      this.#after = Number(newest.idx);
      const changes = entries.flatMap((entry) => changeOf(entry) ?? []);
      if (changes.length === 0 || this.#listeners.size === 0) return;
      const orders = await db.selectFrom('orders').select(['id', 'work_center_id']).where('id', 'in', [...new Set(changes.map((change) => change.orderId))]).execute();
      const workCenterOf = new Map(orders.map((order) => [order.id, order.work_center_id]));
      for (const found of changes) {
        const workCenterId = workCenterOf.get(found.orderId);
        if (workCenterId === undefined) continue;
        const { movedFrom, ...change } = found;
        const told = [{ ...change, workCenterId }, ...(movedFrom === undefined || movedFrom === workCenterId ? [] : [{ ...change, workCenterId: movedFrom }])];
        for (const each of told) {
          for (const listener of this.#listeners) {
            try {
              listener(each);
            } catch {
              // A listener's failure is its own; the others still hear.
            }
          }
        }
      }
    } catch {
      // The database is unreachable for now: the next look tries again from the same place.
    } finally {
      this.#looking = false;
    }
  }
}
