/**
 * Proof latency on big logs (issue 3 point 9, second part): the tree of N
 * synthetic leaves is computed once in memory (the product's leafHash and
 * nodeHash), then bulk-loaded into each engine's `audit_entries` as the rows
 * `appendAuditEntry` would have written, each with the subtrees it completed in
 * `nodes` (synthetic rows carry minimal values in the other NOT NULL columns;
 * the last, idx N-1, is a real entry); then `AuditLog.inclusionProof` /
 * `consistencyProof` are timed at random indices, beside one indexed point read
 * through the same store. `audit_entries` has no secondary index since migration
 * 0005, and `audit_lookup` (the derived index of the filter columns) is left empty:
 * proofs never use it.
 */
import * as crypto from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { AuditLog, ephemeralAuditIdentity, systemClock } from '../src/audit/index.js';
import {
  HASH_SIZE, appendAddresses, assembleRoot, canonicalJson, leafHash, nodeHash, rootAddresses, rootHash, verifyConsistency, verifyInclusion,
} from '../src/crypto/index.js';
import {
  AUDIT_APPEND_SQL, auditEntryInsert, auditLeafHash, NODE_HEX_LENGTH, openDatabase, type AuditEntryFields, type AuditTailRow, type Store, type StoreKind,
} from '../src/store/index.js';
import { sampleEntry, seeded, storedRow } from './audit-entries.js';
import { benchTempDir, openBenchStore } from './bench-stores.js';
import { msBetween, now, quantile } from './timing.js';

/** Median, 95th percentile and sample size of one timed call, in ms. */
export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
}

/** What one tree size measured on one engine; `skipped` says why nothing was. */
export interface ProofRun {
  readonly kind: StoreKind;
  readonly size: number;
  readonly skipped?: string;
  /** Entry rows written and how long the load took (ms), ANALYZE (PostgreSQL) apart. */
  readonly entryRows?: number;
  readonly loadMs?: number;
  readonly analyzeMs?: number;
  readonly inclusion?: Latency;
  readonly consistency?: Latency;
  /** One `select nodes from audit_entries where idx = ?` through the same store: the floor of any read. */
  readonly pointRead?: Latency;
}

/**
 * A whole tree held as one packed buffer per level (level 0: the leaf hashes; level L + 1, node j:
 * SHA-256(0x01 || node 2j || node 2j + 1) of level L), about 64 bytes per leaf: computed once per
 * size with the product's leafHash / nodeHash and loaded into each engine from there.
 */
export interface ComputedTree {
  readonly size: number;
  readonly levels: readonly Buffer[];
  readonly computeMs: number;
}

/** The hash of the perfect subtree (level, index), a view into the tree's buffers. */
function nodeAt(tree: ComputedTree, level: number, index: number): Buffer {
  const column = tree.levels[level];
  if (column === undefined || (index + 1) * HASH_SIZE > column.length) throw new Error(`no node (${level}, ${index}) in the computed tree`);
  return column.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
}

/** The root of the first `size` leaves, folded by the product from the perfect subtrees it names. */
function rootOfFirst(tree: ComputedTree, size: number): Uint8Array {
  return assembleRoot(rootAddresses(size).map((address) => nodeAt(tree, address.level, address.index)));
}

/**
 * Calls `row` for every entry in from..to - 1 with the `nodes` `appendAuditEntry` would have
 * stored in it: the leaf's hex hash, then each parent it completes, lowest first.
 */
function forEachEntryRow(tree: ComputedTree, from: number, to: number, row: (idx: number, nodes: string) => void): void {
  for (let leaf = from; leaf < to; leaf += 1) {
    let nodes = (tree.levels[0] as Buffer).toString('hex', leaf * HASH_SIZE, (leaf + 1) * HASH_SIZE);
    // Leaf i completes the subtree (L, (i + 1) / 2^L - 1) for every 2^L dividing i + 1.
    for (let level = 1, n = leaf + 1; n % 2 === 0; level += 1) {
      n /= 2;
      nodes += (tree.levels[level] as Buffer).toString('hex', (n - 1) * HASH_SIZE, n * HASH_SIZE);
    }
    row(leaf, nodes);
  }
}

