/** Writing one audit entry inside the caller's transaction: the only writer of `audit_entries`. */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import { appendAddresses, appendedNodesFrom, canonicalJson } from '../crypto/index.js';
import { NODE_HEX_LENGTH } from './audit-row-nodes.js';
import type { Database } from './schema.js';
import { writeTransactionMark, type AuditAppendMemo } from './write-transaction-engine.js';

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
 * Appends one audit entry in `trx`: the entry exists if and only if the caller's transaction
 * commits, and its index is dense from 0 on both engines. `trx` must come from
 * withWriteTransaction (typed as Kysely so callers may hold a union; anything else throws).
 *
 * SQLite (one writer at a time): the entry gets its index and its Merkle subtrees here, in one
 * insert, and its index is returned. PostgreSQL, one round trip ({@link AUDIT_APPEND_OR_QUEUE_FUNCTION}):
 * if the log's lock is free the entry is appended here and its index returned, and the lock is
 * held until commit, so append as the last write of a short transaction; if another transaction
 * holds it, the entry goes into `audit_queue` without waiting and null is returned, and it gets
 * its index right after the commit, when withWriteTransaction runs the sequencer
 * (audit-sequencer.ts, migration 0007). Either way, once withWriteTransaction resolves the entry
 * is in the tree. The row has no secondary index: what auditors filter on is copied into
 * `audit_lookup` later (catchUpAuditLookup in audit-lookup.ts).
 */
export async function appendAuditEntry(trx: Kysely<Database>, fields: AuditEntryFields): Promise<number | null> {
  // Outside a transaction the advisory lock would end with its statement and
  // two writers could take the same index; refuse instead.
  const mark = writeTransactionMark(trx);
  if (mark === undefined) throw new Error('appendAuditEntry needs a transaction opened by withWriteTransaction');
  if (!auditOutcomes.includes(fields.outcome)) throw new TypeError(`invalid audit outcome ${String(fields.outcome)}`);
  if (mark.kind === 'postgres') {
    const memo = mark.memo ?? {};
    const { rows } = await trx.executeQuery<{ idx: number | string | null }>(
      CompiledQuery.raw(POSTGRES_APPEND_OR_QUEUE, [memo.queued === true, ...auditAppendArguments(fields)]),
    ).catch(translateNodeMissing);
    const idx = rows[0]?.idx ?? null;
    if (idx !== null) return Number(idx);
    memo.queued = true;
    return null;
  }
  // BEGIN IMMEDIATE already made this the only writer of the file.
  return appendOnSqlite(trx, fields, mark.memo ?? {});
}

/**
 * SQLite: the Store remembers the log's right edge (the newest complete subtree at every
 * level) after each append, so the next one needs no read: its row is inserted only where
 * the entry before it is still the one remembered (same index, same leaf hash), and a
 * taken index fails the primary key. Either way (another process appended, a rolled-back
 * job left the memo ahead, a first append) the edge is read from the rows and the insert
 * made again. The memo only saves the read: the stored row is what the database checks.
 */
async function appendOnSqlite(trx: Kysely<Database>, fields: AuditEntryFields, memo: AuditAppendMemo): Promise<number> {
  const planned = planAuditAppendFromMemo(memo, fields);
  if (planned !== undefined) {
    const inserted = await trx.executeQuery(CompiledQuery.raw(SQLITE_ENTRY_INSERT_AFTER, planned.params))
      .then((result) => result.numAffectedRows === 1n, (error: unknown) => {
        if (isConstraintError(error)) return false;
        throw error;
      });
    if (inserted) {
      planned.remember();
      return planned.idx;
    }
  }
  memo.tail = undefined;
  const { rows } = await trx.executeQuery<AuditTailRow>(READ_FRONTIER_QUERY);
  const fresh = planAuditAppendFromFrontier(memo, rows, fields);
  await trx.executeQuery(CompiledQuery.raw(SQLITE_ENTRY_INSERT, fresh.values));
  fresh.remember();
  return fresh.idx;
}

