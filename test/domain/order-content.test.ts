import { describe, expect, it } from 'vitest';
import { orderContentSchema, orderDraftInputSchema, plantDescriptionSchema, flattenPlant } from '../../src/domain/index.js';

const valid = {
  number: 'PO-1',
  item: { code: 'GEAR-12', revision: 'A' },
  quantity: { value: '100.50', unit: 'pcs' },
  dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00+01:00' },
  workCenterId: '6f1c1b8e-7c55-4d0a-9a57-0b6f5b7c1e11',
  operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
};

describe('order content', () => {
  it('fills defaults and normalises quantities', () => {
    const parsed = orderDraftInputSchema.parse(valid);
    expect(parsed).toMatchObject({ priority: 'normal', materials: [], parameters: { recipe: null, setpoints: [] }, customerReference: null, notes: null });
    expect(parsed.quantity.value).toBe('100.5');
    expect(orderContentSchema.safeParse(parsed).success).toBe(true);
  });

  it('rejects unknown fields, float quantities and reversed due windows', () => {
    expect(orderDraftInputSchema.safeParse({ ...valid, extra: 1 }).success).toBe(false);
    expect(orderDraftInputSchema.safeParse({ ...valid, quantity: { value: 100.5, unit: 'pcs' } }).success).toBe(false);
    expect(orderDraftInputSchema.safeParse({ ...valid, quantity: { value: '0', unit: 'pcs' } }).success).toBe(false);
    expect(orderDraftInputSchema.safeParse({ ...valid, dueWindow: { start: '2026-12-04T00:00:00Z', end: '2026-12-01T00:00:00Z' } }).success).toBe(false);
  });

  it('rejects text that could mislead a reader: bidi overrides, control characters, non-NFC', () => {
    for (const description of ['Mill \u202Eteeth', 'Mill\u0000', 'Cafe\u0301', '\u200Bzero width']) {
      expect(orderDraftInputSchema.safeParse({ ...valid, operations: [{ seq: 10, code: 'MILL', description }] }).success, JSON.stringify(description)).toBe(false);
    }
    expect(orderDraftInputSchema.safeParse({ ...valid, number: "PO-1'; DROP TABLE orders;--" }).success).toBe(false);
  });

  it('rejects duplicate routing steps and materials pointing at missing steps', () => {
    expect(orderDraftInputSchema.safeParse({ ...valid, operations: [valid.operations[0], valid.operations[0]] }).success).toBe(false);
    const material = { line: 1, itemCode: 'STEEL', quantity: { value: '1', unit: 'kg' }, lotTracked: false, operationSeq: 99 };
    expect(orderDraftInputSchema.safeParse({ ...valid, materials: [material] }).success).toBe(false);
  });
});

describe('plant descriptions', () => {
  it('flattens parents first with their levels', () => {
    const description = plantDescriptionSchema.parse({ enterprise: { code: 'acme', name: 'ACME', sites: [{ code: 's1', name: 'S1', children: [{ code: 'a1', name: 'A1', children: [{ code: 'wc1', name: 'WC1' }] }] }] } });
    const flat = flattenPlant(description);
    expect('nodes' in flat && flat.nodes.map((node) => `${node.kind}:${node.codePath.join('/')}`)).toEqual(['enterprise:acme', 'site:acme/s1', 'area:acme/s1/a1', 'work-center:acme/s1/a1/wc1']);
  });

  it('refuses nesting below a work unit and repeated sibling codes', () => {
    const deep = { code: 'wu', name: 'WU', children: [{ code: 'x', name: 'X' }] };
    const tooDeep = plantDescriptionSchema.parse({ enterprise: { code: 'e', name: 'E', sites: [{ code: 's', name: 'S', children: [{ code: 'a', name: 'A', children: [{ code: 'w', name: 'W', children: [deep] }] }] }] } });
    expect(flattenPlant(tooDeep)).toHaveProperty('error');
    const twice = plantDescriptionSchema.parse({ enterprise: { code: 'e', name: 'E', sites: [{ code: 's', name: 'S' }, { code: 's', name: 'S2' }] } });
    expect(flattenPlant(twice)).toEqual({ error: 'e: code s appears twice' });
  });
});
