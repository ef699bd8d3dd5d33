/**
 * Migration 0007: on PostgreSQL concurrent order changes no longer queue, one commit each, on the
 * log's lock. A change whose transaction finds the lock free appends in place as before
 * (`forgeline_audit_append`, migration 0006, which holds the lock to its commit); one that finds
 * it taken writes its entry to `audit_queue` instead, without waiting, and right after its commit
 * `forgeline_audit_sequence` moves every committed queue row into `audit_entries` in one
 * transaction under the lock, each with the next dense index, hashed exactly as before. So a lone
 * writer pays one round trip and one commit, and many writers share a sequencing transaction and
 * its WAL flush. Certificate Transparency logs work the same way: submissions are durable at once
 * and integrated into the tree by a sequencer. SQLite, whose writers are one at a time anyway,
 * keeps appending in the change's transaction: there the table is created and stays empty.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { AUDIT_APPEND_FUNCTION, AUDIT_APPEND_LOCK_KEY, AUDIT_APPEND_OR_QUEUE_FUNCTION, AUDIT_SEQUENCE_FUNCTION } from './audit-append.js';
import type { StoreKind } from './store-kind.js';

/**
 * VOLATILE, so at READ COMMITTED the queue is read after the lock is granted and sees what the
 * previous holder committed; the rows are read in queue order (seq), which is the order entries
 * were queued, not necessarily committed: an entry's index is the order it was sequenced in.
 */
const CREATE_SEQUENCE_FUNCTION = `create function ${AUDIT_SEQUENCE_FUNCTION}(p_limit integer) returns integer
language plpgsql volatile as $sequence$
declare
  v_row record;
  v_count integer := 0;
begin
  perform pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY}::bigint);
  for v_row in select * from audit_queue order by seq limit p_limit loop
    perform ${AUDIT_APPEND_FUNCTION}(v_row.entry_before, v_row.entry_after, v_row.at, v_row.actor_id, v_row.actor, v_row.source,
      v_row.kind, v_row.outcome, v_row.order_id, v_row.revision, v_row.hash_before, v_row.hash_after, v_row.detail);
    delete from audit_queue where seq = v_row.seq;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$sequence$`;

/** The parameters of migration 0006's append function, then the same again for the queue. */
const APPEND_PARAMETERS = `p_before text, p_after text, p_at text, p_actor_id text, p_actor text, p_source text, p_kind text, p_outcome text,
  p_order_id text, p_revision integer, p_hash_before text, p_hash_after text, p_detail text`;

/**
 * Appends in place when the lock is free (returning the index), else queues (returning null).
 * `p_queue_only`: the transaction already queued an entry, so its later ones queue too and
 * keep their order.
 */
const CREATE_APPEND_OR_QUEUE_FUNCTION = `create function ${AUDIT_APPEND_OR_QUEUE_FUNCTION}(p_queue_only boolean, ${APPEND_PARAMETERS}) returns bigint
language plpgsql volatile as $append_or_queue$
begin
  if not p_queue_only and pg_try_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY}::bigint) then
    return ${AUDIT_APPEND_FUNCTION}(p_before, p_after, p_at, p_actor_id, p_actor, p_source, p_kind, p_outcome, p_order_id, p_revision,
      p_hash_before, p_hash_after, p_detail);
  end if;
  insert into audit_queue (entry_before, entry_after, at, actor_id, actor, source, kind, outcome, order_id, revision, hash_before, hash_after, detail)
  values (p_before, p_after, p_at, p_actor_id, p_actor, p_source, p_kind, p_outcome, p_order_id, p_revision, p_hash_before, p_hash_after, p_detail);
  return null;
end
$append_or_queue$`;

/** Builds migration 0007 for one engine. */
export function auditQueueMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_queue')
        .addColumn('seq', kind === 'postgres' ? 'bigint' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey()))
        // The canonical entry before and after its index, as auditAppendArguments makes them.
        .addColumn('entry_before', 'text', (c) => c.notNull())
        .addColumn('entry_after', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'denied')`))
        .addColumn('order_id', 'text')
        .addColumn('revision', 'integer')
        .addColumn('hash_before', 'text')
        .addColumn('hash_after', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      if (kind === 'postgres') {
        await sql.raw(CREATE_SEQUENCE_FUNCTION).execute(db);
        await sql.raw(CREATE_APPEND_OR_QUEUE_FUNCTION).execute(db);
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      if (kind === 'postgres') {
        await sql.raw(`drop function ${AUDIT_APPEND_OR_QUEUE_FUNCTION}(boolean, ${APPEND_PARAMETERS.replace(/p_\w+ /g, '')})`).execute(db);
        await sql.raw(`drop function ${AUDIT_SEQUENCE_FUNCTION}(integer)`).execute(db);
      }
      await db.schema.dropTable('audit_queue').execute();
    },
  };
}
