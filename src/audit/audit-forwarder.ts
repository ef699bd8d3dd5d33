/**
 * Streams the audit log to a SIEM or a file (issue 3, point 8), resuming after a crash or a
 * restart with no gap and no duplicate the target could have avoided.
 *
 * Each batch goes: read the entries after the saved index (dense, in index order) → deliver
 * them and wait until the target confirms (file: write + fsync; syslog: the receiver answers
 * the TLS closure) → save the state `{ origin, nextIndex }` atomically (temp file, fsync,
 * rename). The state therefore never runs ahead of the target: no gap. The one window that
 * cannot be closed is a crash after the target has the batch and before the state is saved;
 * the batch is then sent again. Every record carries its index for that reason: the file
 * target reads its last line back on start and skips what it already holds (no duplicate);
 * a syslog receiver or a stdout reader gets the batch at least once and drops repeats by `idx`
 * (see `syslog-tls-target.ts` for what a syslog receiver's confirmation can and cannot prove).
 * Run one forwarder per state file: two on the same state would each send every batch.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ForwardError } from './forward-error.js';
import type { ForwardRecord } from './forward-record.js';
import type { AuditEntrySource } from './forward-source.js';
import type { ForwardStateStore } from './forward-state.js';
import type { ForwardTarget } from './forward-targets.js';

/** What the forwarder reports as it goes, for the CLI to print. */
export type ForwardEvent =
  | { readonly type: 'resumed'; readonly nextIndex: number; readonly alreadyHeld: number }
  | { readonly type: 'delivered'; readonly first: number; readonly last: number }
  | { readonly type: 'retrying'; readonly error: ForwardError; readonly delayMs: number };

/** The forwarder's collaborators and knobs; only `source`, `target` and `state` are required. */
export interface AuditForwarderOptions {
  readonly source: AuditEntrySource;
  readonly target: ForwardTarget;
  readonly state: ForwardStateStore;
  /** The log's checkpoint origin: a state file saved for another log is refused. */
  readonly origin?: string | undefined;
  /** Entries per batch, each batch confirmed before the state moves (default 500). */
  readonly batchSize?: number;
  /** How long `run` waits between polls when it is up to date (default 5 s). */
  readonly intervalMs?: number;
  /** Backoff of `run` after a failure: doubles from `initialMs` up to `maxMs` (default 1 s to 60 s). */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** Waits `ms`, resolving early when `signal` aborts (tests make it instant). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onEvent?: (event: ForwardEvent) => void;
}

/** What a forwarding run did. */
export interface ForwardSummary {
  /** Records delivered by this run (not counting those the target already held). */
  readonly forwarded: number;
  /** The first index not yet forwarded: the saved state. */
  readonly nextIndex: number;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal }).catch(() => undefined);

/** Forwards the audit log to one target, batch by batch, keeping its place in a state store. */
export class AuditForwarder {
  private readonly batchSize: number;
  private next: number | undefined;
  private forwarded = 0;
  /** The last index saved (or read back) as the state, for the summary. */
  private savedNext = 0;
  /** The origin saved with the state: the log's, else the one a state file already named. */
  private stateOrigin: string | undefined;

