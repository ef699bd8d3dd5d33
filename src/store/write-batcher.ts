/**
 * Group commit for SQLite: the write transactions that a Store's callers
 * start at about the same time share one BEGIN IMMEDIATE … COMMIT, and so
 * one fsync, each in a savepoint of its own.
 */
import { sql, type Kysely } from 'kysely';
import { JobScopePlugin } from './job-scope-plugin.js';
import type { Database } from './schema.js';
import { markWriteTransaction, type AuditAppendMemo, type WriteTransaction } from './write-transaction-engine.js';

/** The most jobs one shared transaction takes; the rest wait for the next one. */
export const MAX_JOBS_PER_BATCH = 64;

/** How many transactions a Store's writers have needed, to see how well they shared. */
export interface WriteTransactionStats {
  /** Database transactions begun (one per batch). */
  readonly transactions: number;
  /** withWriteTransaction calls those transactions carried. */
  readonly calls: number;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

interface Job {
  readonly fn: (trx: WriteTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  outcome?: Outcome;
}

// Taken at load: a test's fake timers must not stop the store from committing.
const nextTurn = globalThis.setImmediate;

const SAVEPOINT = sql.raw('savepoint forgeline_job');
const ROLLBACK_TO_SAVEPOINT = sql.raw('rollback to forgeline_job');
const RELEASE_SAVEPOINT = sql.raw('release forgeline_job');

/**
 * The queue of one SQLite Store's write transactions. A job waits for the
 * next turn of the event loop, so that every caller that is ready in this
 * turn (the requests read from the sockets in one poll) joins it; then one
 * transaction runs the waiting jobs one after another, never interleaved,
 * each between SAVEPOINT and RELEASE. A job that throws is rolled back to its
 * savepoint and rejects alone; its batch-mates go on. Every promise settles
 * only after the COMMIT: invariant 8 (nothing acknowledged before it is
 * durable). If BEGIN, a savepoint statement or COMMIT fails, nothing of the
 * batch is kept and every job that had not failed by itself rejects with
 * that error. A lone job runs without a savepoint, exactly as a transaction
 * of its own.
 *
 * Jobs must do database work only, through the `trx` they get: a job that
 * waits on anything else (a password hash, the network, another write
 * transaction of the same Store) holds up its whole batch, or forever.
 */
export class WriteBatcher {
  readonly #db: Kysely<Database>;
  // What the audit append remembers between this Store's transactions (checked before use).
  readonly #auditMemo: AuditAppendMemo = {};
  #queue: Job[] = [];
  // A batch is scheduled or running; at most one at a time per Store.
  #busy = false;
  #idleWaiters: (() => void)[] = [];
  #transactions = 0;
  #calls = 0;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Runs `fn` in the next shared transaction; settles after that transaction's COMMIT (or its failure). */
  submit<T>(fn: (trx: WriteTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** What this Store's writers have needed so far. */
  get stats(): WriteTransactionStats {
    return { transactions: this.#transactions, calls: this.#calls };
  }

  /** Resolves once no job is waiting or running (to close the Store after its last writes). */
  settled(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#busy) return;
    this.#busy = true;
    nextTurn(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_JOBS_PER_BATCH);
    try {
      await this.#run(batch);
    } finally {
      this.#busy = false;
      if (this.#queue.length > 0) this.#schedule();
      else for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #run(batch: readonly Job[]): Promise<void> {
    this.#transactions += 1;
    this.#calls += batch.length;
    let failure: { readonly error: unknown } | undefined;
    try {
      await this.#db.transaction().execute(async (trx) => {
        const [only] = batch;
        if (batch.length === 1 && only !== undefined) {
          const outcome = await runJob(only, trx, this.#auditMemo);
          // Alone, a failing job rolls the whole transaction back, as it always did.
          if (!outcome.ok) throw outcome.error;
          return;
        }
        for (const job of batch) {
          await SAVEPOINT.execute(trx);
          const outcome = await runJob(job, trx, this.#auditMemo);
          // ROLLBACK TO keeps the savepoint open; RELEASE then ends it either way.
          if (!outcome.ok) await rollBackJob(trx, outcome.error);
          await RELEASE_SAVEPOINT.execute(trx);
        }
      });
    } catch (error) {
      failure = { error };
    }
    for (const job of batch) settle(job, failure);
  }
}

/** Runs one job's function on its own view of `trx`, recording how it ended (never throws). */
async function runJob(job: Job, trx: WriteTransaction, auditMemo: AuditAppendMemo): Promise<Outcome> {
  const scope = new JobScopePlugin();
  try {
    const value = await job.fn(markWriteTransaction(trx.withPlugin(scope), 'sqlite', auditMemo));
    job.outcome = { ok: true, value };
  } catch (error) {
    job.outcome = { ok: false, error };
  } finally {
    scope.close();
  }
  return job.outcome;
}

/**
 * Undoes a failed job's writes. Some errors (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM) end the whole transaction themselves
 * (https://sqlite.org/lang_transaction.html, "Response To Errors Within A
 * Transaction"); then the savepoint is gone, and its batch-mates are told
 * why rather than "no such savepoint". Not as the job's own error: that one
 * (a 409, say) describes that job only.
 */
async function rollBackJob(trx: WriteTransaction, jobError: unknown): Promise<void> {
  try {
    await ROLLBACK_TO_SAVEPOINT.execute(trx);
  } catch (error) {
    const reason = jobError instanceof Error ? jobError.message : String(jobError);
    throw new Error(`the shared write transaction was lost with a failed call in it (${reason})`, { cause: error });
  }
}

/** A job's own error wins; otherwise the batch's failure, if any, rejects it. */
function settle(job: Job, failure: { readonly error: unknown } | undefined): void {
  const outcome = job.outcome;
  if (outcome !== undefined && !outcome.ok) job.reject(outcome.error);
  else if (failure !== undefined) job.reject(failure.error);
  else if (outcome !== undefined) job.resolve(outcome.value);
  else job.reject(new Error('write batch ended without running this job'));
}