/** The synthetic leaf hash of entry `index` (SHA-256 of 0x00 and its 8-byte big-endian index), through the product's leafHash. */
function syntheticLeaf(index: number): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeUIntBE(index, 2, 6);
  return leafHash(bytes);
}

type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer;
// node:crypto's one-shot hash (Node >= 20.12) is about twice as fast as createHash; setup only.
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/**
 * Hashers for building big trees fast: SHA-256 over a scratch buffer with crypto.hash when
 * Node has it, else the product's leafHash / nodeHash. The stored tree is then checked with
 * the product's own proof and root code (see {@link checkTree}), which a wrong hash would fail.
 */
function treeHashers(): { leaf(index: number): Uint8Array; node(left: Uint8Array, right: Uint8Array): Uint8Array } {
  if (oneShot === undefined) return { leaf: syntheticLeaf, node: nodeHash };
  const leafInput = Buffer.alloc(9);
  const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
  nodeInput[0] = 0x01;
  return {
    leaf(index) {
      leafInput.writeUIntBE(index, 3, 6);
      return oneShot('sha256', leafInput, 'buffer');
    },
    node(left, right) {
      nodeInput.set(left, 1);
      nodeInput.set(right, 1 + HASH_SIZE);
      return oneShot('sha256', nodeInput, 'buffer');
    },
  };
}

/** Computes the tree of `size` leaves: synthetic ones, and a real entry's leaf last. */
export function computeTree(size: number): ComputedTree {
  const started = now();
  const hashers = treeHashers();
  const levels: Buffer[] = [];
  let column = Buffer.allocUnsafe(size * HASH_SIZE);
  for (let index = 0; index < size - 1; index += 1) column.set(hashers.leaf(index), index * HASH_SIZE);
  column.write(lastEntry(size).leaf, (size - 1) * HASH_SIZE, 'hex');
  levels.push(column);
  for (let count = Math.floor(size / 2); count >= 1; count = Math.floor(count / 2)) {
    const below = column;
    column = Buffer.allocUnsafe(count * HASH_SIZE);
    for (let j = 0; j < count; j += 1) {
      column.set(hashers.node(below.subarray(2 * j * HASH_SIZE, (2 * j + 1) * HASH_SIZE), below.subarray((2 * j + 1) * HASH_SIZE, (2 * j + 2) * HASH_SIZE)), j * HASH_SIZE);
    }
    levels.push(column);
  }
  return { size, levels, computeMs: msBetween(started, now()) };
}

/** The one real entry, at idx size - 1, and its leaf hash (the tree's last leaf). */
function lastEntry(size: number): { fields: AuditEntryFields; leaf: string } {
  const fields = sampleEntry(size - 1, seeded(size), ['00000000-0000-4000-8000-000000000001'], Date.parse('2026-01-01T00:00:00Z'));
  return { fields, leaf: auditLeafHash(canonicalJson(storedRow(size - 1, fields))) };
}

/** The real entry's insert values (AUDIT_APPEND_SQL order), made by the store from the computed tree's left siblings, as an append would. */
function lastEntryValues(tree: ComputedTree): unknown[] {
  const idx = tree.size - 1;
  const siblings = appendAddresses(idx).map((address): AuditTailRow => ({ size: idx, level: address.level, hash: nodeAt(tree, address.level, address.index).toString('hex') }));
  return auditEntryInsert(siblings.length > 0 ? siblings : [{ size: idx, level: null, hash: null }], lastEntry(tree.size).fields).values;
}

/** A synthetic row: minimal values in the NOT NULL columns, the leaf hash and the subtrees. */
const SYNTHETIC_COLUMNS = 'idx, at, actor, kind, outcome, detail, entry, leaf_hash, nodes';
const SYNTHETIC_VALUES = `'2026-01-01T00:00:00.000Z', 'bench', 'bench.synthetic', 'ok', '{}', ''`;

/** Where the tree under test lives, and how to remove it. */
interface LoadedTree {
  readonly store: Store;
  readonly entryRows: number;
  readonly loadMs: number;
  readonly analyzeMs?: number;
  dispose(): Promise<void>;
}