  constructor(private readonly options: AuditForwarderOptions) {
    this.batchSize = options.batchSize ?? 500;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) throw new RangeError('batchSize must be a whole number of at least 1');
  }

  /** Forwards every entry there is (and any appended meanwhile), then closes the target; any failure is thrown. */
  async forwardOnce(): Promise<ForwardSummary> {
    try {
      await this.forwardAvailable();
      return this.summary();
    } finally {
      await this.reset();
    }
  }

  /**
   * Forwards, then polls every interval until `signal` aborts, finishing the batch in hand.
   * Failures that may pass (a lost connection, a full disk, a database restart) are retried
   * with backoff from the saved index; others are thrown.
   */
  async run(signal: AbortSignal): Promise<ForwardSummary> {
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 1000, maxMs: 60_000 };
    const sleep = this.options.sleep ?? defaultSleep;
    let delayMs = initialMs;
    try {
      while (!signal.aborted) {
        const before = this.forwarded;
        try {
          await this.forwardAvailable(signal);
          delayMs = initialMs;
          await sleep(this.options.intervalMs ?? 5000, signal);
        } catch (error) {
          if (!(error instanceof ForwardError) || !error.retryable) throw error;
          // A failure after some progress is a new failure, not the same one lasting.
          if (this.forwarded > before) delayMs = initialMs;
          // Start over from the saved state: the file target re-reads what it holds.
          await this.reset();
          this.options.onEvent?.({ type: 'retrying', error, delayMs });
          await sleep(delayMs, signal);
          delayMs = Math.min(delayMs * 2, maxMs);
        }
      }
      return this.summary();
    } finally {
      await this.reset();
    }
  }

  private summary(): ForwardSummary {
    return { forwarded: this.forwarded, nextIndex: this.savedNext };
  }

  private async reset(): Promise<void> {
    this.next = undefined;
    await this.options.target.close();
  }

  /** Reads the state, opens the target and settles where to go on from. */
  private async start(): Promise<number> {
    const { state, target, source, origin } = this.options;
    const saved = await state.read();
    if (saved?.origin !== undefined && origin !== undefined && saved.origin !== origin) {
      throw new ForwardError('state-mismatch', `the state file belongs to the log ${saved.origin}, not to ${origin}; give each log its own state file`);
    }
    const savedNext = saved?.nextIndex ?? 0;
    this.savedNext = savedNext;
    const held = await target.open();
    // A target that already holds entries past the state got them just before a crash.
    const next = Math.max(savedNext, held === null ? 0 : held + 1);
    const size = await source.size();
    if (next > size) {
      const claim = next === savedNext ? `the state file says ${savedNext} entries were forwarded` : `${target.label} already holds entry ${next - 1}`;
      throw new ForwardError('state-mismatch', `${claim}, but the log holds only ${size}: the log was rolled back or truncated, or the state belongs to another log`);
    }
    this.stateOrigin = origin ?? saved?.origin;
    if (next !== savedNext || saved?.origin !== this.stateOrigin) await this.save(next);
    this.options.onEvent?.({ type: 'resumed', nextIndex: next, alreadyHeld: next - savedNext });
    return next;
  }

  private async save(nextIndex: number): Promise<void> {
    await this.options.state.write({ ...(this.stateOrigin !== undefined ? { origin: this.stateOrigin } : {}), nextIndex });
    this.savedNext = nextIndex;
  }

  /** Delivers batches until the log has no more entries, or `signal` aborts between two batches. */
  private async forwardAvailable(signal?: AbortSignal): Promise<void> {
    const { target, source } = this.options;
    let next = this.next ?? await this.start();
    this.next = next;
    while (signal?.aborted !== true) {
      const first = next;
      const batch = denseFrom(first, await source.read(first, this.batchSize));
      if (batch.length === 0) return;
      await target.deliver(batch);
      next = first + batch.length;
      await this.save(next);
      this.next = next;
      this.forwarded += batch.length;
      this.options.onEvent?.({ type: 'delivered', first, last: next - 1 });
    }
  }
}

/**
 * The records that continue the log from `from` without a hole. Indices become visible in
 * order on both engines (appends are serialized and commit in index order), so a hole is a
 * deleted row: the records before it still go, then forwarding stops and names it.
 */
function denseFrom(from: number, records: readonly ForwardRecord[]): readonly ForwardRecord[] {
  const hole = records.findIndex((record, offset) => record.index !== from + offset);
  if (hole === 0) {
    throw new ForwardError('log-gap', `audit entry ${from} is missing from the log (the next one is ${records[0]?.index}): the log was altered; run forgeline audit verify`);
  }
  return hole < 0 ? records : records.slice(0, hole);
}
