/**
 * Migration 0006: on PostgreSQL, the audit append becomes one function call, so an order change
 * pays one round trip for its entry instead of three (lock, tail read, insert) while the log is
 * locked. The function does what appendAuditEntry does on SQLite, byte for byte: the leaf is
 * RFC 9162 §2.1.1 SHA-256(0x00 || entry), each subtree the leaf completes SHA-256(0x01 || left
 * || right), stored as lowercase hex in the row's `nodes` (audit-row-nodes.ts). SQLite: no-op.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { AUDIT_APPEND_FUNCTION, AUDIT_APPEND_LOCK_KEY, AUDIT_NODE_MISSING_SQLSTATE } from './audit-append.js';
import { NODE_HEX_LENGTH } from './audit-row-nodes.js';
import type { StoreKind } from './store-kind.js';

/** The function's parameter types, in the order of auditAppendArguments. */
const PARAMETERS = `p_before text, p_after text, p_at text, p_actor_id text, p_actor text, p_source text, p_kind text, p_outcome text,
  p_order_id text, p_revision integer, p_hash_before text, p_hash_after text, p_detail text`;

/**
 * VOLATILE (the default) matters: at READ COMMITTED each statement of a volatile function takes a
 * new snapshot, so the size read after the lock sees what the previous holder committed. Table
 * names resolve through the caller's search_path, the store's schema, where the function lives.
 */
const CREATE_FUNCTION = `create function ${AUDIT_APPEND_FUNCTION}(${PARAMETERS}) returns bigint
language plpgsql volatile as $append$
declare
  v_idx bigint;
  v_entry text;
  v_hash bytea;
  v_nodes text;
  v_level integer := 0;
  v_sibling text;
begin
  perform pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY}::bigint);
  select coalesce(max(idx) + 1, 0) into v_idx from audit_entries;
  v_entry := p_before || v_idx::text || p_after;
  v_hash := sha256('\\x00'::bytea || convert_to(v_entry, 'UTF8'));
  v_nodes := encode(v_hash, 'hex');
  -- While the new subtree is a right child its parent is complete; the left sibling at level L
  -- is stored in the row of its last leaf, ((idx >> L) << L) - 1, at hex position L of nodes.
  while ((v_idx >> v_level) & 1) = 1 loop
    select substr(nodes, ${NODE_HEX_LENGTH} * v_level + 1, ${NODE_HEX_LENGTH}) into v_sibling
      from audit_entries where idx = ((v_idx >> v_level) << v_level) - 1;
    if v_sibling is null or length(v_sibling) <> ${NODE_HEX_LENGTH} then
      raise exception using errcode = '${AUDIT_NODE_MISSING_SQLSTATE}',
        message = format('audit tree node %s/%s is missing: the tree no longer matches the log', v_level, (v_idx >> v_level) - 1);
    end if;
    v_hash := sha256('\\x01'::bytea || decode(v_sibling, 'hex') || v_hash);
    v_nodes := v_nodes || encode(v_hash, 'hex');
    v_level := v_level + 1;
  end loop;
  insert into audit_entries (idx, at, actor_id, actor, source, kind, outcome, order_id, revision, hash_before, hash_after, detail, entry, leaf_hash, nodes)
  values (v_idx, p_at, p_actor_id, p_actor, p_source, p_kind, p_outcome, p_order_id, p_revision, p_hash_before, p_hash_after, p_detail,
    v_entry, left(v_nodes, ${NODE_HEX_LENGTH}), v_nodes);
  return v_idx;
end
$append$`;

/** Builds migration 0006 for one engine. */
export function auditAppendFunctionMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind === 'postgres') await sql.raw(CREATE_FUNCTION).execute(db);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      if (kind === 'postgres') await sql.raw(`drop function ${AUDIT_APPEND_FUNCTION}(${PARAMETERS.replace(/p_\w+ /g, '')})`).execute(db);
    },
  };
}
