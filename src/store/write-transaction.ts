/** The one way to open a transaction that writes, on either engine. */
import type { Kysely } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';
import { WriteBatcher, type WriteTransactionStats } from './write-batcher.js';
import { auditSequencingSettled, sequenceAuditQueue } from './audit-sequencer.js';
import { markWriteTransaction, type AuditAppendMemo, type WriteTransaction } from './write-transaction-engine.js';

export { writeTransactionEngine, type AuditAppendMemo, type WriteTransaction } from './write-transaction-engine.js';
export type { WriteTransactionStats } from './write-batcher.js';

// One queue per SQLite connection (Kysely instance), made on first write.
const batchers = new WeakMap<Kysely<Database>, WriteBatcher>();
const postgresCalls = new WeakMap<Kysely<Database>, number>();

function batcherOf(db: Kysely<Database>): WriteBatcher {
  let batcher = batchers.get(db);
  if (batcher === undefined) {
    batcher = new WriteBatcher(db);
    batchers.set(db, batcher);
  }
  return batcher;
}

/**
 * Runs `fn` in a database transaction: its writes are kept if `fn`
 * resolves, and none of them if it throws; the promise settles after the
 * COMMIT. SQLite: group commit (see `write-batcher.ts`): callers of one
 * Store that are ready in the same turn of the event loop share one BEGIN
 * IMMEDIATE … COMMIT, each `fn` in a savepoint of its own, run one after
 * another, never interleaved; `fn` must only do database work through
 * `trx`, since its batch-mates wait for it. PostgreSQL: one transaction per
 * call at READ COMMITTED whatever the server default, so each statement
 * after the audit lock sees what the previous lock holder committed. Inside
 * `fn` use `trx` only: on SQLite a nested call or a query on `store.db`
 * would wait for the outer transaction forever.
 */
export async function withWriteTransaction<T>(store: Store, fn: (trx: WriteTransaction) => Promise<T>): Promise<T> {
  if (store.kind === 'sqlite') return batcherOf(store.db).submit(fn);
  postgresCalls.set(store.db, (postgresCalls.get(store.db) ?? 0) + 1);
  const audit: AuditAppendMemo = {};
  const value = await store.db.transaction().setIsolationLevel('read committed')
    .execute((trx) => fn(markWriteTransaction(trx, 'postgres', audit)));
  // The change is committed and its entry durable in the queue; give it its index before the
  // caller hears back. A failure here leaves the entry queued for the next run (every reader of
  // the log runs one first, and reports the failure), so the committed change is not reported as failed.
  if (audit.queued === true) await sequenceAuditQueue(store).catch(() => undefined);
  return value;
}

/** How many database transactions the Store's withWriteTransaction calls have taken (SQLite shares them). */
export function writeTransactionStats(store: Store): WriteTransactionStats {
  if (store.kind === 'sqlite') return batcherOf(store.db).stats;
  const calls = postgresCalls.get(store.db) ?? 0;
  return { transactions: calls, calls };
}

/** Resolves once no write transaction of `db` is waiting or running; for closing it. */
export async function writeTransactionsSettled(db: Kysely<Database>): Promise<void> {
  await (batchers.get(db)?.settled() ?? Promise.resolve());
  await auditSequencingSettled(db);
}
