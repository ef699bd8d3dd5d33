/** The role confirmation's list of what a save adds and removes (web/src/admin/role-changes.ts). */
import { describe, expect, it } from 'vitest';
import { roleChanges } from '../../web/src/admin/role-changes.js';

describe('roleChanges', () => {
  it('lists a role moved to another scope as one added and one removed', () => {
    expect(roleChanges([{ role: 'operator', scopeNodeId: 'wc-mill' }], [{ role: 'operator', scopeNodeId: 'machining' }])).toEqual({
      added: [{ role: 'operator', scopeNodeId: 'machining' }],
      removed: [{ role: 'operator', scopeNodeId: 'wc-mill' }],
    });
  });

  it('tells an enterprise-wide role from the same role in a node, and lists nothing for roles kept', () => {
    const kept = { role: 'planner', scopeNodeId: null } as const;
    expect(roleChanges([kept, { role: 'auditor', scopeNodeId: null }], [kept, { role: 'auditor', scopeNodeId: 'site' }])).toEqual({
      added: [{ role: 'auditor', scopeNodeId: 'site' }],
      removed: [{ role: 'auditor', scopeNodeId: null }],
    });
    expect(roleChanges([kept], [kept])).toEqual({ added: [], removed: [] });
  });
});
