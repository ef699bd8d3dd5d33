import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/index.js';
import { sql } from 'kysely';
import {
  appendAuditEntry, auditAppendArguments, AUDIT_APPEND_SQL, auditEntryInsert, catchUpAuditLookup, auditEntryRecord, auditLeafHash, canonicalAuditEntry, withWriteTransaction,
  type AuditEntryFields, type AuditTailRow, type Store,
} from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';

/** A valid audit event; tests override what they look at. */
function auditFields(overrides: Partial<AuditEntryFields> = {}): AuditEntryFields {
  return { at: '2025-03-01T08:00:00.000Z', actor: 'ada', actorId: 'u-ada', kind: 'order.create', outcome: 'ok', ...overrides };
}

function append(store: Store, overrides: Partial<AuditEntryFields> = {}): Promise<number | null> {
  return withWriteTransaction(store, (trx) => appendAuditEntry(trx, auditFields(overrides)));
}

async function storedIndices(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('audit_entries').select('idx').orderBy('idx').execute();
  return rows.map((r) => r.idx);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Checks the indices appendAuditEntry answered to calls made with `detail: { i }` in order: on
 * SQLite every call's, on PostgreSQL those appended in place (a queued entry answers null), each
 * the index of the row holding that call's entry.
 */
async function expectGivenIndices(store: Store, given: readonly (number | null)[]): Promise<void> {
  if (store.kind === 'sqlite') expect(given.every((idx) => idx !== null)).toBe(true);
  const rows = await store.db.selectFrom('audit_entries').select(['idx', 'detail']).execute();
  const indexOfCall = new Map(rows.map((row) => [(JSON.parse(row.detail) as { i: number }).i, Number(row.idx)]));
  given.forEach((idx, call) => {
    if (idx !== null) expect(idx).toBe(indexOfCall.get(call));
  });
}

/** PostgreSQL: entries committed and not yet sequenced (SQLite never queues). */
async function queuedEntries(store: Store): Promise<number> {
  const row = await store.db.selectFrom('audit_queue').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The queue row appendAuditEntry writes on PostgreSQL for `fields`. */
function queueRow(fields: AuditEntryFields) {
  const [before, after, at, actorId, actor, source, kind, outcome, orderId, revision, hashBefore, hashAfter, detail] = auditAppendArguments(fields) as [
    string, string, string, string | null, string, string | null, string, 'ok' | 'denied', string | null, number | null, string | null, string | null, string,
  ];
  return {
    entry_before: before, entry_after: after, at, actor_id: actorId, actor, source, kind, outcome, order_id: orderId, revision,
    hash_before: hashBefore, hash_after: hashAfter, detail,
  };
}

/** The row columns in the order of auditEntryInsert's values. */
const ENTRY_COLUMNS = [
  'idx', 'at', 'actor_id', 'actor', 'source', 'kind', 'outcome', 'order_id', 'revision', 'hash_before', 'hash_after', 'detail', 'entry', 'leaf_hash', 'nodes',
] as const;

/**
 * Audit fields of any shape: non-ASCII text, JSON-looking strings, details with nested "idx" keys.
 * No NUL in the text columns, which PostgreSQL's text cannot hold (the entry's JSON escapes it).
 */
function arbitraryFields(): fc.Arbitrary<AuditEntryFields> {
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replaceAll('\0', '')),
    fc.constantFrom(',"idx":0,"kind":', 'ü€𝄞', '"idx":', '\\"'),
  );
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const key = fc.oneof(fc.constantFrom('idx', 'kind', 'detail'), fc.string({ unit: 'grapheme', maxLength: 6 }));
  const detail: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
    node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('node')), { maxKeys: 4 }),
  })).node;
  return fc.record({
    at: text, actor: text, kind: text, outcome: fc.constantFrom('ok' as const, 'denied' as const),
    actorId: optional(fc.option(text)), source: optional(fc.option(text)), orderId: optional(fc.option(text)),
    revision: optional(fc.option(fc.integer())), hashBefore: optional(fc.option(text)), hashAfter: optional(fc.option(text)),
    detail: optional(detail),
  }).map((generated) => Object.fromEntries(Object.entries(generated).filter(([, value]) => value !== undefined)) as unknown as AuditEntryFields);
}

