/**
 * Tells the people's live views (the work-center board's event stream) that an order changed,
 * right after the change committed. In-process only, like the {@link DispatchSignal}: a view
 * served by another instance on the same PostgreSQL hears of it through the audit log
 * (OrderChangeFollower).
 */
import type { OrderState } from '../domain/index.js';

/** A committed change of an order: which, in which work center, and where it now stands. */
export interface OrderChange {
  readonly orderId: string;
  readonly workCenterId: string;
  readonly state: OrderState;
  readonly version: number;
}

/** A listener; an error it throws is its own problem and never reaches the change. */
export type OrderChangeListener = (change: OrderChange) => void;

/** The in-process signal: subscribe, and the order service announces each committed change. */
export class OrderChangeSignal {
  readonly #listeners = new Set<OrderChangeListener>();

  /** Listens from now on; the function returned stops listening. */
  subscribe(listener: OrderChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener; one that throws does not stop the others or the change. */
  announce(change: OrderChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // The change is committed; a view that missed it catches up when it reloads.
      }
    }
  }
}
