/** Which transactions were opened by `withWriteTransaction`, and on which engine. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { StoreKind } from './store-kind.js';

/** A transaction opened by `withWriteTransaction` (on SQLite, one job's view of a shared one). */
export type WriteTransaction = Transaction<Database>;

/**
 * What appendAuditEntry notes for the code around the transaction: on SQLite, per Store,
 * what it remembers of the log between transactions (audit-append.ts owns the content and
 * never trusts it without a check against the database); on PostgreSQL, per transaction,
 * whether an entry waits for the sequencer.
 */
export interface AuditAppendMemo {
  /**
   * The log's size after this Store's last append, and the right edge of its tree: at
   * position l the hex hash of the newest complete subtree of level l (position 0: the
   * last entry's leaf hash).
   */
  tail?: { readonly size: number; readonly frontierHex: readonly string[] };
  /** PostgreSQL, per transaction: an entry was queued, so the sequencer must run after the commit. */
  queued?: boolean;
}

interface WriteTransactionMark {
  readonly kind: StoreKind;
  readonly memo: AuditAppendMemo | undefined;
}

// Lets appendAuditEntry know the engine (its locking differs) and refuse a
// transaction that was not opened here. Weak, so finished transactions go.
const markOf = new WeakMap<WriteTransaction, WriteTransactionMark>();

/** Records that `trx` was opened by `withWriteTransaction` on `kind` (with its Store's append memo, on SQLite), and returns it. */
export function markWriteTransaction(trx: WriteTransaction, kind: StoreKind, memo?: AuditAppendMemo): WriteTransaction {
  markOf.set(trx, { kind, memo });
  return trx;
}

/** The engine of a transaction opened by `withWriteTransaction`, or undefined for anything else. */
export function writeTransactionEngine(db: Kysely<Database>): StoreKind | undefined {
  return writeTransactionMark(db)?.kind;
}

/** The engine and append memo of a transaction opened by `withWriteTransaction`, or undefined for anything else. */
export function writeTransactionMark(db: Kysely<Database>): WriteTransactionMark | undefined {
  return db.isTransaction ? markOf.get(db as WriteTransaction) : undefined;
}
