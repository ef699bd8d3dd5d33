/**
 * The planner's editor and diff (web/src/orders) against the server's own order schemas: the
 * body the editor sends is what the API takes, an edit without the confidential fields leaves
 * them out, and revisions compare field by field with lists matched by seq and line.
 */
import { describe, expect, it } from 'vitest';
import { ORDER_STATES, PRIORITIES, orderDraftInputSchema, orderEditSchema } from '../../src/domain/index.js';
import { diffContents } from '../../web/src/orders/content-diff.js';
import { bodyOf, emptyForm, formOf } from '../../web/src/orders/order-form.js';
import { ORDER_STATES as WEB_STATES, PRIORITIES as WEB_PRIORITIES, type OrderContent } from '../../web/src/orders/order-types.js';

const CONTENT: OrderContent = {
  number: 'PO-1',
  item: { code: 'GEAR-12', revision: 'A' },
  quantity: { value: '100', unit: 'pcs' },
  dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
  priority: 'normal',
  workCenterId: '3034cd91-5038-4639-b90b-f58d72580588',
  operations: [{ seq: 10, code: 'SAW', description: 'Cut' }, { seq: 20, code: 'MILL', description: 'Mill teeth' }],
  materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 }],
  attachments: [],
  notes: null,
  parameters: { recipe: 'R-1', setpoints: [{ name: 'spindle', value: '1200', unit: 'rpm' }] },
  customerReference: 'CUST-1',
};

describe('the order editor and revision diff in the browser', () => {
  it('knows the server\'s states and priorities, in order', () => {
    expect(WEB_STATES).toEqual(ORDER_STATES);
    expect(WEB_PRIORITIES).toEqual(PRIORITIES);
  });

  it('sends back a loaded revision unchanged, as the API\'s edit and create schemas take it', () => {
    const body = bodyOf(formOf(CONTENT), true);
    const edit = orderEditSchema.parse(body);
    expect(edit).toMatchObject({ quantity: CONTENT.quantity, operations: CONTENT.operations, materials: CONTENT.materials, parameters: CONTENT.parameters, customerReference: 'CUST-1' });
    expect(new Date(edit.dueWindow?.end ?? '').toISOString()).toBe('2026-12-03T18:00:00.000Z');
    expect(orderDraftInputSchema.safeParse({ number: 'PO-2', ...body }).success).toBe(true);
  });

  it('leaves the recipe and customer out of an edit made without them, so they stay as stored', () => {
    const body = bodyOf(formOf({ ...CONTENT, parameters: undefined, customerReference: undefined }), false);
    expect(body).not.toHaveProperty('parameters');
    expect(body).not.toHaveProperty('customerReference');
  });

  it('passes text typed into a number field on as typed, for the server to refuse with its message', () => {
    const form = { ...emptyForm(), operations: [{ seq: 'ten', code: 'MILL', description: 'Mill' }], quantity: 'abc' };
    const body = bodyOf(form, false) as { operations: { seq: unknown }[]; quantity: { value: unknown } };
    expect(body.operations[0]?.seq).toBe('ten');
    expect(body.quantity.value).toBe('abc');
    expect(orderEditSchema.safeParse(body).success).toBe(false);
  });

  it('compares revisions field by field, matching operations by seq and materials by line', () => {
    const after: OrderContent = {
      ...CONTENT,
      quantity: { value: '150', unit: 'pcs' },
      operations: [{ seq: 20, code: 'MILL', description: 'Mill teeth' }],
      materials: [{ ...CONTENT.materials[0]!, line: 1, quantity: { value: '13', unit: 'kg' } }],
    };
    const changed = diffContents(CONTENT, after).filter((row) => row.changed).map((row) => [row.path, row.left, row.right]);
    expect(changed).toEqual([
      ['quantity.value', '100', '150'],
      ['materials[line 1].quantity.value', '12.5', '13'],
      ['operations[seq 10].seq', '10', undefined],
      ['operations[seq 10].code', 'SAW', undefined],
      ['operations[seq 10].description', 'Cut', undefined],
    ]);
    expect(diffContents(undefined, CONTENT).every((row) => row.changed && row.left === undefined)).toBe(true);
  });
});
