import { afterEach, beforeEach, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../../src/access/index.js';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { auditLines } from '../access/access-test-kit.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('access API: MFA, lockout, sessions, roles and policy', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const signIn = (username: string, password: string, totp?: string, remoteAddress = '192.0.2.10') =>
    api.call('POST', '/api/v1/sessions', { body: { username, password, ...(totp === undefined ? {} : { totp }) }, remoteAddress });

  it('enrols a new quality inspector over HTTP, then asks for a code at every sign-in, each code once', async () => {
    const { call, tokens, world } = api;
    const now = () => world.clock.now().getTime();
    const added = await call('POST', '/api/v1/users', { token: tokens.admin, body: { username: 'quinn.two', displayName: 'Quinn', password: 'inspection passphrase 9', roles: [{ role: 'quality', scopeNodeId: null }], temporaryPassword: false } });
    expect(added.status).toBe(201);
    expect(Object.keys(added.json).sort()).toEqual(['createdAt', 'disabled', 'displayName', 'id', 'mfaEnabled', 'passwordMustChange', 'roles', 'username']);
    const first = await signIn('quinn.two', 'inspection passphrase 9');
    expect(first).toMatchObject({ status: 201, json: { mfaEnrollmentRequired: true, passwordChangeRequired: false } });
    const token = first.json.token as string;
    expect(await call('GET', '/api/v1/orders', { token })).toMatchObject({ status: 403, json: { code: 'mfa-enrollment-required' } });
    expect(await call('GET', '/api/v1/users/me', { token })).toMatchObject({ status: 200, json: { username: 'quinn.two', mfaEnabled: false, mfaEnrollmentRequired: true } });
    expect(await call('GET', '/api/v1/users/me/mfa', { token })).toMatchObject({ status: 200, json: { enrolled: false, required: true } });
    expect(await call('POST', '/api/v1/users/me/mfa/enrolment', { token, body: { secret: 'mine' } })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });

    const enrolment = await call('POST', '/api/v1/users/me/mfa/enrolment', { token });
    expect(enrolment.status).toBe(201);
    expect(Object.keys(enrolment.json).sort()).toEqual(['expiresAt', 'otpauthUri', 'qrSvg', 'secret']);
    expect(enrolment.json.otpauthUri).toContain(`secret=${enrolment.json.secret}`);
    const secret = base32Decode(enrolment.json.secret);
    expect(await call('POST', '/api/v1/users/me/mfa/confirm', { token, body: { code: 'abcdef' } })).toMatchObject({ status: 401, json: { code: 'mfa-invalid' } });
    const confirmed = await call('POST', '/api/v1/users/me/mfa/confirm', { token, body: { code: totpAt(secret, now() - 30_000) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.recoveryCodes).toHaveLength(10);
    // The same session now works in full.
    expect((await call('GET', '/api/v1/orders', { token })).status).toBe(200);
    expect(await call('GET', '/api/v1/users/me', { token })).toMatchObject({ json: { mfaEnabled: true, mfaEnrollmentRequired: false } });

    expect(await signIn('quinn.two', 'inspection passphrase 9')).toMatchObject({ status: 401, json: { code: 'mfa-required' } });
    expect((await signIn('quinn.two', 'inspection passphrase 9', totpAt(secret, now()))).status).toBe(201);
    expect(await signIn('quinn.two', 'inspection passphrase 9', totpAt(secret, now()))).toMatchObject({ status: 401, json: { code: 'mfa-invalid' } });
    const recovery = confirmed.json.recoveryCodes[3] as string;
    expect((await signIn('quinn.two', 'inspection passphrase 9', recovery)).status).toBe(201);
    expect(await signIn('quinn.two', 'inspection passphrase 9', recovery)).toMatchObject({ status: 401, json: { code: 'mfa-invalid' } });
    expect(await call('GET', '/api/v1/users/me/mfa', { token })).toMatchObject({ json: { enrolled: true, recoveryCodesLeft: 9 } });

    const fresh = await call('POST', '/api/v1/users/me/mfa/recovery-codes', { token, body: { password: 'inspection passphrase 9', code: totpAt(secret, now() + 30_000) } });
    expect(fresh.status).toBe(200);
    expect(fresh.json.recoveryCodes).toHaveLength(10);
    expect(await call('POST', '/api/v1/users/me/mfa/disable', { token, body: { password: 'inspection passphrase 9', code: recovery } })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('POST', '/api/v1/users/quinn.two/mfa/reset', { token: tokens.planner, body: {} })).toMatchObject({ status: 403 });
    expect((await call('POST', '/api/v1/users/quinn.two/mfa/reset', { token: tokens.admin, body: { reason: 'new phone' } })).status).toBe(204);
    expect(await call('GET', '/api/v1/users/me', { token })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect(await signIn('quinn.two', 'inspection passphrase 9')).toMatchObject({ status: 201, json: { mfaEnrollmentRequired: true } });
  });

  it('lets the first admin from init sign in with the one-time password, change it, then enrol, on one session', async () => {
    const { call, world } = api;
    await world.services.users.bootstrapAdmin('first.admin', 'kV9x-one-time-Qp2m-7zLw', true);
    const session = await signIn('first.admin', 'kV9x-one-time-Qp2m-7zLw');
    expect(session).toMatchObject({ status: 201, json: { passwordChangeRequired: true, mfaEnrollmentRequired: true } });
    const token = session.json.token as string;
    expect(await call('GET', '/api/v1/users/me', { token })).toMatchObject({ status: 200, json: { passwordMustChange: true, mfaEnrollmentRequired: true } });
    expect(await call('GET', '/api/v1/users', { token })).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    expect(await call('POST', '/api/v1/users/me/mfa/enrolment', { token })).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    expect((await call('POST', '/api/v1/users/me/password', { token, body: { currentPassword: 'kV9x-one-time-Qp2m-7zLw', newPassword: 'first shift, fresh coffee' } })).status).toBe(204);
    expect(await call('GET', '/api/v1/users', { token })).toMatchObject({ status: 403, json: { code: 'mfa-enrollment-required' } });
    const enrolment = await call('POST', '/api/v1/users/me/mfa/enrolment', { token });
    const secret = base32Decode(enrolment.json.secret);
    expect((await call('POST', '/api/v1/users/me/mfa/confirm', { token, body: { code: totpAt(secret, world.clock.now().getTime()) } })).status).toBe(200);
    expect((await call('GET', '/api/v1/users', { token })).status).toBe(200);
    world.clock.advance(30_000);
    expect((await signIn('first.admin', 'first shift, fresh coffee', totpAt(secret, world.clock.now().getTime()))).status).toBe(201);
  });

  it('locks a username after five failures with a 429 and Retry-After, the same answer for one that does not exist', async () => {
    const answers = [];
    for (const username of ['planner.one', 'nobody.here']) {
      for (let i = 0; i < 5; i++) {
        expect(await signIn(username, 'wrong password!', undefined, `192.0.2.${20 + i}`)).toMatchObject({ status: 401, json: { code: 'invalid-credentials' } });
      }
      const locked = await signIn(username, username === 'planner.one' ? TEST_PASSWORD : 'wrong password!', undefined, '192.0.2.99');
      expect(locked).toMatchObject({ status: 429, json: { code: 'too-many-attempts', retryAfterSeconds: 900 } });
      expect(locked.headers['retry-after']).toBe('900');
      answers.push({ body: locked.json, retryAfter: locked.headers['retry-after'] });
    }
    expect(answers[0]).toEqual(answers[1]);
    api.world.clock.advance(15 * 60_000);
    expect((await signIn('planner.one', TEST_PASSWORD)).status).toBe(201);
  });

  it('locks a source address after the policy\'s number of failures, whatever the usernames', async () => {
    const { call, tokens } = api;
    expect((await call('PATCH', '/api/v1/policy', { token: tokens.admin, body: { lockoutSourceThreshold: 6 } })).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await signIn(`guess.${i}`, 'wrong password!', undefined, '198.51.100.4')).status).toBe(401);
    expect(await signIn('planner.one', TEST_PASSWORD, undefined, '198.51.100.4')).toMatchObject({ status: 429, json: { code: 'too-many-attempts' } });
    expect((await signIn('planner.one', TEST_PASSWORD, undefined, '198.51.100.5')).status).toBe(201);
  });

  it('lists and revokes sessions: your own, and any user\'s for admins', async () => {
    const { call, tokens } = api;
    const second = (await signIn('planner.one', TEST_PASSWORD)).json.token as string;
    const mine = await call('GET', '/api/v1/sessions', { token: tokens.planner });
    expect(mine.status).toBe(200);
    expect(mine.json.items).toHaveLength(2);
    expect(Object.keys(mine.json.items[0]).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'idleExpiresAt', 'lastSeenAt', 'source', 'userId', 'username']);
    const other = mine.json.items.find((item: { current: boolean }) => !item.current);
    expect(await call('DELETE', `/api/v1/sessions/${other.id}`, { token: tokens.operator })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect((await call('DELETE', `/api/v1/sessions/${other.id}`, { token: tokens.planner })).status).toBe(204);
    expect((await call('GET', '/api/v1/orders', { token: second })).status).toBe(401);

    expect((await call('GET', '/api/v1/users/planner.one/sessions', { token: tokens.auditor })).json.items).toHaveLength(1);
    expect(await call('GET', '/api/v1/users/planner.one/sessions', { token: tokens.operator })).toMatchObject({ status: 403 });
    expect(await call('DELETE', '/api/v1/users/planner.one/sessions', { token: tokens.auditor })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('DELETE', '/api/v1/users/planner.one/sessions', { token: tokens.admin })).toMatchObject({ status: 200, json: { revoked: 1 } });
    expect((await call('GET', '/api/v1/orders', { token: tokens.planner })).status).toBe(401);

    const a = (await signIn('operator.one', TEST_PASSWORD)).json.token as string;
    expect(await call('DELETE', '/api/v1/sessions', { token: a })).toMatchObject({ status: 200, json: { revoked: 1 } });
    expect((await call('GET', '/api/v1/orders', { token: tokens.operator })).status).toBe(401);
    expect((await call('GET', '/api/v1/orders', { token: a })).status).toBe(200);
  });

  it('ends one session of another user for admins only, audited, and lets a disabled user back in', async () => {
    const { call, tokens } = api;
    const second = (await signIn('planner.one', TEST_PASSWORD)).json.token as string;
    const listed = (await call('GET', '/api/v1/users/planner.one/sessions', { token: tokens.admin })).json.items as { id: string }[];
    expect(listed).toHaveLength(2);
    // The test clock may give both the same start: which token dies is not pinned, only that one does.
    const [kept, oldest] = listed as [{ id: string }, { id: string }];
    const operatorSession = ((await call('GET', '/api/v1/sessions', { token: tokens.operator })).json.items as { id: string }[])[0]?.id ?? '';
    expect(await call('DELETE', `/api/v1/users/planner.one/sessions/${oldest.id}`, { token: tokens.auditor })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    // Another user's session, an unknown one and a malformed id all read as absent.
    for (const id of [operatorSession, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      expect(await call('DELETE', `/api/v1/users/planner.one/sessions/${id}`, { token: tokens.admin })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    }
    expect((await call('DELETE', `/api/v1/users/planner.one/sessions/${oldest.id}`, { token: tokens.admin })).status).toBe(204);
    expect(await call('DELETE', `/api/v1/users/planner.one/sessions/${oldest.id}`, { token: tokens.admin })).toMatchObject({ status: 404 });
    expect((await call('GET', '/api/v1/users/planner.one/sessions', { token: tokens.admin })).json.items.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect([(await call('GET', '/api/v1/orders', { token: tokens.planner })).status, (await call('GET', '/api/v1/orders', { token: second })).status]).toContain(401);
    expect((await call('GET', '/api/v1/orders', { token: tokens.operator })).status).toBe(200);

    expect(await call('POST', '/api/v1/users/planner.one/enable', { token: tokens.admin })).toMatchObject({ status: 409, json: { code: 'conflict' } });
    expect((await call('POST', '/api/v1/users/planner.one/disable', { token: tokens.admin })).status).toBe(204);
    expect(await signIn('planner.one', TEST_PASSWORD)).toMatchObject({ status: 401, json: { code: 'invalid-credentials' } });
    expect(await call('POST', '/api/v1/users/planner.one/enable', { token: tokens.auditor })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('POST', '/api/v1/users/planner.one/enable', { token: tokens.admin, body: { now: true } })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    expect(await call('POST', '/api/v1/users/nobody.here/enable', { token: tokens.admin })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect((await call('POST', '/api/v1/users/planner.one/enable', { token: tokens.admin })).status).toBe(204);
    const users = (await call('GET', '/api/v1/users', { token: tokens.admin })).json.items as { username: string; disabled: boolean; roles: { role: string }[] }[];
    expect(users.find((user) => user.username === 'planner.one')).toMatchObject({ disabled: false, roles: [{ role: 'planner' }] });
    const again = await signIn('planner.one', TEST_PASSWORD);
    expect(again.status).toBe(201);
    expect((await call('GET', '/api/v1/orders', { token: again.json.token })).status).toBe(200);

    const entries = await auditLines(engine.store(), 'session.revoke', 'user.enable');
    expect(entries.map((entry) => [entry.kind, entry.outcome, entry.detail])).toEqual([
      ['session.revoke', 'denied', expect.objectContaining({ sessionId: oldest.id })],
      ['session.revoke', 'ok', expect.objectContaining({ reason: 'revoked-by-admin', sessionId: oldest.id })],
      ['user.enable', 'denied', expect.anything()],
      ['user.enable', 'ok', expect.objectContaining({ username: 'planner.one' })],
    ]);
  });

  it('changes roles and the policy only as an admin, with the site policy\'s conflicts and the password policy enforced', async () => {
    const { call, tokens } = api;
    const roles = await call('PUT', '/api/v1/users/planner.one/roles', { token: tokens.admin, body: { roles: [{ role: 'planner' }, { role: 'logistics' }] } });
    expect(roles).toMatchObject({ status: 200, json: { username: 'planner.one', roles: [{ role: 'logistics', scopeNodeId: null }, { role: 'planner', scopeNodeId: null }] } });
    expect((await call('GET', '/api/v1/orders', { token: tokens.planner })).status).toBe(401);
    expect(await call('PUT', '/api/v1/users/operator.one/roles', { token: tokens.admin, body: { roles: [{ role: 'admin' }, { role: 'auditor' }] } })).toMatchObject({ status: 422, json: { code: 'role-conflict' } });
    expect(await call('PUT', '/api/v1/users/operator.one/roles', { token: tokens.auditor, body: { roles: [{ role: 'planner' }] } })).toMatchObject({ status: 403 });
    expect(await call('PUT', '/api/v1/users/operator.one/roles', { token: tokens.admin, body: { roles: [{ role: 'wizard' }] } })).toMatchObject({ status: 400 });

    expect(await call('GET', '/api/v1/policy', { token: tokens.auditor })).toMatchObject({ status: 200, json: { mfaRequiredForAll: false, sessionIdleMinutes: 30, sessionAbsoluteHours: 8, conflictingRoles: [['admin', 'auditor']] } });
    expect(await call('GET', '/api/v1/policy', { token: tokens.logistics })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('PATCH', '/api/v1/policy', { token: tokens.auditor, body: { mfaRequiredForAll: true } })).toMatchObject({ status: 403 });
    expect(await call('PATCH', '/api/v1/policy', { token: tokens.admin, body: { sessionIdleMinutes: 'soon' } })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const changed = await call('PATCH', '/api/v1/policy', { token: tokens.admin, body: { mfaRequiredForAll: true } });
    expect(changed).toMatchObject({ status: 200, json: { policy: { mfaRequiredForAll: true }, conflicts: [] } });
    // Now the operator, who has no second factor, may only enrol.
    expect(await call('GET', '/api/v1/orders', { token: tokens.operator })).toMatchObject({ status: 403, json: { code: 'mfa-enrollment-required' } });

    const weak = await call('POST', '/api/v1/users', { token: tokens.admin, body: { username: 'weak.one', displayName: 'W', password: 'password1234', roles: [{ role: 'planner' }] } });
    expect(weak).toMatchObject({ status: 422, json: { code: 'password-rejected', problems: [{ path: 'password' }] } });
    const ownWeak = await call('POST', '/api/v1/users/me/password', { token: tokens.operator, body: { currentPassword: TEST_PASSWORD, newPassword: 'operator.one rocks' } });
    expect(ownWeak).toMatchObject({ status: 422, json: { code: 'password-rejected' } });
  });

  it('names the new routes in the OpenAPI document', async () => {
    const doc = await api.call('GET', '/openapi.json');
    for (const path of ['/api/v1/users/me/mfa', '/api/v1/users/me/mfa/enrolment', '/api/v1/users/me/mfa/confirm', '/api/v1/users/{user}/roles', '/api/v1/users/{user}/sessions', '/api/v1/users/{user}/sessions/{session}', '/api/v1/users/{user}/enable', '/api/v1/sessions/{id}', '/api/v1/policy']) {
      expect(doc.json.paths, path).toHaveProperty([path]);
    }
    expect(doc.json.paths['/api/v1/users/{user}/roles']).toHaveProperty('put');
    expect(doc.json.paths['/api/v1/sessions'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('totp');
  });
});
