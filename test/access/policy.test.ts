import { describe, expect, it } from 'vitest';
import { ACTIONS, ROLE_PERMISSIONS, can, type Action, type Resource, type Subject } from '../../src/access/index.js';
import { ROLES, type OrderState, type Role } from '../../src/domain/index.js';

const SITE_A = 'site-a';
const WC_A = 'wc-a';
const orderAt = (state: OrderState, authorIds: string[] = ['author']): Resource => ({
  kind: 'order',
  scopePath: ['enterprise', SITE_A, 'area-a', WC_A],
  state,
  authorIds,
});
const subject = (roles: { role: Role; scopeNodeId?: string | null }[], userId = 'someone'): Subject => ({
  userId,
  username: userId,
  roles: roles.map(({ role, scopeNodeId }) => ({ role, scopeNodeId: scopeNodeId ?? null })),
  passwordMustChange: false,
});

describe('can(subject, action, resource)', () => {
  it('denies by default: no role, no permission', () => {
    for (const action of ACTIONS) expect(can(subject([]), action, { kind: 'system' }).allowed).toBe(false);
  });

  it('allows exactly the permission table for enterprise-wide roles on a submitted order of someone else', () => {
    for (const role of ROLES) {
      for (const action of ACTIONS) {
        const expected = ROLE_PERMISSIONS[role].includes(action) && !(role === 'admin' && action === 'order.release');
        expect(can(subject([{ role }]), action, orderAt('submitted')).allowed, `${role} ${action}`).toBe(expected);
      }
    }
  });

  it('keeps admins and auditors away from production actions', () => {
    const production: Action[] = ['order.create', 'order.edit', 'order.submit', 'order.release', 'order.start', 'order.complete', 'order.hold', 'order.cancel'];
    for (const action of production) {
      expect(can(subject([{ role: 'admin' }]), action, orderAt('submitted')).allowed).toBe(false);
      expect(can(subject([{ role: 'auditor' }]), action, orderAt('submitted')).allowed).toBe(false);
    }
    expect(can(subject([{ role: 'logistics' }]), 'order.read-confidential', orderAt('released')).allowed).toBe(false);
  });

  it('forbids releasing an order you authored, and any release by someone who is also an admin', () => {
    expect(can(subject([{ role: 'approver' }], 'author'), 'order.release', orderAt('submitted'))).toMatchObject({ allowed: false, code: 'separation-of-duties' });
    expect(can(subject([{ role: 'approver' }, { role: 'admin' }]), 'order.release', orderAt('submitted'))).toMatchObject({ allowed: false, code: 'separation-of-duties' });
    expect(can(subject([{ role: 'approver' }]), 'order.release', orderAt('submitted')).allowed).toBe(true);
  });

  it('lets only approvers cancel once an order is released', () => {
    expect(can(subject([{ role: 'planner' }]), 'order.cancel', orderAt('draft')).allowed).toBe(true);
    for (const state of ['released', 'dispatched', 'running', 'paused', 'held'] as const) {
      expect(can(subject([{ role: 'planner' }]), 'order.cancel', orderAt(state)).allowed).toBe(false);
      expect(can(subject([{ role: 'approver' }]), 'order.cancel', orderAt(state)).allowed).toBe(true);
    }
  });

  it('applies a scoped role only on its part of the plant', () => {
    expect(can(subject([{ role: 'planner', scopeNodeId: SITE_A }]), 'order.edit', orderAt('draft')).allowed).toBe(true);
    expect(can(subject([{ role: 'planner', scopeNodeId: 'site-b' }]), 'order.edit', orderAt('draft')).allowed).toBe(false);
    expect(can(subject([{ role: 'operator', scopeNodeId: WC_A }]), 'order.start', orderAt('dispatched')).allowed).toBe(true);
    expect(can(subject([{ role: 'planner', scopeNodeId: 'site-b' }]), 'plant.read', { kind: 'system' }).allowed).toBe(true);
  });

  it('allows nothing but a password change while the one-time password is in use', () => {
    const fresh = { ...subject([{ role: 'admin' }]), passwordMustChange: true };
    expect(can(fresh, 'user.manage', { kind: 'system' })).toMatchObject({ allowed: false, code: 'password-change-required' });
  });
});
