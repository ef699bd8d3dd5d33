import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SITE_POLICY, MFA_REQUIRED_ROLES, accountKey, findRoleConflict, mfaRequiredFor, sitePolicyProblems, sitePolicySchema, sourceKey,
  type SitePolicy,
} from '../../src/access/index.js';
import { ROLES } from '../../src/domain/index.js';

// enterprise > site-a > wc-a, and site-b beside it.
const PATHS: Record<string, string[]> = { 'site-a': ['ent', 'site-a'], 'wc-a': ['ent', 'site-a', 'wc-a'], 'site-b': ['ent', 'site-b'] };
const pathOf = (id: string) => PATHS[id] ?? [id];
const planningPolicy: SitePolicy = { ...DEFAULT_SITE_POLICY, conflictingRoles: [['planner', 'approver']] };

describe('the site policy', () => {
  it('is valid by default and requires MFA of approvers, quality, admins and auditors only', () => {
    expect(sitePolicySchema.parse(DEFAULT_SITE_POLICY)).toEqual(DEFAULT_SITE_POLICY);
    expect(sitePolicyProblems(DEFAULT_SITE_POLICY)).toEqual([]);
    expect(MFA_REQUIRED_ROLES).toEqual(['approver', 'quality', 'admin', 'auditor']);
    const required = ROLES.filter((role) => mfaRequiredFor(DEFAULT_SITE_POLICY, [{ role }]));
    expect(required.sort()).toEqual(['admin', 'approver', 'auditor', 'quality']);
    expect(mfaRequiredFor(DEFAULT_SITE_POLICY, [{ role: 'planner' }, { role: 'quality' }])).toBe(true);
    expect(ROLES.every((role) => mfaRequiredFor({ ...DEFAULT_SITE_POLICY, mfaRequiredForAll: true }, [{ role }]))).toBe(true);
  });

  it('finds conflicting roles only where their scopes overlap', () => {
    const conflict = (assignments: { role: 'planner' | 'approver' | 'operator'; scopeNodeId: string | null }[]) => findRoleConflict(planningPolicy, assignments, pathOf);
    expect(conflict([{ role: 'planner', scopeNodeId: null }, { role: 'approver', scopeNodeId: 'site-b' }])).toEqual({ roles: ['planner', 'approver'], scopes: [null, 'site-b'] });
    expect(conflict([{ role: 'planner', scopeNodeId: 'wc-a' }, { role: 'approver', scopeNodeId: 'site-a' }])).not.toBeNull();
    expect(conflict([{ role: 'approver', scopeNodeId: 'wc-a' }, { role: 'planner', scopeNodeId: 'site-a' }])).not.toBeNull();
    expect(conflict([{ role: 'planner', scopeNodeId: 'site-a' }, { role: 'approver', scopeNodeId: 'site-b' }])).toBeNull();
    expect(conflict([{ role: 'planner', scopeNodeId: null }, { role: 'operator', scopeNodeId: null }])).toBeNull();
    expect(findRoleConflict(DEFAULT_SITE_POLICY, [{ role: 'planner', scopeNodeId: null }, { role: 'approver', scopeNodeId: null }], pathOf)).toBeNull();
  });

  it('names settings that contradict each other', () => {
    expect(sitePolicyProblems({ ...DEFAULT_SITE_POLICY, lockoutMinutes: 60, lockoutMaxMinutes: 30 })).toEqual([{ path: 'lockoutMaxMinutes', message: 'must be at least lockoutMinutes' }]);
    expect(sitePolicyProblems({ ...DEFAULT_SITE_POLICY, sessionIdleMinutes: 120, sessionAbsoluteHours: 1 })).toEqual([{ path: 'sessionIdleMinutes', message: 'must not exceed sessionAbsoluteHours' }]);
  });
});

describe('sign-in throttle keys', () => {
  it('folds the case of usernames and counts IPv6 sources per /64', () => {
    expect(accountKey('Alan.Approver')).toBe(accountKey('alan.approver'));
    expect(sourceKey('192.0.2.7')).toBe('source:192.0.2.7');
    expect(sourceKey('::ffff:192.0.2.7')).toBe('source:192.0.2.7');
    expect(sourceKey('2001:db8:a:b:1:2:3:4')).toBe('source:2001:db8:a:b::/64');
    expect(sourceKey('2001:DB8:A:B::9')).toBe('source:2001:db8:a:b::/64');
    expect(sourceKey('2001:db8::1')).toBe('source:2001:db8:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('source:fe80:0:0:0::/64');
    expect(sourceKey('::1')).toBe('source:0:0:0:0::/64');
    expect(sourceKey('not an address')).toBe('source:not an address');
  });
});
