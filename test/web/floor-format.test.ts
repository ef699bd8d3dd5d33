/**
 * The floor screens' helpers (web/src/floor) against the server's own rules: material needs are
 * summed exactly as the server adds decimals, every order state has a name, and a role's scope
 * reaches the work centers the policy lets it read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATES, addDecimals } from '../../src/domain/index.js';
import { stateName, sumDecimals } from '../../web/src/floor/floor-format.js';
import type { PlantNode } from '../../web/src/floor/floor-types.js';
import { workCentersFor } from '../../web/src/floor/work-centers.js';

/** Decimal strings as the API writes them: up to 15 digits and 6 decimals, no sign. */
const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 999_999_999n }), fc.integer({ min: 0, max: 6 }))
  .map(([digits, scale]) => {
    const text = digits.toString().padStart(scale + 1, '0');
    return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  });

describe('the floor screens\' helpers', () => {
  it('sums material quantities exactly as the server adds decimals', () => {
    fc.assert(fc.property(fc.array(decimal, { minLength: 1, maxLength: 8 }), (values) => sumDecimals(values) === addDecimals(...values)));
    expect(sumDecimals(['12.5', '0.25', '7'])).toBe('19.75');
  });

  it('names every order state the server has', () => {
    for (const state of ORDER_STATES) expect(stateName(state)).not.toBe(state);
  });

  it('finds the work centers an operator\'s scopes reach: their own, those under an area, or all when enterprise-wide', () => {
    const node = (id: string, kind: string, path: string[]): PlantNode => ({ id, kind, code: id, name: id, parentId: path.at(-2) ?? null, path });
    const nodes = [node('mill', 'work-center', ['acme', 'berlin', 'machining', 'mill']), node('lathe', 'work-center', ['acme', 'berlin', 'machining', 'lathe']), node('press', 'work-center', ['acme', 'lyon', 'assembly', 'press'])];
    const ids = (found: PlantNode[]) => found.map((center) => center.id);
    expect(ids(workCentersFor(nodes, [{ role: 'operator', scopeNodeId: 'mill' }], 'operator'))).toEqual(['mill']);
    expect(ids(workCentersFor(nodes, [{ role: 'operator', scopeNodeId: 'machining' }], 'operator'))).toEqual(['mill', 'lathe']);
    expect(ids(workCentersFor(nodes, [{ role: 'operator', scopeNodeId: null }], 'operator'))).toEqual(['mill', 'lathe', 'press']);
    // Another role's scope gives an operator no board.
    expect(workCentersFor(nodes, [{ role: 'quality', scopeNodeId: null }], 'operator')).toEqual([]);
  });
});
