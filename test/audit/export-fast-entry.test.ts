import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportEntryLine, formatExportLine } from '../../src/audit/index.js';
import { fastEntryLeaf } from '../../src/audit/export-fast-entry.js';
import { canonicalJson } from '../../src/crypto/index.js';

const entryFields = fc.record({
  idx: fc.nat({ max: 1000 }),
  at: fc.constant('2026-11-26T08:00:00.000Z'),
  actorId: fc.option(fc.uuid(), { nil: null }),
  actor: fc.string({ minLength: 1, maxLength: 12 }),
  source: fc.option(fc.constant('127.0.0.1'), { nil: null }),
  kind: fc.constantFrom('order.create', 'order.release', 'session.create'),
  outcome: fc.constantFrom('ok', 'denied'),
  orderId: fc.option(fc.uuid(), { nil: null }),
  revision: fc.option(fc.nat({ max: 50 }), { nil: null }),
  hashBefore: fc.constant(null),
  hashAfter: fc.constant(null),
  detail: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
});

describe('the export verifier fast path', () => {
  it('takes the lines formatExportLine writes for ordinary entries', () => {
    const fields = { idx: 7, at: '2026-11-26T08:00:00.000Z', actorId: null, actor: 'pia', source: '10.0.0.1', kind: 'order.release', outcome: 'ok', orderId: null, revision: 2, hashBefore: 'ab', hashAfter: 'ab', detail: { meaning: 'approved for production', lots: [{ lot: 'HEAT-1', quantity: '2.5' }] } };
    const entry = canonicalJson(fields);
    const line = formatExportLine(exportEntryLine(7, entry)).trimEnd();
    expect(fastEntryLeaf(line, 7)?.toString('utf8')).toBe(entry);
    expect(fastEntryLeaf(line, 8)).toBeUndefined();
    expect(fastEntryLeaf(line.replace('"actor":"pia"', '"actor":"eve"'), 7)).toBeUndefined();
  });

  it('proves exactly what the exact path proves: the fields text is the leaf, canonical, with idx = index', () => {
    fc.assert(
      fc.property(entryFields, fc.nat({ max: 400 }), fc.string({ maxLength: 3 }), (fields, at, insert) => {
        const entry = canonicalJson(fields);
        const line = formatExportLine(exportEntryLine(fields.idx, entry)).trimEnd();
        const intact = fastEntryLeaf(line, fields.idx);
        if (intact) expect(intact.toString('utf8')).toBe(entry);
        // Any mutation the fast path still accepts must be a line whose fields are exactly its leaf.
        const mutated = line.slice(0, at) + insert + line.slice(at);
        const accepted = fastEntryLeaf(mutated, fields.idx);
        if (accepted) {
          const parsed = JSON.parse(mutated) as { index: number; leaf: string; fields: { idx: number } };
          expect(parsed.index).toBe(fields.idx);
          expect(parsed.fields.idx).toBe(fields.idx);
          expect(Buffer.from(parsed.leaf, 'base64').equals(accepted)).toBe(true);
          expect(canonicalJson(parsed.fields)).toBe(accepted.toString('utf8'));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
