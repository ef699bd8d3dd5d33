/**
 * The server's own fill of the order search columns after it starts: orders written before
 * migration 0015 have no customer tag until their reference is decrypted under the keyring, which
 * only a running server holds. Batch after batch through {@link OrderSearchReindex.fill}, with a
 * pause between batches so requests keep being served, until every order has been looked at; then
 * one report. `forgeline order reindex` stays the manual way (it lists every unreadable order).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isKeyringFailure } from './keyring-failure.js';
import type { OrderSearchReindex } from './search-reindex.js';

/** Orders looked at per batch, by default: a batch's reads and its one write transaction stay short. */
export const DEFAULT_BACKFILL_BATCH = 200;
/** The pause between batches by default, in ms: the server's thread goes back to requests meanwhile. */
export const DEFAULT_BACKFILL_PAUSE_MS = 25;
/** Unreadable orders named in the report; the rest are counted (the manual reindex lists them all). */
const NAMED_FAILURES = 20;

/** How the fill goes: orders per batch and the pause between batches. */
export interface SearchBackfillOptions {
  readonly batchSize?: number | undefined;
  readonly pauseMs?: number | undefined;
}

/** What a finished or stopped fill did. */
export interface SearchBackfillOutcome {
  readonly indexed: number;
  /** The orders whose customer reference could not be decrypted: marked, they stay out of customer search. */
  readonly failed: readonly string[];
  /** True when the server closed before every order had been looked at; the next start goes on. */
  readonly stopped: boolean;
}

/** The one line a fill ends with, for the server's log. */
export interface SearchBackfillReport {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  /** Structured fields of the line (counts, the first unreadable ids, the error). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The line that reports `outcome`. */
export function describeBackfill(outcome: SearchBackfillOutcome): SearchBackfillReport {
  const { indexed, failed, stopped } = outcome;
  const fields = { indexed, failed: failed.length, failedOrders: failed.slice(0, NAMED_FAILURES) };
  const done = `order search index: ${indexed} older order(s) indexed in the background`;
  if (stopped) return { level: 'info', message: `${done} before the server closed; the next start goes on`, fields };
  if (failed.length === 0) return { level: 'info', message: done, fields };
  const named = failed.slice(0, NAMED_FAILURES).join(', ') + (failed.length > NAMED_FAILURES ? ` and ${failed.length - NAMED_FAILURES} more` : '');
  return {
    level: 'warn',
    message: `${done}; ${failed.length} could not be decrypted and stay out of customer search: ${named} (forgeline order reindex lists them all)`,
    fields,
  };
}

/** The background fill of one server; see the module comment. */
export class SearchIndexBackfill {
  readonly #stopping = new AbortController();
  readonly #batchSize: number;
  readonly #pauseMs: number;
  #run: Promise<SearchBackfillOutcome | undefined> | undefined;

  /** `report` gets the one line of the fill: nothing when there was nothing to fill. */
  constructor(
    private readonly index: OrderSearchReindex,
    private readonly report: (line: SearchBackfillReport) => void,
    options: SearchBackfillOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? DEFAULT_BACKFILL_BATCH;
    this.#pauseMs = options.pauseMs ?? DEFAULT_BACKFILL_PAUSE_MS;
  }

  /**
   * Starts the fill once; answers its outcome when it ends (undefined when there was nothing to
   * fill or it failed). It never rejects: a failure is reported, and the server goes on without it.
   */
  start(): Promise<SearchBackfillOutcome | undefined> {
    this.#run ??= this.#fill().catch((error: unknown) => {
      this.report(failureLine(error));
      return undefined;
    });
    return this.#run;
  }

  /** Stops the fill after the order in hand and waits for its writes, so the store can close after it. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#run;
  }

  async #fill(): Promise<SearchBackfillOutcome | undefined> {
    const signal = this.#stopping.signal;
    if (signal.aborted || !(await this.index.pending())) return undefined;
    let indexed = 0;
    const failed: string[] = [];
    const finish = (stopped: boolean): SearchBackfillOutcome => {
      const outcome = { indexed, failed, stopped };
      this.report(describeBackfill(outcome));
      return outcome;
    };
    let after: string | undefined;
    for (;;) {
      const result = await this.index.fill({ after, limit: this.#batchSize }, signal);
      indexed += result.indexed;
      failed.push(...result.failed);
      if (result.next === null) return finish(false);
      after = result.next;
      // Aborting ends the pause at once (the rejection it makes is the signal to stop, not a failure).
      await sleep(this.#pauseMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return finish(true);
    }
  }
}

function failureLine(error: unknown): SearchBackfillReport {
  // The search key not opening is an operator's matter (the keyring), told as such; anything else is unexpected.
  if (isKeyringFailure(error)) {
    return { level: 'warn', message: `order search index: older orders not indexed: ${error.message}; run forgeline order reindex once the keyring is available`, fields: { code: error.code } };
  }
  return { level: 'error', message: 'order search index: the background fill failed; run forgeline order reindex', fields: { err: error } };
}