/**
 * SQLite: migrate a fresh file, close it, then one
 * transaction with one prepared statement through better-sqlite3 with the
 * journal off (a throwaway file; a 10-million-row transaction in WAL would be
 * written twice), WAL back on, reopen.
 */
async function loadSqlite(tree: ComputedTree): Promise<LoadedTree> {
  const dir = await benchTempDir('audit-tree');
  const file = join(dir, 'forgeline.db');
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await (await openDatabase({ kind: 'sqlite', file })).close();
    const started = now();
    const raw = new BetterSqlite3(file);
    let entryRows = 0;
    try {
      raw.pragma('journal_mode = OFF');
      raw.pragma('synchronous = OFF');
      raw.pragma('cache_size = -262144');
      const insert = raw.prepare(`insert into audit_entries (${SYNTHETIC_COLUMNS}) values (?, ${SYNTHETIC_VALUES}, ?, ?)`);
      raw.transaction(() => {
        forEachEntryRow(tree, 0, tree.size - 1, (idx, nodes) => {
          insert.run(idx, nodes.slice(0, NODE_HEX_LENGTH), nodes);
          entryRows += 1;
        });
        raw.prepare(AUDIT_APPEND_SQL.sqliteInsert).run(...lastEntryValues(tree));
        entryRows += 1;
      })();
      raw.pragma('journal_mode = WAL');
    } finally {
      raw.close();
    }
    const loadMs = msBetween(started, now());
    const store = await openDatabase({ kind: 'sqlite', file });
    return {
      store, entryRows, loadMs,
      dispose: async () => {
        await store.close();
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Thrown inside the PostgreSQL load when it would take longer than the cap. */
class LoadTooSlow extends Error {}

/** Entry rows per PostgreSQL batch. */
const PG_BATCH_LEAVES = 20_000;

/**
 * PostgreSQL: the rows go in as batches of
 * `insert … select … from unnest(…)` (arrays built here), the next batch built
 * while the previous one is in flight, then ANALYZE (as autovacuum would soon).
 * Gives up, past 5% of the leaves, when the load is projected to take longer than `capMs`.
 */
async function loadPostgres(url: string, tree: ComputedTree, capMs: number): Promise<LoadedTree> {
  const bench = await openBenchStore('postgres', url, 'audit_tree');
  try {
    const schema = bench.options.kind === 'postgres' ? bench.options.schema ?? '' : '';
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000, options: `-c search_path=${schema}` });
    await client.connect();
    let entryRows = 0;
    let loadMs: number;
    let analyzeMs: number;
    let inFlight: Promise<unknown> | undefined;
    try {
      const started = now();
      const synthetic = tree.size - 1;
      for (let from = 0; from < synthetic; from += PG_BATCH_LEAVES) {
        const indices: number[] = [];
        const nodes: string[] = [];
        forEachEntryRow(tree, from, Math.min(synthetic, from + PG_BATCH_LEAVES), (idx, hex) => {
          indices.push(idx);
          nodes.push(hex);
        });
        // One batch in flight while the next one is built.
        await inFlight;
        inFlight = client.query(`insert into audit_entries (${SYNTHETIC_COLUMNS})
            select idx, ${SYNTHETIC_VALUES}, substr(nodes, 1, ${NODE_HEX_LENGTH}), nodes from unnest($1::bigint[], $2::text[]) as v (idx, nodes)`,
          [`{${indices.join(',')}}`, `{${nodes.join(',')}}`]);
        // Handled here too, so a failure while the next batch is built is not an unhandled rejection; the await above rethrows it.
        inFlight.catch(() => undefined);
        entryRows += indices.length;
        const done = Math.min(synthetic, from + PG_BATCH_LEAVES) / synthetic;
        const projected = msBetween(started, now()) / done;
        if (done > 0.05 && done < 1 && projected > capMs) {
          throw new LoadTooSlow(`projected ${(projected / 1000).toFixed(0)} s for ${entryRows.toLocaleString('en-US')} of ${tree.size.toLocaleString('en-US')} entry rows after ${(done * 100).toFixed(0)}%, above the ${(capMs / 1000).toFixed(0)} s cap (BENCH_AUDIT_PG_LOAD_SECONDS)`);
        }
      }
      await inFlight;
      await client.query(AUDIT_APPEND_SQL.postgresInsert, lastEntryValues(tree));
      entryRows += 1;
      loadMs = msBetween(started, now());
      const analyzing = now();
      await client.query('analyze audit_entries');
      analyzeMs = msBetween(analyzing, now());
    } finally {
      // A batch still in flight after a failure settles before the connection ends.
      await inFlight?.catch(() => undefined);
      await client.end();
    }
    return { store: bench.store, entryRows, loadMs, analyzeMs, dispose: () => bench.dispose() };
  } catch (error) {
    await bench.dispose();
    throw error;
  }
}

/** Times `call` up to `iterations` times within `budgetMs` (at least 20), after 20 untimed calls. */
async function timeCalls(call: () => Promise<unknown>, iterations: number, budgetMs: number): Promise<Latency> {
  for (let index = 0; index < 20; index += 1) await call();
  const samples: number[] = [];
  const start = now();
  while (samples.length < 20 || (samples.length < iterations && msBetween(start, now()) < budgetMs)) {
    const began = now();
    await call();
    samples.push(msBetween(began, now()));
  }
  samples.sort((a, b) => a - b);
  return { n: samples.length, p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
}

/**
 * Checks the stored tree against the computed one: the stored root, and an inclusion and a
 * consistency proof from AuditLog verified against roots folded from the computed tree.
 */
async function checkTree(log: AuditLog, tree: ComputedTree): Promise<void> {
  const size = tree.size;
  const root = rootOfFirst(tree, size);
  if (!Buffer.from(await rootHash(size, log.tree)).equals(root)) throw new Error(`the stored tree of ${size} leaves does not have the root of the computed one`);
  const index = Math.floor(size / 3);
  if (!verifyInclusion(nodeAt(tree, 0, index), index, size, await log.inclusionProof(index, size), root)) throw new Error(`the inclusion proof of leaf ${index} does not verify`);
  const from = Math.max(1, Math.floor(size * 0.618));
  if (!verifyConsistency(from, size, await log.consistencyProof(from, size), rootOfFirst(tree, from), root)) throw new Error(`the consistency proof ${from} -> ${size} does not verify`);
}

/** Loads the computed tree on `kind`, checks it, and times both proofs and the point read. */
export async function benchProofs(kind: StoreKind, postgresUrl: string, tree: ComputedTree, calls: number, budgetMs: number, postgresCapMs: number): Promise<ProofRun> {
  const size = tree.size;
  let loaded: LoadedTree;
  try {
    loaded = kind === 'sqlite' ? await loadSqlite(tree) : await loadPostgres(postgresUrl, tree, postgresCapMs);
  } catch (error) {
    if (error instanceof LoadTooSlow) return { kind, size, skipped: `load abandoned: ${error.message}` };
    throw error;
  }
  try {
    const log = new AuditLog({ store: loaded.store, clock: systemClock, identity: ephemeralAuditIdentity('forgeline.bench/audit') });
    const stored = await log.tree.size();
    if (stored !== size) throw new Error(`the loaded log has size ${stored}, expected ${size}`);
    await checkTree(log, tree);
    const random = seeded(size ^ 0x5eed);
    const below = (limit: number): number => Math.floor(random() * limit);
    const inclusion = await timeCalls(() => log.inclusionProof(below(size), size), calls, budgetMs);
    const consistency = await timeCalls(() => log.consistencyProof(1 + below(size - 1), size), calls, budgetMs);
    const db = loaded.store.db;
    const pointRead = await timeCalls(() => db.selectFrom('audit_entries').select('nodes').where('idx', '=', below(size)).executeTakeFirstOrThrow(), calls, budgetMs);
    return {
      kind, size, entryRows: loaded.entryRows, loadMs: loaded.loadMs, ...(loaded.analyzeMs === undefined ? {} : { analyzeMs: loaded.analyzeMs }),
      inclusion, consistency, pointRead,
    };
  } finally {
    await loaded.dispose();
  }
}
