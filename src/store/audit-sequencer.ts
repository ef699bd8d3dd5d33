/**
 * PostgreSQL: giving queued audit entries their indices (migration 0007). A change whose
 * transaction found the log's lock taken wrote its entry to `audit_queue` instead of waiting;
 * right after its commit, `withWriteTransaction` runs {@link sequenceAuditQueue}, which moves
 * every committed queue row into the Merkle log in one short transaction under the lock.
 * Concurrent changes thus share one sequencing transaction (and its WAL flush) instead of
 * queueing, one commit each, on the lock. SQLite appends in the change's transaction and has
 * nothing to sequence.
 */
import { sql, type Kysely } from 'kysely';
import type { Store } from './database.js';
import { AUDIT_APPEND_SQL, translateNodeMissing } from './audit-append.js';
import type { Database } from './schema.js';

const SEQUENCE_STATEMENT = sql.raw(AUDIT_APPEND_SQL.postgresSequence);

/**
 * The sequencing runs of one Store. At most one runs at a time; whoever asks while one runs
 * shares the next run, which starts when the current one ends (the current one may have read
 * the queue before the asker's commit). Those runs are what keeps the lock convoy short.
 */
class AuditSequencer {
  readonly #db: Kysely<Database>;
  #current: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Resolves once every entry committed before the call has its index. */
  sequence(): Promise<void> {
    if (this.#next !== undefined) return this.#next;
    const current = this.#current;
    if (current === undefined) return this.#start();
    const next = current.then(() => undefined, () => undefined).then(() => {
      this.#next = undefined;
      return this.#start();
    });
    this.#next = next;
    return next;
  }

  /** Resolves once no run is going on. */
  async settled(): Promise<void> {
    while (this.#current !== undefined || this.#next !== undefined) await (this.#next ?? this.#current)?.catch(() => undefined);
  }

  #start(): Promise<void> {
    const run = SEQUENCE_STATEMENT.execute(this.#db).then(() => undefined, translateNodeMissing).finally(() => {
      if (this.#current === run) this.#current = undefined;
    });
    this.#current = run;
    return run;
  }
}

const sequencers = new WeakMap<Kysely<Database>, AuditSequencer>();

/**
 * Gives every audit entry queued and committed before the call its index (PostgreSQL; SQLite:
 * nothing to do). `withWriteTransaction` runs it after each commit that queued one; readers of
 * the log run it first, so an entry whose run a crash cut off is in the tree before anyone
 * reads, proves or signs it. Throws when the stored tree cannot take the entries (it was
 * changed behind the server); they stay queued.
 */
export function sequenceAuditQueue(store: Pick<Store, 'kind' | 'db'>): Promise<void> {
  if (store.kind !== 'postgres') return Promise.resolve();
  return sequencerOf(store.db).sequence();
}

function sequencerOf(db: Kysely<Database>): AuditSequencer {
  let sequencer = sequencers.get(db);
  if (sequencer === undefined) {
    sequencer = new AuditSequencer(db);
    sequencers.set(db, sequencer);
  }
  return sequencer;
}

/** Resolves once no sequencing run of `db` is going on; for closing it. */
export function auditSequencingSettled(db: Kysely<Database>): Promise<void> {
  return sequencers.get(db)?.settled() ?? Promise.resolve();
}
