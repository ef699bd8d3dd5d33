/**
 * Keeps a work-center board in step with the server at the cost of one request per changed
 * order: an event fetches only its order (and nothing when its new state leaves the board or the
 * board already holds that version), events arriving together are handled as one batch, and the
 * whole board is listed again only when asked (when the live stream opens or reopens, since
 * changes may have been missed meanwhile). One step runs at a time, so answers never cross.
 */
import { boardOrder, needsFetch, onBoard, withOrder, withoutOrder } from './board-model.js';
import type { OrderDetail, OrderEvent, OrderSummary } from './floor-types.js';

/** How long events are gathered before they are handled together, in ms. */
export const BOARD_DEBOUNCE_MS = 250;

/** The server as the board needs it (handed in so tests count the requests). */
export interface BoardSource {
  /** The orders of the work center in the board's states. */
  readonly list: () => Promise<readonly OrderSummary[]>;
  /** One order with its content. */
  readonly fetch: (id: string) => Promise<OrderDetail>;
}

/** What {@link BoardSync} takes: the source, where the board and errors go, and the timer. */
export interface BoardSyncOptions {
  readonly source: BoardSource;
  readonly onBoard: (board: readonly OrderDetail[]) => void;
  /** The error of the last step, or undefined once one succeeds. */
  readonly onError: (error: unknown) => void;
  readonly debounceMs?: number;
  readonly setTimer?: (run: () => void, ms: number) => () => void;
}

/** True for an answer meaning the order is gone for this reader (deleted, or no longer theirs to read). */
const isGone = (error: unknown): boolean => typeof error === 'object' && error !== null && 'status' in error && (error.status === 404 || error.status === 403);

const defaultTimer = (run: () => void, ms: number): (() => void) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/** One board's synchronisation; {@link close} it when the board goes away. */
export class BoardSync {
  readonly #options: BoardSyncOptions;
  readonly #events = new Map<string, OrderEvent>();
  #board: readonly OrderDetail[] | undefined;
  #reload = false;
  #cancelTimer: (() => void) | undefined;
  #running = false;
  #closed = false;

  constructor(options: BoardSyncOptions) {
    this.#options = options;
  }

  /** Lists the whole board again (soon, after any step running now). */
  reload(): void {
    this.#reload = true;
    this.#schedule(0);
  }

  /** Loads the board if it never loaded and no load is under way (when the stream cannot open). */
  ensureLoaded(): void {
    if (this.#board === undefined && !this.#reload && !this.#running) this.reload();
  }

  /** An order event heard on the stream: handled with the others of its burst. */
  heard(event: OrderEvent): void {
    const known = this.#events.get(event.id);
    if (known === undefined || known.version < event.version) this.#events.set(event.id, event);
    this.#schedule(this.#options.debounceMs ?? BOARD_DEBOUNCE_MS);
  }

  /** Fetches `order` again (a command found it changed meanwhile), as if an event told of a newer version. */
  refresh(order: OrderDetail): void {
    this.heard({ id: order.id, state: order.state, version: order.version + 1 });
  }

  /** The order as a command on this board answered it. */
  changed(order: OrderDetail): void {
    if (this.#board !== undefined) this.#commit(withOrder(this.#board, order));
  }

  /** Stops: no timer fires and no answer still on its way is shown. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#closed || this.#running || this.#cancelTimer !== undefined) return;
    this.#cancelTimer = (this.#options.setTimer ?? defaultTimer)(() => {
      this.#cancelTimer = undefined;
      void this.#run();
    }, ms);
  }

  #commit(board: readonly OrderDetail[]): void {
    this.#board = board;
    if (!this.#closed) this.#options.onBoard(board);
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#closed && (this.#reload || this.#events.size > 0)) {
        if (this.#reload) {
          this.#reload = false;
          await this.#reloadAll();
        } else {
          await this.#apply();
        }
        if (!this.#closed) this.#options.onError(undefined);
      }
    } catch (failure) {
      if (!this.#closed) this.#options.onError(failure);
    } finally {
      this.#running = false;
      if (this.#reload || this.#events.size > 0) this.#schedule(0);
    }
  }

  /** Lists the board's orders and fetches those whose version the board does not hold. */
  async #reloadAll(): Promise<void> {
    const listed = await this.#options.source.list();
    const held = new Map((this.#board ?? []).map((order) => [order.id, order]));
    const details = await Promise.all(
      listed.filter((summary) => onBoard(summary.state)).map((summary) => {
        const current = held.get(summary.id);
        return current !== undefined && current.version === summary.version ? current : this.#options.source.fetch(summary.id);
      }),
    );
    // A command answered meanwhile may hold a newer version than the list read.
    const now = new Map((this.#board ?? []).map((order) => [order.id, order]));
    const merged = details.map((order) => {
      const newer = now.get(order.id);
      return newer !== undefined && newer.version > order.version ? newer : order;
    });
    this.#commit(merged.sort(boardOrder));
  }

  /** Applies the events gathered: removals at once, then one fetch per order that changed on the board. */
  async #apply(): Promise<void> {
    const events = [...this.#events.values()];
    this.#events.clear();
    // Before the first load there is nothing to update; the load brings every order as it is.
    if (this.#board === undefined) return;
    let board = this.#board;
    for (const event of events) if (!onBoard(event.state)) board = withoutOrder(board, event.id, event.version);
    const wanted = events.filter((event) => needsFetch(board, event));
    if (board !== this.#board) this.#commit(board);
    const answers = await Promise.allSettled(wanted.map((event) => this.#options.source.fetch(event.id)));
    let failure: { error: unknown } | undefined;
    // Read again: a command's answer may have changed the board meanwhile.
    board = this.#board;
    for (const [index, answer] of answers.entries()) {
      const event = wanted[index];
      if (event === undefined) continue;
      if (answer.status === 'fulfilled') board = withOrder(board, answer.value);
      else if (isGone(answer.reason)) board = withoutOrder(board, event.id, event.version);
      else failure ??= { error: answer.reason };
    }
    this.#commit(board);
    if (failure !== undefined) throw failure.error;
  }
}
