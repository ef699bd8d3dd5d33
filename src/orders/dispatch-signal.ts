/**
 * Tells the shop-floor transports (the devices' HTTPS order stream, the MQTT publisher) that an
 * order was dispatched, right after the dispatch committed, so a waiting agent hears of it at once.
 * In-process only: another instance on the same PostgreSQL learns of it by polling the orders.
 */

/** An order that has just been dispatched: what a transport needs to find and address it. */
export interface DispatchedOrder {
  readonly orderId: string;
  readonly revision: number;
  readonly workCenterId: string;
  /**
   * What a device receives of it (its number and release JWS, as the dispatch just verified them),
   * so a stream can send it without reading the feed; absent for an unsigned order.
   */
  readonly delivery?: { readonly number: string; readonly jws: string } | undefined;
}

/** A listener; an error it throws is the listener's own problem and never reaches the dispatcher. */
export type DispatchListener = (order: DispatchedOrder) => void;

/** The in-process signal: subscribe, and the order service announces each committed dispatch. */
export class DispatchSignal {
  readonly #listeners = new Set<DispatchListener>();

  /** Listens from now on; the function returned stops listening. */
  subscribe(listener: DispatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener; a listener that throws does not stop the others or the dispatch. */
  announce(order: DispatchedOrder): void {
    for (const listener of this.#listeners) {
      try {
        listener(order);
      } catch {
        // The dispatch is committed; a failing transport catches up by polling.
      }
    }
  }
}
