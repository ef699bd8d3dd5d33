/** Writing one audit entry inside the caller's transaction: the only writer of `audit_entries`. */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import { appendAddresses, appendedNodesFrom, canonicalJson } from '../crypto/index.js';
import { NODE_HEX_LENGTH } from './audit-row-nodes.js';
import type { Database } from './schema.js';
import { writeTransactionEngine } from './write-transaction-engine.js';

/** Whether the audited request was carried out or refused. */
export const auditOutcomes = ['ok', 'denied'] as const;

/** One of {@link auditOutcomes}. */
export type AuditOutcome = (typeof auditOutcomes)[number];

/**
 * The PostgreSQL advisory lock key that serializes audit appends across all
 * server instances ("ForgAu" in ASCII). Transaction-scoped, so it is held
 * until commit and indices become visible in order. It is database-wide:
 * stores in different schemas of one database share it (harmless, slower).
 */
export const AUDIT_APPEND_LOCK_KEY = 0x466f72674175;

/** What the caller says about an event; the store adds idx, `entry` and the leaf hash. */
export interface AuditEntryFields {
  /** ISO-8601 UTC time from the caller's clock. */
  readonly at: string;
  readonly actorId?: string | null;
  /** Human-readable actor (username, device name, 'system'). */
  readonly actor: string;
  /** Where the request came from (IP, 'cli', device certificate), if known. */
  readonly source?: string | null;
  readonly kind: string;
  readonly outcome: AuditOutcome;
  readonly orderId?: string | null;
  readonly revision?: number | null;
  readonly hashBefore?: string | null;
  readonly hashAfter?: string | null;
  /** Event-specific JSON detail; plain JSON only (canonicalJson throws otherwise). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** The RFC 9162 §2.1.1 leaf hash of entry bytes: hex SHA-256 of 0x00 || utf8(entry). */
export function auditLeafHash(entry: string): string {
  return createHash('sha256').update(Buffer.from([0x00])).update(entry, 'utf8').digest('hex');
}

/**
 * Appends one audit entry in `trx` and returns its index: dense from 0, in
 * commit order, on both engines. The entry exists if and only if the
 * caller's transaction commits. `trx` must come from withWriteTransaction
 * (typed as Kysely so callers may hold a union; anything else throws). On
 * PostgreSQL this holds a lock on the whole log until commit, so append as
 * the last write of a transaction, and keep the transaction short.
 *
 * Every order change pays for this, so it is one canonical-JSON pass and, on
 * SQLite, two precompiled statements (one read of the size with the left
 * siblings, then the entry row, which also holds the subtrees the entry
 * completes); on PostgreSQL one call of {@link AUDIT_APPEND_FUNCTION}, which
 * does the same after taking the lock, in one round trip. The row has no
 * secondary index: what auditors filter on is copied into `audit_lookup`
 * later, outside this transaction (catchUpAuditLookup in audit-lookup.ts).
 */
export async function appendAuditEntry(trx: Kysely<Database>, fields: AuditEntryFields): Promise<number> {
  // Outside a transaction the advisory lock would end with its statement and
  // two writers could take the same index; refuse instead.
  const engine = writeTransactionEngine(trx);
  if (engine === undefined) throw new Error('appendAuditEntry needs a transaction opened by withWriteTransaction');
  if (!auditOutcomes.includes(fields.outcome)) throw new TypeError(`invalid audit outcome ${String(fields.outcome)}`);
  if (engine === 'postgres') return appendOnPostgres(trx, fields);

  // BEGIN IMMEDIATE already made this the only writer of the file.
  const { rows } = await trx.executeQuery<AuditTailRow>(READ_TAIL_QUERY);
  const { idx, values } = auditEntryInsert(rows, fields);
  await trx.executeQuery(CompiledQuery.raw(SQLITE_ENTRY_INSERT, values));
  return idx;
}

/**
 * The PostgreSQL function (migration 0006, in the store's schema) that appends one entry in one
 * round trip: it takes {@link AUDIT_APPEND_LOCK_KEY}, reads the size and the left siblings, hashes
 * the leaf and the subtrees it completes, inserts the row as {@link auditEntryInsert} would, and
 * returns the index. Its arguments are {@link auditAppendArguments}.
 */
export const AUDIT_APPEND_FUNCTION = 'forgeline_audit_append';

/** The SQLSTATE {@link AUDIT_APPEND_FUNCTION} raises when a left sibling is missing. */
export const AUDIT_NODE_MISSING_SQLSTATE = 'FLA01';

/**
 * The arguments of {@link AUDIT_APPEND_FUNCTION}, in order: the canonical entry around its idx
 * value, then the row's columns from `at` to `detail`. Exported for benchmarks.
 */
export function auditAppendArguments(fields: AuditEntryFields): unknown[] {
  const detail = canonicalJson(fields.detail ?? {});
  const [before, after] = canonicalAuditEntryAround(fields, detail);
  return [
    before, after, fields.at, fields.actorId ?? null, fields.actor, fields.source ?? null, fields.kind, fields.outcome,
    fields.orderId ?? null, fields.revision ?? null, fields.hashBefore ?? null, fields.hashAfter ?? null, detail,
  ];
}

async function appendOnPostgres(trx: Kysely<Database>, fields: AuditEntryFields): Promise<number> {
  try {
    const { rows } = await trx.executeQuery<{ idx: number | string }>(CompiledQuery.raw(POSTGRES_APPEND, auditAppendArguments(fields)));
    return Number(rows[0]?.idx);
  } catch (error) {
    // The same error the SQLite path throws; the database's detail stays on `cause`.
    if ((error as { code?: unknown }).code === AUDIT_NODE_MISSING_SQLSTATE) throw new Error((error as Error).message, { cause: error });
    throw error;
  }
}

/** One row the tail read of {@link AUDIT_APPEND_SQL} answers: the log's size, and one left sibling's level and hex hash, if stored. */
export interface AuditTailRow {
  readonly size: number | string;
  readonly level: number | null;
  readonly hash: string | null;
}

/**
 * The entry row to insert once the tail read answered `tail`: its index and the insert's values,
 * in the order of {@link AUDIT_APPEND_SQL}'s inserts. Pure; throws when a left sibling the new
 * leaf needs is missing (the tree no longer matches the log). Exported for benchmarks.
 */
export function auditEntryInsert(tail: readonly AuditTailRow[], fields: AuditEntryFields): { idx: number; values: unknown[] } {
  const idx = Number(tail[0]?.size ?? 0);
  const needed = appendAddresses(idx);
  const siblings = needed.map((address) => tail.find((row) => row.level === address.level)?.hash);
  const missing = needed.find((_, i) => siblings[i]?.length !== NODE_HEX_LENGTH);
  if (missing) throw new Error(`audit tree node ${missing.level}/${missing.index} is missing: the tree no longer matches the log`);

  const detail = canonicalJson(fields.detail ?? {});
  // The stored `entry` is the exact byte string the Merkle leaf commits to;
  // verifiers re-hash it rather than rebuild it from the columns.
  const entry = canonicalAuditEntry(idx, fields, detail);
  const leaf = createHash('sha256').update(LEAF_PREFIX).update(entry, 'utf8').digest();
  const nodes = appendedNodesFrom(idx, leaf, siblings.map((hash) => Buffer.from(hash as string, 'hex')));
  // The leaf and every subtree it completes, lowest level first: the row's `nodes` (audit-row-nodes.ts).
  const nodesHex = nodes.map((node) => Buffer.from(node.hash).toString('hex')).join('');
  return {
    idx,
    values: [
      idx, fields.at, fields.actorId ?? null, fields.actor, fields.source ?? null, fields.kind, fields.outcome, fields.orderId ?? null,
      fields.revision ?? null, fields.hashBefore ?? null, fields.hashAfter ?? null, detail, entry, nodesHex.slice(0, NODE_HEX_LENGTH), nodesHex,
    ],
  };
}

const LEAF_PREFIX = Buffer.from([0x00]);

/** The record whose canonical JSON (RFC 8785) is entry `idx`'s bytes: every field present, absent ones null. */
export function auditEntryRecord(idx: number, fields: AuditEntryFields) {
  return {
    idx,
    at: fields.at,
    actorId: fields.actorId ?? null,
    actor: fields.actor,
    source: fields.source ?? null,
    kind: fields.kind,
    outcome: fields.outcome,
    orderId: fields.orderId ?? null,
    revision: fields.revision ?? null,
    hashBefore: fields.hashBefore ?? null,
    hashAfter: fields.hashAfter ?? null,
    detail: fields.detail ?? {},
  };
}

/**
 * `canonicalJson(auditEntryRecord(idx, fields))`, written out with the members
 * in RFC 8785 order so the detail (already canonical) is serialized only once.
 */
export function canonicalAuditEntry(idx: number, fields: AuditEntryFields, canonicalDetail: string): string {
  const [before, after] = canonicalAuditEntryAround(fields, canonicalDetail);
  return `${before}${canonicalJson(idx)}${after}`;
}

/**
 * {@link canonicalAuditEntry} without its index: the text before and after the idx value, for
 * a writer that learns the index only inside the database ({@link AUDIT_APPEND_FUNCTION}).
 */
export function canonicalAuditEntryAround(fields: AuditEntryFields, canonicalDetail: string): [before: string, after: string] {
  const json = (value: unknown): string => canonicalJson(value ?? null);
  return [
    `{"actor":${json(fields.actor)},"actorId":${json(fields.actorId)},"at":${json(fields.at)},"detail":${canonicalDetail},` +
      `"hashAfter":${json(fields.hashAfter)},"hashBefore":${json(fields.hashBefore)},"idx":`,
    `,"kind":${json(fields.kind)},"orderId":${json(fields.orderId)},"outcome":${json(fields.outcome)},"revision":${json(fields.revision)},` +
      `"source":${json(fields.source)}}`,
  ];
}

// The levels a left sibling can sit at: indices are safe integers (< 2^53).
const SIBLING_LEVELS = Array.from({ length: 53 }, (_, level) => `(${level})`).join(', ');

/**
 * The log's size and, for the leaf about to take that index, the stored left siblings of
 * appendAddresses(size): a sibling sits at level l while the low l+1 bits of the size are all
 * ones, as subtree (l, (size >> l) - 1), which the row of its last leaf, ((size >> l) << l) - 1,
 * holds at position l of its `nodes`. One statement; on PostgreSQL {@link AUDIT_APPEND_FUNCTION} does the same inside.
 */
const READ_TAIL = `with tail as (select coalesce(max(idx) + 1, 0) as size from audit_entries),
  levels (level) as (values ${SIBLING_LEVELS})
select tail.size as size, levels.level as level, substr(holder.nodes, ${NODE_HEX_LENGTH} * levels.level + 1, ${NODE_HEX_LENGTH}) as hash
from tail
left join levels on ((tail.size + 1) & ((cast(1 as bigint) << (levels.level + 1)) - 1)) = 0
left join audit_entries holder on holder.idx = ((tail.size >> levels.level) << levels.level) - 1`;

const ENTRY_COLUMNS = 'idx, at, actor_id, actor, source, kind, outcome, order_id, revision, hash_before, hash_after, detail, entry, leaf_hash, nodes';
const READ_TAIL_QUERY = CompiledQuery.raw(READ_TAIL);
const SQLITE_ENTRY_INSERT = `insert into audit_entries (${ENTRY_COLUMNS}) values (${Array.from({ length: 15 }, () => '?').join(', ')})`;
const POSTGRES_ENTRY_INSERT = `insert into audit_entries (${ENTRY_COLUMNS}) values (${Array.from({ length: 15 }, (_, i) => `$${i + 1}`).join(', ')})`;

const POSTGRES_APPEND = `select ${AUDIT_APPEND_FUNCTION}(${Array.from({ length: 13 }, (_, i) => `$${i + 1}`).join(', ')}) as idx`;

/**
 * The statements appendAuditEntry runs, for benchmarks that replay them on a raw connection.
 * SQLite: `readTail` (no parameters, answers {@link AuditTailRow}s), then `sqliteInsert` with the
 * values of {@link auditEntryInsert}. PostgreSQL: `postgresAppend` alone, with
 * {@link auditAppendArguments}, answering `idx`. `postgresInsert` writes a row whose values were
 * computed elsewhere ({@link auditEntryInsert}, `$n` placeholders), as benchmarks that build a log do.
 */
export const AUDIT_APPEND_SQL = {
  readTail: READ_TAIL, sqliteInsert: SQLITE_ENTRY_INSERT, postgresInsert: POSTGRES_ENTRY_INSERT, postgresAppend: POSTGRES_APPEND,
} as const;