/**
 * The append the Store's memo allows without a read: the entry at the remembered size, and
 * the parameters of `AUDIT_APPEND_SQL.sqliteInsertAfter` (the row's values, then the index
 * and leaf hash of the entry it must follow). Undefined when there is nothing to go on.
 * Call `remember` once the insert changed a row. Exported for benchmarks.
 */
export function planAuditAppendFromMemo(memo: AuditAppendMemo, fields: AuditEntryFields): { idx: number; params: unknown[]; remember(): void } | undefined {
  const remembered = memo.tail;
  if (remembered === undefined || remembered.size === 0) return undefined;
  const row = entryRowAt(remembered.size, remembered.frontierHex, fields, canonicalJson(fields.detail ?? {}));
  if (row === undefined) return undefined;
  return {
    idx: remembered.size,
    params: [...row.values, remembered.size - 1, remembered.frontierHex[0]],
    remember: () => {
      memo.tail = { size: remembered.size + 1, frontierHex: advanceFrontier(remembered.frontierHex, row.nodesHex) };
    },
  };
}

/**
 * The append after reading the right edge (`AUDIT_APPEND_SQL.readFrontier` answered `rows`):
 * the entry at the log's size and the values of `AUDIT_APPEND_SQL.sqliteInsert`. Throws when a
 * left sibling the new leaf needs is missing (the tree no longer matches the log). Call
 * `remember` once inserted. Exported for benchmarks.
 */
export function planAuditAppendFromFrontier(memo: AuditAppendMemo, rows: readonly AuditTailRow[], fields: AuditEntryFields): { idx: number; values: unknown[]; remember(): void } {
  const size = Number(rows[0]?.size ?? 0);
  const frontierHex = frontierFrom(size, rows);
  const row = entryRowAt(size, frontierHex, fields, canonicalJson(fields.detail ?? {}));
  if (row === undefined) throw missingSibling(size, frontierHex);
  return {
    idx: size,
    values: row.values,
    remember: () => {
      memo.tail = { size: size + 1, frontierHex: advanceFrontier(frontierHex, row.nodesHex) };
    },
  };
}

function missingSibling(size: number, siblingsByLevelHex: readonly (string | undefined)[]): Error {
  const missing = appendAddresses(size).find((address) => siblingsByLevelHex[address.level]?.length !== NODE_HEX_LENGTH);
  return new Error(`audit tree node ${missing?.level}/${missing?.index} is missing: the tree no longer matches the log`);
}

function isConstraintError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

/** The right edge as read by {@link READ_FRONTIER}: position l holds the newest complete subtree of level l, if stored. */
function frontierFrom(size: number, rows: readonly AuditTailRow[]): string[] {
  const frontier: string[] = [];
  for (const row of rows) {
    if (row.level !== null && row.hash !== null && (size >> row.level) >= 1) frontier[row.level] = row.hash;
  }
  return frontier;
}

/** The right edge once an entry completed `nodesHex` (its leaf and subtrees, lowest level first): those levels replaced, the rest kept. */
function advanceFrontier(frontierHex: readonly string[], nodesHex: readonly string[]): string[] {
  const next = [...frontierHex];
  nodesHex.forEach((hash, level) => {
    next[level] = hash;
  });
  return next;
}

/**
 * The PostgreSQL function (migration 0006, in the store's schema) that appends one entry in one
 * round trip: it takes {@link AUDIT_APPEND_LOCK_KEY}, reads the size and the left siblings, hashes
 * the leaf and the subtrees it completes, inserts the row as {@link auditEntryInsert} would, and
 * returns the index. Its arguments are {@link auditAppendArguments}.
 */
export const AUDIT_APPEND_FUNCTION = 'forgeline_audit_append';

/**
 * The PostgreSQL function (migration 0007) that appends in place when the log's lock is free and
 * queues otherwise; its arguments are whether to queue regardless, then {@link auditAppendArguments}.
 */
