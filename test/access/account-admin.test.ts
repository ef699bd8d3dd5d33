import { beforeEach, expect, it } from 'vitest';
import { DEFAULT_SITE_POLICY, type Actor } from '../../src/access/index.js';
import { SETUP_ADMIN, TEST_PASSWORD, createWorld, type TestWorld } from '../support/factories.js';
import { describeEachEngine } from '../support/engines.js';
import { auditLines, expectCode } from './access-test-kit.js';

describeEachEngine('account administration', (engine) => {
  let world: TestWorld;
  let admin: Actor;
  const login = (username: string, password = TEST_PASSWORD) => world.services.sessions.login({ username, password, source: '10.0.0.5' });
  const alive = async (token: string) => (await world.services.sessions.authenticate(token)) !== null;
  /** The actor of a request that came with `token`, as the server resolves it. */
  const actorWith = async (token: string): Promise<Actor> => {
    const subject = await world.services.sessions.authenticate(token);
    if (subject === null) throw new Error('the session is not live');
    return { subject, source: '10.0.0.5' };
  };
  const newUser = (username: string, password: string, roles: { role: string; scopeNodeId?: string | null }[] = [{ role: 'planner' }]) =>
    world.services.users.add(admin, { username, displayName: username, password, roles, temporaryPassword: false });

  beforeEach(async () => {
    world = await createWorld(engine.store());
    admin = await world.user('root.admin', ['admin']);
  });

  it('refuses common, breached and name-bearing passwords wherever one is set, saying why', async () => {
    const common = await expectCode(newUser('nina.new', 'password1234'), 'password-rejected');
    expect(common.message).toMatch(/common or breached/);
    expect(common).toMatchObject({ problems: [{ path: 'password' }], extensions: { problem: 'common' } });
    await expectCode(newUser('nina.new', 'nina.new is my password'), 'password-rejected');
    await expectCode(newUser('nina.new', 'short'), 'validation-failed');
    expect(await engine.store().db.selectFrom('users').select('id').where('username', '=', 'nina.new').executeTakeFirst()).toBeUndefined();
    await newUser('nina.new', 'fennel lantern quarry 7');

    const nina = { subject: { userId: (await world.services.users.list(admin)).find((u) => u.username === 'nina.new')?.id ?? '', username: 'nina.new', roles: [], passwordMustChange: false }, source: '10.0.0.5' };
    await expectCode(world.services.users.changeOwnPassword(nina, { currentPassword: 'fennel lantern quarry 7', newPassword: 'qwertyuiop123!' }), 'password-rejected');
    await expectCode(world.services.users.bootstrapAdmin('admin', 'admin admin admin', true), 'password-rejected');
  });

  it('ends the other sessions of a user who changes their password, and every session on a role change or disable', async () => {
    await world.user('pia.planner', ['planner']);
    const [one, two, three] = [await login('pia.planner'), await login('pia.planner'), await login('pia.planner')];
    await world.services.users.changeOwnPassword(await actorWith(one.token), { currentPassword: TEST_PASSWORD, newPassword: 'a fresh planning passphrase' });
    expect([await alive(one.token), await alive(two.token), await alive(three.token)]).toEqual([true, false, false]);
    await expectCode(login('pia.planner'), 'invalid-credentials');

    const four = await login('pia.planner', 'a fresh planning passphrase');
    const changed = await world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'planner', scopeNodeId: world.node('berlin').id }, { role: 'operator', scopeNodeId: null }] });
    expect(changed.roles).toEqual([{ role: 'operator', scopeNodeId: null }, { role: 'planner', scopeNodeId: world.node('berlin').id }]);
    expect([await alive(one.token), await alive(four.token)]).toEqual([false, false]);
    const five = await login('pia.planner', 'a fresh planning passphrase');
    await world.services.users.disable(admin, 'pia.planner');
    expect(await alive(five.token)).toBe(false);

    const revoked = await engine.store().db.selectFrom('sessions').select('revoked_reason').orderBy('created_at').orderBy('revoked_reason').execute();
    expect(revoked.map((row) => row.revoked_reason).sort()).toEqual(['password-change', 'password-change', 'role-change', 'role-change', 'user-disabled']);
    const entries = await auditLines(engine.store(), 'user.password-change', 'user.role-change', 'user.disable');
    expect(entries.map((entry) => [entry.kind, entry.detail.sessionsRevoked])).toEqual([['user.password-change', 2], ['user.role-change', 2], ['user.disable', 1]]);
    expect(entries[1]?.detail).toMatchObject({ username: 'pia.planner', before: [{ role: 'planner', scopeNodeId: null }], after: [...changed.roles].reverse() });
  });

  it('refuses role changes to oneself, by non-admins, to unknown scopes, and against the conflicting roles of the policy', async () => {
    const pia = await world.user('pia.planner', ['planner']);
    await expectCode(world.services.users.setRoles(admin, 'root.admin', { roles: [{ role: 'auditor' }] }), 'forbidden');
    await expectCode(world.services.users.setRoles(pia, 'pia.planner', { roles: [{ role: 'approver' }] }), 'forbidden');
    await expectCode(world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'planner', scopeNodeId: '00000000-0000-4000-8000-00000000abcd' }] }), 'unknown-reference');
    await expectCode(world.services.users.setRoles(admin, 'pia.planner', { roles: [] }), 'validation-failed');
    await expectCode(world.services.users.setRoles(admin, 'ghost', { roles: [{ role: 'planner' }] }), 'not-found');
    // The default forbids admin with auditor, wherever the two meet.
    const clash = await expectCode(world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'admin' }, { role: 'auditor', scopeNodeId: world.node('lyon').id }] }), 'role-conflict');
    expect(clash.message).toBe(`the site policy forbids holding admin (enterprise-wide) together with auditor (on ${world.node('lyon').id})`);
    await expectCode(newUser('ivy.insider', 'fennel lantern quarry 7', [{ role: 'auditor' }, { role: 'admin' }]), 'role-conflict');
    // Planner with approver is allowed by default (self-release is refused by the order service anyway)...
    await world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'planner' }, { role: 'approver' }] });
    // ...until the site forbids it; then only scopes that do not overlap are fine.
    await world.services.policy.update(admin, { conflictingRoles: [['planner', 'approver'], ['admin', 'auditor']] });
    await expectCode(world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'planner', scopeNodeId: world.node('berlin').id }, { role: 'approver', scopeNodeId: world.node('wc-mill').id }] }), 'role-conflict');
    await world.services.users.setRoles(admin, 'pia.planner', { roles: [{ role: 'planner', scopeNodeId: world.node('berlin').id }, { role: 'approver', scopeNodeId: world.node('lyon').id }] });
    const entries = await auditLines(engine.store(), 'user.role-change');
    expect(entries.map((entry) => [entry.actor, entry.outcome])).toEqual([['pia.planner', 'denied'], ['root.admin', 'ok'], ['root.admin', 'ok']]);
  });

  it('keeps the site policy: defaults, admin-only changes audited with before and after, bounds, and users left in conflict', async () => {
    const ada = await world.user('ada.auditor', ['auditor']);
    const pia = await world.user('pia.planner', ['planner']);
    await world.user('bea.both', ['planner', 'approver']);
    expect(await world.services.policy.read(ada)).toEqual(DEFAULT_SITE_POLICY);
    await expectCode(world.services.policy.read(pia), 'forbidden');
    await expectCode(world.services.policy.update(ada, { mfaRequiredForAll: true }), 'forbidden');
    await expectCode(world.services.policy.update(admin, {}), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { sessionIdleMinutes: 0 }), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { lockoutMinutes: 60, lockoutMaxMinutes: 30 }), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { conflictingRoles: [['planner', 'planner']] }), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { sessionAbsoluteHours: 24 }), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { mfaRequiredForAll: 'yes' }), 'validation-failed');
    await expectCode(world.services.policy.update(admin, { unknownSetting: 1 }), 'validation-failed');

    const change = await world.services.policy.update(admin, { mfaRequiredForAll: true, conflictingRoles: [['planner', 'approver']], sessionIdleMinutes: 30 });
    expect(change.policy).toEqual({ ...DEFAULT_SITE_POLICY, mfaRequiredForAll: true, conflictingRoles: [['planner', 'approver']] });
    expect(change.conflicts).toEqual([{ userId: expect.any(String), username: 'bea.both', reason: 'the site policy forbids holding planner (enterprise-wide) together with approver (enterprise-wide)' }]);
    expect(await world.services.policy.read(ada)).toEqual(change.policy);
    const entries = await auditLines(engine.store(), 'policy.update');
    expect(entries.map((entry) => [entry.actor, entry.outcome])).toEqual([['ada.auditor', 'denied'], ['root.admin', 'ok']]);
    expect(entries[1]?.detail).toEqual({
      before: { mfaRequiredForAll: false, conflictingRoles: [['admin', 'auditor']] },
      after: { mfaRequiredForAll: true, conflictingRoles: [['planner', 'approver']] },
    });
    // A stored value that no longer parses falls back to its default rather than stopping sign-ins.
    await engine.store().db.updateTable('site_settings').set({ value: '"not a boolean"' }).where('key', '=', 'mfaRequiredForAll').execute();
    expect((await world.services.policy.read(SETUP_ADMIN)).mfaRequiredForAll).toBe(false);
  });

  it('lists live sessions to their owner and to admins, and revokes them one by one or all at once', async () => {
    const pia = await world.user('pia.planner', ['planner']);
    const bob = await world.user('bob.operator', ['operator']);
    const [one, two] = [await login('pia.planner'), await login('pia.planner')];
    const bobs = await login('bob.operator');
    world.clock.advance(60_000);
    // Opened in the same instant, so listed in either order: sort the current one first.
    const own = (await world.services.sessionDirectory.listOwn(await actorWith(one.token))).sort((a, b) => Number(b.current) - Number(a.current));
    expect(own.map((session) => [session.username, session.current])).toEqual([['pia.planner', true], ['pia.planner', false]]);
    expect(own[0]).toMatchObject({ source: '10.0.0.5', expiresAt: one.expiresAt });
    expect(JSON.stringify(own)).not.toContain(one.token);
    const twoId = own.find((session) => !session.current)?.id ?? '';
    await expectCode(world.services.sessionDirectory.revokeOwn(bob, twoId), 'not-found');
    await expectCode(world.services.sessionDirectory.revokeOwn(pia, 'not-an-id'), 'not-found');
    await world.services.sessionDirectory.revokeOwn(pia, twoId);
    expect([await alive(one.token), await alive(two.token), await alive(bobs.token)]).toEqual([true, false, true]);
    await expectCode(world.services.sessionDirectory.revokeOwn(pia, twoId), 'not-found');

    await expectCode(world.services.sessionDirectory.listOf(pia, 'bob.operator'), 'forbidden');
    expect((await world.services.sessionDirectory.listOf(admin, 'pia.planner')).map((session) => session.current)).toEqual([false]);
    await expectCode(world.services.sessionDirectory.revokeAllOf(pia, 'bob.operator'), 'forbidden');
    expect(await world.services.sessionDirectory.revokeAllOf(admin, 'pia.planner')).toBe(1);
    expect(await alive(one.token)).toBe(false);
    const three = await login('bob.operator');
    expect(await world.services.sessionDirectory.revokeOtherOwn(await actorWith(three.token))).toBe(1);
    expect([await alive(bobs.token), await alive(three.token)]).toEqual([false, true]);
    const entries = await auditLines(engine.store(), 'session.revoke');
    expect(entries.map((entry) => [entry.actor, entry.outcome, entry.detail.reason ?? null])).toEqual([
      ['pia.planner', 'ok', 'revoked-by-user'], ['pia.planner', 'denied', 'no role of yours allows user.manage here'], ['root.admin', 'ok', 'revoked-by-admin'], ['bob.operator', 'ok', 'revoked-by-user'],
    ]);
  });
});
