/**
 * Filling `audit_lookup`, the derived copy of the audit columns auditors filter on (migration
 * 0005), outside the order transactions, so an order change writes no secondary index of the log.
 */
import { sql, type Kysely } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';
import { sequenceAuditQueue } from './audit-sequencer.js';
import { withWriteTransaction } from './write-transaction.js';

/** Entries copied per transaction: a long-idle lookup catches up without one huge write holding the log's writers. */
const CATCH_UP_BATCH = 10_000;

/**
 * Copies into `audit_lookup` the entries appended since it was last filled, and returns how many
 * it copied. Once it resolves, every entry committed before the call is in the lookup, so a query
 * that calls it first is exact. Safe to run concurrently, from any number of stores: each batch is
 * one insert…select in its own write transaction, and an index another caller copied first is
 * skipped (`on conflict do nothing`). It copies column values only; what they mean is the entry's
 * bytes, which verification reads from `audit_entries`, never from here. Entries are copied in
 * index order after the lookup's highest index: on PostgreSQL entries are sequenced in index order
 * under the append lock, so what a catch-up sees is always a prefix of the log.
 */
export async function catchUpAuditLookup(store: Store): Promise<number> {
  // PostgreSQL: entries whose sequencing a crash cut off get their indices first.
  await sequenceAuditQueue(store);
  let copied = 0;
  // A read first, so an idle tick or a query on a caught-up lookup takes no write transaction.
  while (await lookupBehind(store.db)) {
    copied += await withWriteTransaction(store, async (trx) => Number((await COPY_BATCH.execute(trx)).numAffectedRows ?? 0));
  }
  return copied;
}

/** Whether `audit_entries` holds an index above the lookup's highest (both primary-key probes). */
async function lookupBehind(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await LOOKUP_GAP.execute(db);
  const { entries, lookup } = rows[0] ?? { entries: null, lookup: null };
  return entries !== null && (lookup === null || Number(entries) > Number(lookup));
}

const LOOKUP_GAP = sql<{ entries: number | string | null; lookup: number | string | null }>`select
  (select max(idx) from audit_entries) as entries, (select max(idx) from audit_lookup) as lookup`;

const COLUMNS = sql.raw('idx, at, actor_id, kind, outcome, order_id');

// The where clause also keeps SQLite's parser from reading `on conflict` as a join constraint
// (https://sqlite.org/lang_upsert.html, "parsing ambiguity").
const COPY_BATCH = sql`insert into audit_lookup (${COLUMNS})
  select ${COLUMNS} from audit_entries where idx > (select coalesce(max(idx), -1) from audit_lookup) order by idx limit ${CATCH_UP_BATCH}
  on conflict (idx) do nothing`;
