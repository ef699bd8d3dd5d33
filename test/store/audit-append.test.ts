import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/index.js';
import { sql } from 'kysely';
import {
  appendAuditEntry, AUDIT_APPEND_SQL, auditEntryInsert, auditEntryRecord, auditLeafHash, canonicalAuditEntry, withWriteTransaction,
  type AuditEntryFields, type AuditTailRow, type Store,
} from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';

/** A valid audit event; tests override what they look at. */
function auditFields(overrides: Partial<AuditEntryFields> = {}): AuditEntryFields {
  return { at: '2025-03-01T08:00:00.000Z', actor: 'ada', actorId: 'u-ada', kind: 'order.create', outcome: 'ok', ...overrides };
}

function append(store: Store, overrides: Partial<AuditEntryFields> = {}): Promise<number> {
  return withWriteTransaction(store, (trx) => appendAuditEntry(trx, auditFields(overrides)));
}

async function storedIndices(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('audit_entries').select('idx').orderBy('idx').execute();
  return rows.map((r) => r.idx);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

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
      expect(await withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields))).toBe(expected.idx);
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
    expect([...given].sort((a, b) => a - b)).toEqual(range(50));
    expect(await storedIndices(store)).toEqual(range(50));
  });

  it('gives dense indices when two stores (two pools, or two connections to one file) append at once', async () => {
    const first = engine.store();
    const second = await engine.openStore();
    const given = await Promise.all(range(50).map((i) => append(i % 2 === 0 ? first : second, { detail: { i } })));
    expect([...given].sort((a, b) => a - b)).toEqual(range(50));
    expect(await storedIndices(first)).toEqual(range(50));
  });

  // PostgreSQL only: SQLite has one writer at a time by BEGIN IMMEDIATE, so there is no lock to wait on.
  if (engine.kind === 'postgres') it('gives the next index to a writer that waited on the lock while its holder appended and committed', async () => {
    const store = engine.store();
    let commit = (): void => undefined;
    const held = new Promise<void>((resolve) => { commit = resolve; });
    const holder = withWriteTransaction(store, async (trx) => {
      const idx = await appendAuditEntry(trx, auditFields({ kind: 'first' }));
      await held;
      return idx;
    });
    // Wait until the holder has the lock, then until the waiter queues on it.
    const waiting = async (granted: boolean) => {
      for (;;) {
        const { rows } = await sql<{ n: number }>`select count(*) as n from pg_locks where locktype = 'advisory' and granted = ${granted}`.execute(store.db);
        if (Number(rows[0]?.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await waiting(true);
    const waiter = append(store, { kind: 'second' });
    await waiting(false);
    commit();
    expect([await holder, await waiter]).toEqual([0, 1]);
    expect(await storedIndices(store)).toEqual([0, 1]);
  });

  it('leaves no entry when the transaction throws after appending, and reuses the index', async () => {
    const store = engine.store();
    await append(store);
    const failure = new Error('change failed after its audit entry');
    await expect(withWriteTransaction(store, async (trx) => {
      expect(await appendAuditEntry(trx, auditFields({ kind: 'order.update' }))).toBe(1);
      throw failure;
    })).rejects.toBe(failure);
    expect(await storedIndices(store)).toEqual([0]);
    expect(await append(store)).toBe(1);
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
    expect(await append(store, { kind: 'd' })).toBe(2);
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