export const AUDIT_APPEND_OR_QUEUE_FUNCTION = 'forgeline_audit_append_or_queue';

/**
 * The PostgreSQL function (migration 0007) that moves every committed `audit_queue` row into the
 * log, in queue order, through {@link AUDIT_APPEND_FUNCTION}, in the caller's transaction.
 */
export const AUDIT_SEQUENCE_FUNCTION = 'forgeline_audit_sequence';

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

/** The same error the SQLite path throws when a left sibling is missing; the database's detail stays on `cause`. */
export function translateNodeMissing(error: unknown): never {
  if ((error as { code?: unknown }).code === AUDIT_NODE_MISSING_SQLSTATE) throw new Error((error as Error).message, { cause: error });
  throw error;
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
  const siblingsHex: string[] = [];
  for (const row of tail) if (row.level !== null && row.hash !== null) siblingsHex[row.level] = row.hash;
  const row = entryRowAt(idx, siblingsHex, fields, canonicalJson(fields.detail ?? {}));
  if (row === undefined) throw missingSibling(idx, siblingsHex);
  return { idx, values: row.values };
}

/**
 * The row of entry `idx`, given the hex hashes of the left siblings by level (position l:
 * the sibling at level l, where {@link appendAddresses} needs one) and the canonical detail:
 * the insert's values and the subtrees the entry completes, lowest level first. Undefined
 * when a needed sibling is not there.
 */
