import { beforeEach, expect, it } from 'vitest';
import { SETUP_ADMIN, TEST_PASSWORD, createWorld, type TestWorld } from '../support/factories.js';
import { describeEachEngine } from '../support/engines.js';
import { auditLines, expectCode, otherCode } from './access-test-kit.js';

const MINUTE = 60_000;

describeEachEngine('sign-in with a second factor', (engine) => {
  let world: TestWorld;
  const login = (username: string, totp?: string, password = TEST_PASSWORD, source: string | null = '10.0.0.7') =>
    world.services.sessions.login({ username, password, totp, source });

  beforeEach(async () => {
    world = await createWorld(engine.store());
  });

  it('asks for the code only after the right password, accepts each code once, and audits every outcome', async () => {
    const alan = await world.user('alan.approver', ['approver']);
    const mfa = await world.enrolMfa(alan);
    await expectCode(login('alan.approver'), 'mfa-required');
    // A wrong password says nothing about the second factor, even with a right code.
    await expectCode(login('alan.approver', mfa.code(), 'not the password'), 'invalid-credentials');
    const session = await login('alan.approver', mfa.code());
    expect(session).toMatchObject({ passwordChangeRequired: false, mfaEnrollmentRequired: false });
    expect(await world.services.sessions.authenticate(session.token)).toMatchObject({ username: 'alan.approver', mfaEnrollmentRequired: false });
    await expectCode(login('alan.approver', mfa.code()), 'mfa-invalid');
    await expectCode(login('alan.approver', otherCode(mfa.code(-1), mfa.code(), mfa.code(1))), 'mfa-invalid');
    await expectCode(login('alan.approver', 'not-a-code'), 'mfa-invalid');
    // The next time step brings a new code; one step of drift either way is allowed, no more.
    world.clock.advance(30_000);
    await expectCode(login('alan.approver', mfa.code(2)), 'mfa-invalid');
    await login('alan.approver', mfa.code(1));
    await expectCode(login('alan.approver', mfa.code()), 'mfa-invalid');

    const entries = await auditLines(engine.store(), 'session.create');
    expect(entries.map((entry) => [entry.outcome, entry.detail.reason ?? entry.detail.factor])).toEqual([
      ['denied', 'mfa-required'], ['denied', 'wrong-password'], ['ok', 'totp'], ['denied', 'replayed-code'], ['denied', 'wrong-code'],
      ['denied', 'wrong-code'], ['denied', 'wrong-code'], ['ok', 'totp'], ['denied', 'replayed-code'],
    ]);
    const secretHex = mfa.secret.toString('hex');
    for (const entry of await auditLines(engine.store())) {
      expect(entry.entry).not.toContain(TEST_PASSWORD);
      expect(entry.entry).not.toContain(secretHex);
      expect(entry.entry).not.toContain(mfa.code(1));
    }
  });

  it('accepts each recovery code once, typed in any case and grouping, and says how many are left', async () => {
    const quinn = await world.user('quinn.quality', ['quality']);
    const { recoveryCodes } = await world.enrolMfa(quinn);
    expect(recoveryCodes).toHaveLength(10);
    const [first = '', second = ''] = recoveryCodes;
    await login('quinn.quality', first);
    await expectCode(login('quinn.quality', first), 'mfa-invalid');
    await login('quinn.quality', second.replaceAll('-', ' ').toUpperCase());
    const used = (await auditLines(engine.store(), 'session.create')).map((entry) => [entry.outcome, entry.detail.factor ?? entry.detail.reason, entry.detail.recoveryCodesLeft]);
    expect(used).toEqual([['ok', 'recovery-code', 9], ['denied', 'replayed-code', undefined], ['ok', 'recovery-code', 8]]);
    const stored = await engine.store().db.selectFrom('recovery_codes').select('code_hash').execute();
    expect(stored.map((row) => row.code_hash).join()).not.toContain(first.replaceAll('-', ''));
  });

  it('lets a role that needs MFA in without it, only to enrol, and lifts that on the same session once enrolled', async () => {
    const ada = await world.user('ada.auditor', ['auditor']);
    await world.user('pia.planner', ['planner']);
    const session = await login('ada.auditor');
    expect(session.mfaEnrollmentRequired).toBe(true);
    expect(await world.services.sessions.authenticate(session.token)).toMatchObject({ mfaEnrollmentRequired: true });
    expect((await login('pia.planner')).mfaEnrollmentRequired).toBe(false);
    await world.enrolMfa(ada);
    expect(await world.services.sessions.authenticate(session.token)).toMatchObject({ mfaEnrollmentRequired: false });

    await world.services.policy.update(SETUP_ADMIN, { mfaRequiredForAll: true });
    const planner = await login('pia.planner');
    expect(planner.mfaEnrollmentRequired).toBe(true);
    expect(await world.services.sessions.authenticate(planner.token)).toMatchObject({ mfaEnrollmentRequired: true });
  });

  it('locks a username after five failures, answering an unknown one the same way, and doubles the next lock', async () => {
    await world.user('pia.planner', ['planner']);
    for (const username of ['pia.planner', 'nobody.here']) {
      for (let i = 0; i < 5; i++) await expectCode(login(username, undefined, 'wrong password!', `10.1.0.${i}`), 'invalid-credentials');
      // Locked: refused before the password is looked at, right or wrong, known account or not.
      const locked = await expectCode(login(username, undefined, TEST_PASSWORD, '10.2.0.1'), 'too-many-attempts');
      expect(locked.extensions).toEqual({ retryAfterSeconds: 15 * 60 });
    }
    world.clock.advance(15 * MINUTE);
    await login('pia.planner', undefined, TEST_PASSWORD, '10.2.0.1');
    // Success cleared the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) await expectCode(login('pia.planner', undefined, 'wrong password!'), 'invalid-credentials');
    await login('pia.planner');
    // For the unknown name the count goes on after the lock: the next five lock it twice as long.
    for (let i = 0; i < 5; i++) await expectCode(login('nobody.here', undefined, 'wrong password!'), 'invalid-credentials');
    const longer = await expectCode(login('nobody.here'), 'too-many-attempts');
    expect(longer.extensions).toEqual({ retryAfterSeconds: 30 * 60 });
    // Case does not escape the count.
    await expectCode(login('Nobody.Here'), 'too-many-attempts');

    const lockouts = await auditLines(engine.store(), 'session.lockout');
    expect(lockouts.map((entry) => [entry.actor, entry.detail.counter, entry.detail.failures])).toEqual([
      ['pia.planner', 'account', 5], ['nobody.here', 'account', 5], ['nobody.here', 'account', 10],
    ]);
    const refusals = (await auditLines(engine.store(), 'session.create')).filter((entry) => entry.detail.reason === 'locked');
    expect(refusals.map((entry) => entry.actor)).toEqual(['pia.planner', 'nobody.here', 'nobody.here', 'Nobody.Here']);
  });

  it('locks a source address after twenty failures over any usernames, and counts wrong codes too', async () => {
    const alan = await world.user('alan.approver', ['approver']);
    const mfa = await world.enrolMfa(alan);
    const wrong = otherCode(mfa.code(-1), mfa.code(), mfa.code(1));
    for (let i = 0; i < 5; i++) await expectCode(login('alan.approver', wrong, TEST_PASSWORD, `10.3.0.${i}`), 'mfa-invalid');
    await expectCode(login('alan.approver', mfa.code(), TEST_PASSWORD, '10.3.1.2'), 'too-many-attempts');

    for (let i = 0; i < 20; i++) await expectCode(login(`guess.${i}`, undefined, 'wrong password!', '2001:db8:1:2::7'), 'invalid-credentials');
    // Another address in the same IPv6 /64 is the same source; another /64 is not.
    await expectCode(login('guess.new', undefined, 'wrong password!', '2001:db8:1:2:ffff::1'), 'too-many-attempts');
    await expectCode(login('guess.new', undefined, 'wrong password!', '2001:db8:1:3::7'), 'invalid-credentials');
    const sources = (await auditLines(engine.store(), 'session.lockout')).map((entry) => [entry.detail.counter, entry.detail.failures]);
    expect(sources).toEqual([['account', 5], ['source', 20]]);
  });

  it('ends a session after the idle time and at the absolute expiry, recording its use at most once a minute', async () => {
    await world.user('pia.planner', ['planner']);
    const { token } = await login('pia.planner');
    const lastSeen = async () => (await engine.store().db.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow()).last_seen_at;
    const signedInAt = await lastSeen();
    world.clock.advance(20_000);
    expect(await world.services.sessions.authenticate(token)).not.toBeNull();
    expect(await lastSeen()).toBe(signedInAt);
    world.clock.advance(29 * MINUTE);
    expect(await world.services.sessions.authenticate(token)).not.toBeNull();
    expect(await lastSeen()).toBe(world.clock.now().toISOString());
    world.clock.advance(30 * MINUTE);
    expect(await world.services.sessions.authenticate(token)).toBeNull();

    // Used every 25 minutes, a session still ends 8 hours after sign-in.
    const { token: busy, expiresAt } = await login('pia.planner');
    expect(Date.parse(expiresAt) - world.clock.now().getTime()).toBe(8 * 60 * MINUTE);
    for (let minutes = 25; minutes < 8 * 60; minutes += 25) {
      world.clock.advance(25 * MINUTE);
      expect(await world.services.sessions.authenticate(busy), `after ${minutes} minutes`).not.toBeNull();
    }
    world.clock.advance(Date.parse(expiresAt) - world.clock.now().getTime());
    expect(await world.services.sessions.authenticate(busy)).toBeNull();
  });

  it('applies a shorter idle time and lifetime from the policy to sessions already open', async () => {
    await world.user('pia.planner', ['planner']);
    const start = world.clock.now().getTime();
    const idle = await login('pia.planner');
    const busy = await login('pia.planner');
    const at = async (minutes: number, token: string) => {
      world.clock.advance(start + minutes * MINUTE - world.clock.now().getTime());
      return world.services.sessions.authenticate(token);
    };
    expect(await at(10, idle.token)).not.toBeNull();
    expect(await at(10, busy.token)).not.toBeNull();
    await world.services.policy.update(SETUP_ADMIN, { sessionIdleMinutes: 5, sessionAbsoluteHours: 1 });
    expect(await at(14, busy.token)).not.toBeNull();
    expect(await at(16, idle.token)).toBeNull();
    for (let minutes = 18; minutes < 60; minutes += 4) expect(await at(minutes, busy.token), `at ${minutes} minutes`).not.toBeNull();
    expect(await at(60, busy.token)).toBeNull();
  });
});
