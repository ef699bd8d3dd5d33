/** Writing one audit entry inside the caller's transaction: the only writer of `audit_entries`. */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendAddresses, appendedNodesFrom, canonicalJson } from '../crypto/index.js';
import type { Database } from './schema.js';
import { auditLogSize, readAuditTreeNodes } from './audit-log-reads.js';
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
 */
export async function appendAuditEntry(trx: Kysely<Database>, fields: AuditEntryFields): Promise<number> {
  // Outside a transaction the advisory lock would end with its statement and
  // two writers could take the same index; refuse instead.
  const engine = writeTransactionEngine(trx);
  if (engine === undefined) throw new Error('appendAuditEntry needs a transaction opened by withWriteTransaction');
  if (!auditOutcomes.includes(fields.outcome)) throw new TypeError(`invalid audit outcome ${String(fields.outcome)}`);
  // SQLite: BEGIN IMMEDIATE already made this the only writer of the file.
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY}::bigint)`.execute(trx);

  const idx = await auditLogSize(trx);
  const row = auditEntryRecord(idx, fields);
  // The stored `entry` is the exact byte string the Merkle leaf commits to;
  // verifiers re-hash it rather than rebuild it from the columns.
  const entry = canonicalJson(row);
  const leaf = auditLeafHash(entry);
  await trx.insertInto('audit_entries').values({
    idx,
    at: row.at,
    actor_id: row.actorId,
    actor: row.actor,
    source: row.source,
    kind: row.kind,
    outcome: row.outcome,
    order_id: row.orderId,
    revision: row.revision,
    hash_before: row.hashBefore,
    hash_after: row.hashAfter,
    detail: canonicalJson(row.detail),
    entry,
    leaf_hash: leaf,
  }).execute();
  await appendTreeNodes(trx, idx, Buffer.from(leaf, 'hex'));
  return idx;
}

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
 * Stores the Merkle subtrees that leaf `idx` completes (itself, and each parent while
 * it is a right child), in the same transaction: the tree and the log never disagree.
 */
async function appendTreeNodes(trx: Kysely<Database>, idx: number, leaf: Uint8Array): Promise<void> {
  const needed = appendAddresses(idx);
  const hashes = await readAuditTreeNodes(trx, needed);
  const missing = needed.find((_, i) => hashes[i]?.length === 0);
  if (missing) throw new Error(`audit tree node ${missing.level}/${missing.index} is missing: the tree no longer matches the log`);
  const nodes = appendedNodesFrom(idx, leaf, hashes);
  await trx.insertInto('audit_tree_nodes').values(nodes.map((node) => ({ level: node.level, idx: node.index, hash: Buffer.from(node.hash).toString('hex') }))).execute();
}