function entryRowAt(idx: number, siblingsByLevelHex: readonly (string | undefined)[], fields: AuditEntryFields, detail: string): { values: unknown[]; nodesHex: string[] } | undefined {
  const needed = appendAddresses(idx);
  const siblings: Buffer[] = [];
  for (const address of needed) {
    const hash = siblingsByLevelHex[address.level];
    if (hash?.length !== NODE_HEX_LENGTH) return undefined;
    siblings.push(Buffer.from(hash, 'hex'));
  }
  // The stored `entry` is the exact byte string the Merkle leaf commits to;
  // verifiers re-hash it rather than rebuild it from the columns.
  const entry = canonicalAuditEntry(idx, fields, detail);
  const leaf = createHash('sha256').update(LEAF_PREFIX).update(entry, 'utf8').digest();
  const nodesHex = appendedNodesFrom(idx, leaf, siblings).map((node) => Buffer.from(node.hash).toString('hex'));
  // The leaf and every subtree it completes, lowest level first: the row's `nodes` (audit-row-nodes.ts).
  return {
    nodesHex,
    values: [
      idx, fields.at, fields.actorId ?? null, fields.actor, fields.source ?? null, fields.kind, fields.outcome, fields.orderId ?? null,
      fields.revision ?? null, fields.hashBefore ?? null, fields.hashAfter ?? null, detail, entry, nodesHex[0], nodesHex.join(''),
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

/**
 * The log's size and its right edge: for every level l with a complete subtree, the newest
 * one, (l, (size >> l) - 1), which the row of its last leaf holds at position l of `nodes`.
 * Position 0 is the last entry's leaf hash. Read when the Store's memo cannot be used.
 */
const READ_FRONTIER = `with tail as (select coalesce(max(idx) + 1, 0) as size from audit_entries),
  levels (level) as (values ${SIBLING_LEVELS})
select tail.size as size, levels.level as level, substr(holder.nodes, ${NODE_HEX_LENGTH} * levels.level + 1, ${NODE_HEX_LENGTH}) as hash
from tail
left join levels on (tail.size >> levels.level) >= 1
left join audit_entries holder on holder.idx = ((tail.size >> levels.level) << levels.level) - 1`;
const READ_FRONTIER_QUERY = CompiledQuery.raw(READ_FRONTIER);

const ENTRY_COLUMNS = 'idx, at, actor_id, actor, source, kind, outcome, order_id, revision, hash_before, hash_after, detail, entry, leaf_hash, nodes';
const SQLITE_ENTRY_INSERT = `insert into audit_entries (${ENTRY_COLUMNS}) values (${Array.from({ length: 15 }, () => '?').join(', ')})`;
// The same row, inserted only while entry `idx - 1` is still the one the memo remembers.
const SQLITE_ENTRY_INSERT_AFTER = `insert into audit_entries (${ENTRY_COLUMNS}) select ${Array.from({ length: 15 }, () => '?').join(', ')}
where (select leaf_hash from audit_entries where idx = ?) = ?`;
const POSTGRES_ENTRY_INSERT = `insert into audit_entries (${ENTRY_COLUMNS}) values (${Array.from({ length: 15 }, (_, i) => `$${i + 1}`).join(', ')})`;

const POSTGRES_QUEUE_INSERT = `insert into audit_queue (entry_before, entry_after, at, actor_id, actor, source, kind, outcome, order_id, revision,
  hash_before, hash_after, detail) values (${Array.from({ length: 13 }, (_, i) => `$${i + 1}`).join(', ')})`;

/**
 * One statement, so one round trip: in the implicit transaction of a multi-statement query the
 * isolation level can be set first (READ COMMITTED whatever the server's default, so the queue
 * read after the lock sees what the previous holder committed), and an error rolls all of it
 * back. It moves every committed queue row: the queue holds only entries committed since the
 * last run (or, after a crash between a commit and its run, those too), never a long backlog.
 * With the queue empty (every reader's catch-up, most of the time) it takes no lock at all:
 * the statement's snapshot already holds every row committed before the call.
 */
const POSTGRES_SEQUENCE = `set transaction isolation level read committed; select ${AUDIT_SEQUENCE_FUNCTION}(2147483647) where exists (select 1 from audit_queue)`;

const POSTGRES_APPEND_OR_QUEUE = `select ${AUDIT_APPEND_OR_QUEUE_FUNCTION}(${Array.from({ length: 14 }, (_, i) => `$${i + 1}`).join(', ')}) as idx`;

const POSTGRES_APPEND = `select ${AUDIT_APPEND_FUNCTION}(${Array.from({ length: 13 }, (_, i) => `$${i + 1}`).join(', ')}) as idx`;

/**
 * The statements appendAuditEntry runs, for benchmarks that replay them on a raw connection.
 * SQLite: `sqliteInsertAfter` with {@link planAuditAppendFromMemo}'s parameters; when it
 * changes no row (or there was no plan), `readFrontier` (no parameters, answers
 * {@link AuditTailRow}s) and `sqliteInsert` with {@link planAuditAppendFromFrontier}'s values.
 * `readTail` reads only the siblings the next leaf needs, for {@link auditEntryInsert}.
 * PostgreSQL: `postgresAppendOrQueue` with whether the transaction queued before, then
 * {@link auditAppendArguments}, in the change's transaction, answering `idx` (null: queued); after
 * the commit of a transaction that queued, `postgresSequence` (no parameters; audit-sequencer.ts).
 * `postgresQueue` queues an entry unconditionally.
 * `postgresAppend` appends one entry directly in the caller's transaction, answering `idx`, and
 * `postgresInsert` writes a row whose values were computed elsewhere ({@link auditEntryInsert},
 * `$n` placeholders), as benchmarks that build a log do.
 */
export const AUDIT_APPEND_SQL = {
  readTail: READ_TAIL, readFrontier: READ_FRONTIER, sqliteInsert: SQLITE_ENTRY_INSERT, sqliteInsertAfter: SQLITE_ENTRY_INSERT_AFTER,
  postgresInsert: POSTGRES_ENTRY_INSERT, postgresAppend: POSTGRES_APPEND, postgresQueue: POSTGRES_QUEUE_INSERT, postgresAppendOrQueue: POSTGRES_APPEND_OR_QUEUE, postgresSequence: POSTGRES_SEQUENCE,
} as const;