describe('canonicalAuditEntry', () => {
  it('writes exactly the canonical JSON of the entry record, whatever the fields hold', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const fields = fc.record({
      at: text, actor: text, kind: text, outcome: fc.constantFrom('ok' as const, 'denied' as const),
      actorId: optional(fc.option(text)), source: optional(fc.option(text)), orderId: optional(fc.option(text)),
      revision: optional(fc.option(fc.integer())), hashBefore: optional(fc.option(text)), hashAfter: optional(fc.option(text)),
      detail: optional(fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }))),
    });
    fc.assert(fc.property(fc.nat(), fields, (idx, generated) => {
      const given = Object.fromEntries(Object.entries(generated).filter(([, value]) => value !== undefined)) as unknown as AuditEntryFields;
      expect(canonicalAuditEntry(idx, given, canonicalJson(given.detail ?? {}))).toBe(canonicalJson(auditEntryRecord(idx, given)));
    }), { numRuns: 300 });
  });
});

describeEachEngine('appendAuditEntry', (engine) => {
  it('stores the canonical entry bytes and their RFC 9162 leaf hash', async () => {
    const store = engine.store();
    await append(store, {
      source: '10.0.0.7', orderId: 'o-1', revision: 2, hashBefore: 'aa', hashAfter: 'bb',
      detail: { number: 'PO-1', reason: 'rush', nested: { z: 1, a: [true, null] } },
    });
    const row = await store.db.selectFrom('audit_entries').selectAll().executeTakeFirstOrThrow();

    // Keys sorted, no whitespace, every field present (absent ones as null).
    expect(row.entry).toBe(
      '{"actor":"ada","actorId":"u-ada","at":"2025-03-01T08:00:00.000Z",' +
      '"detail":{"nested":{"a":[true,null],"z":1},"number":"PO-1","reason":"rush"},' +
      '"hashAfter":"bb","hashBefore":"aa","idx":0,"kind":"order.create","orderId":"o-1","outcome":"ok",' +
      '"revision":2,"source":"10.0.0.7"}',
    );
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(row.entry, 'utf8')])).digest('hex');
    expect(row.leaf_hash).toBe(expected);
    expect(auditLeafHash(row.entry)).toBe(expected);
    // Leaf 0 completes no subtree but itself: its row's Merkle nodes are the leaf hash alone.
    expect(row.nodes).toBe(expected);
    expect(row).toMatchObject({
      idx: 0, actor_id: 'u-ada', order_id: 'o-1', revision: 2, hash_before: 'aa', hash_after: 'bb',
      detail: '{"nested":{"a":[true,null],"z":1},"number":"PO-1","reason":"rush"}',
    });
  });

  it('stores exactly the row the JS append computes from the log before it, whatever the fields hold', async () => {
    const store = engine.store();
    await fc.assert(fc.asyncProperty(arbitraryFields(), async (fields) => {
      const { rows: tail } = await sql.raw<AuditTailRow>(AUDIT_APPEND_SQL.readTail).execute(store.db);
      const expected = auditEntryInsert(tail, fields);
      // SQLite answers the index; PostgreSQL too, unless another writer of the database held the
      // log's lock and the entry was queued, then given its index after the commit (null).
      expect(engine.kind === 'sqlite' ? [expected.idx] : [expected.idx, null]).toContain(await withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields)));
      const row = await store.db.selectFrom('audit_entries').selectAll().where('idx', '=', expected.idx).executeTakeFirstOrThrow();
      expect(ENTRY_COLUMNS.map((column) => row[column])).toEqual(expected.values);
    }), { numRuns: 70 });
  });

  it('writes null for what the caller leaves out', async () => {
    const store = engine.store();
    await append(store, { outcome: 'denied', actorId: null });
    const row = await store.db.selectFrom('audit_entries').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(row.entry)).toEqual({
      idx: 0, at: '2025-03-01T08:00:00.000Z', actorId: null, actor: 'ada', source: null, kind: 'order.create',
      outcome: 'denied', orderId: null, revision: null, hashBefore: null, hashAfter: null, detail: {},
    });
  });

  it('gives dense indices 0..49 to 50 concurrent appends', async () => {
    const store = engine.store();
    const given = await Promise.all(range(50).map((i) => append(store, { detail: { i } })));
    await expectGivenIndices(store, given);
    expect(await storedIndices(store)).toEqual(range(50));
    expect(await queuedEntries(store)).toBe(0);
  });

  it('gives dense indices when two stores (two pools, or two connections to one file) append at once', async () => {
    const first = engine.store();
    const second = await engine.openStore();
    const given = await Promise.all(range(50).map((i) => append(i % 2 === 0 ? first : second, { detail: { i } })));
    await expectGivenIndices(first, given);
    expect(await storedIndices(first)).toEqual(range(50));
    // Each entry is the one its caller wrote, once.
    const details = await first.db.selectFrom('audit_entries').select('detail').execute();
    expect(details.map((row) => (JSON.parse(row.detail) as { i: number }).i).sort((a, b) => a - b)).toEqual(range(50));
  });

  // PostgreSQL only: SQLite has one writer at a time by BEGIN IMMEDIATE, so one transaction left open holds every other.
  if (engine.kind === 'postgres') it('lets other changes commit while one transaction holds the log, and gives their queued entries the next indices', async () => {
    const store = engine.store();
    let commit = (): void => undefined;
    const held = new Promise<void>((resolve) => { commit = resolve; });
    let appended = (): void => undefined;
    const hasAppended = new Promise<void>((resolve) => { appended = resolve; });
    let holderIdx: number | null = null;
    const holder = withWriteTransaction(store, async (trx) => {
      holderIdx = await appendAuditEntry(trx, auditFields({ kind: 'first' }));
      appended();
      await held;
    });
    await hasAppended;
    // Other changes do not wait for the holder: their transactions commit (visible from another
    // connection) while it is open, their entries queued if it holds the log's lock.
    const others = Promise.all([append(store, { kind: 'second' }), append(store, { kind: 'third' })]);
    const committedOthers = async (table: 'audit_queue' | 'audit_entries'): Promise<number> => Number((await store.db.selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n')).where('kind', 'in', ['second', 'third']).executeTakeFirstOrThrow()).n);
    while (await committedOthers('audit_queue') + await committedOthers('audit_entries') < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    // The holder found the lock free (no other writer of this database held it) and appended in
    // place: it holds the log until it commits, so the others are queued, not yet in the log.
    if (holderIdx !== null) {
      expect(await committedOthers('audit_queue')).toBe(2);
      expect(await storedIndices(store)).toEqual([]);
    }
    commit();
    await holder;
    const given = await others;
    const rows = await store.db.selectFrom('audit_entries').select(['idx', 'kind']).orderBy('idx').execute();
    expect(rows.map((row) => row.idx)).toEqual([0, 1, 2]);
    expect(rows.map((row) => row.kind).sort()).toEqual(['first', 'second', 'third']);
    if (holderIdx !== null) expect(given).toEqual([null, null]);
    expect(await queuedEntries(store)).toBe(0);
  });

  if (engine.kind === 'postgres') it('sequences an entry whose sequencing a crash cut off before anyone reads the log, and keeps one the tree cannot take queued', async () => {
    const store = engine.store();
    await append(store, { kind: 'first' });
    // A change that committed its queued entry, then the process died before the sequencer ran.
    await store.db.insertInto('audit_queue').values(queueRow(auditFields({ kind: 'orphan' }))).execute();
    expect(await queuedEntries(store)).toBe(1);
    expect(await catchUpAuditLookup(store)).toBe(2);
    expect(await store.db.selectFrom('audit_entries').select(['idx', 'kind']).orderBy('idx').execute()).toEqual([{ idx: 0, kind: 'first' }, { idx: 1, kind: 'orphan' }]);
    expect(await queuedEntries(store)).toBe(0);

    // Entry 3 needs the leaf of entry 2 as its left sibling: cut it, and a queued entry stays queued.
    await append(store, { kind: 'third' });
    await store.db.updateTable('audit_entries').set({ nodes: '' }).where('idx', '=', 2).execute();
    await store.db.insertInto('audit_queue').values(queueRow(auditFields({ kind: 'fourth' }))).execute();
    await expect(catchUpAuditLookup(store)).rejects.toThrow('audit tree node 0/2 is missing');
    expect(await storedIndices(store)).toEqual([0, 1, 2]);
    expect(await queuedEntries(store)).toBe(1);
  });

  it('leaves no entry when the transaction throws after appending, and reuses the index', async () => {
    const store = engine.store();
    await append(store);
    const failure = new Error('change failed after its audit entry');
    await expect(withWriteTransaction(store, async (trx) => {
      expect(engine.kind === 'sqlite' ? [1] : [1, null]).toContain(await appendAuditEntry(trx, auditFields({ kind: 'order.update' })));
      throw failure;
    })).rejects.toBe(failure);
    expect(await storedIndices(store)).toEqual([0]);
    expect(await queuedEntries(store)).toBe(0);
    await append(store);
    expect(await storedIndices(store)).toEqual([0, 1]);
  });

  it('keeps indices dense when a concurrent transaction between two others appends and then fails', async () => {
    const store = engine.store();
    const failure = new Error('b failed after its audit entry');
    const [a, b, c] = await Promise.allSettled([
      append(store, { kind: 'a' }),
      withWriteTransaction(store, async (trx) => {
        await appendAuditEntry(trx, auditFields({ kind: 'b' }));
        throw failure;
      }),
      append(store, { kind: 'c' }),
    ]);
    expect(b).toEqual({ status: 'rejected', reason: failure });
    const rows = await store.db.selectFrom('audit_entries').select(['idx', 'kind']).orderBy('idx').execute();
    // SQLite runs the three in one transaction in call order; PostgreSQL in whatever order they take the lock.
    if (engine.kind === 'sqlite') {
      expect([a, c]).toEqual([{ status: 'fulfilled', value: 0 }, { status: 'fulfilled', value: 1 }]);
      expect(rows).toEqual([{ idx: 0, kind: 'a' }, { idx: 1, kind: 'c' }]);
    } else {
      expect(rows.map((r) => r.idx)).toEqual([0, 1]);
      expect(rows.map((r) => r.kind).sort()).toEqual(['a', 'c']);
    }
    await append(store, { kind: 'd' });
    expect(await store.db.selectFrom('audit_entries').select('kind').where('idx', '=', 2).executeTakeFirst()).toEqual({ kind: 'd' });
  });

  it('refuses a detail that is not plain JSON and writes nothing', async () => {
    const store = engine.store();
    await expect(append(store, { detail: { amount: 10n } })).rejects.toThrow(/bigint/);
    expect(await storedIndices(store)).toEqual([]);
  });

  it('refuses to append outside a transaction opened by withWriteTransaction', async () => {
    const store = engine.store();
    await expect(appendAuditEntry(store.db, auditFields())).rejects.toThrow(/withWriteTransaction/);
    await expect(store.db.transaction().execute((trx) => appendAuditEntry(trx, auditFields())))
      .rejects.toThrow(/withWriteTransaction/);
    expect(await storedIndices(store)).toEqual([]);
  });

  it('refuses an outcome outside ok and denied', async () => {
    await expect(append(engine.store(), { outcome: 'maybe' as 'ok' })).rejects.toThrow(/outcome/);
  });
});
