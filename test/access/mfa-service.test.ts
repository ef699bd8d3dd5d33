import { beforeEach, expect, it } from 'vitest';
import { base32Decode, openTotpSecret, totpAt, type Actor } from '../../src/access/index.js';
import { SETUP_ADMIN, TEST_PASSWORD, createWorld, type TestWorld } from '../support/factories.js';
import { describeEachEngine } from '../support/engines.js';
import { auditLines, expectCode, otherCode } from './access-test-kit.js';

describeEachEngine('MFA service', (engine) => {
  let world: TestWorld;
  let alan: Actor;
  const login = (username: string, totp?: string) => world.services.sessions.login({ username, password: TEST_PASSWORD, totp, source: '10.0.0.9' });
  const now = () => world.clock.now().getTime();

  beforeEach(async () => {
    world = await createWorld(engine.store());
    alan = await world.user('alan.approver', ['approver']);
  });

  it('shows an enrolment once, confirms it with a first code, and hands out ten recovery codes kept only as hashes', async () => {
    const { mfa } = world.services;
    expect(await mfa.status(alan)).toEqual({ enrolled: false, enabledAt: null, pendingUntil: null, recoveryCodesLeft: 0, required: true });
    const enrolment = await mfa.beginEnrolment(alan);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toBe(`otpauth://totp/Forgeline:alan.approver?secret=${enrolment.secret}&issuer=Forgeline&algorithm=SHA1&digits=6&period=30`);
    expect(enrolment.qrSvg).toMatch(/^<svg[^>]*>/);
    expect(Date.parse(enrolment.expiresAt) - now()).toBe(15 * 60_000);
    const secret = base32Decode(enrolment.secret);
    const row = await engine.store().db.selectFrom('users').select(['mfa_secret', 'mfa_pending_secret']).where('id', '=', alan.subject.userId).executeTakeFirstOrThrow();
    // Pending, and wrapped by the keyring: the secret itself is nowhere in the row.
    expect(row.mfa_secret).toBeNull();
    expect(row.mfa_pending_secret).toMatch(new RegExp(`^w1:${world.services.keyring.activeKekId}:`));
    expect(row.mfa_pending_secret).not.toContain(secret.toString('hex'));
    expect(await openTotpSecret(world.services.keyring, row.mfa_pending_secret ?? '')).toEqual(secret);
    expect((await mfa.status(alan)).pendingUntil).toBe(enrolment.expiresAt);

    // Until confirmed, sign-in needs no code.
    await login('alan.approver');
    await expectCode(mfa.confirmEnrolment(alan, { code: otherCode(totpAt(secret, now() - 30_000), totpAt(secret, now()), totpAt(secret, now() + 30_000)) }), 'mfa-invalid');
    const confirmed = await mfa.confirmEnrolment(alan, { code: totpAt(secret, now()) });
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    expect(await mfa.status(alan)).toMatchObject({ enrolled: true, enabledAt: confirmed.enabledAt, pendingUntil: null, recoveryCodesLeft: 10 });
    // The confirming code is spent: it does not sign in.
    await expectCode(login('alan.approver', totpAt(secret, now())), 'mfa-invalid');
    await login('alan.approver', totpAt(secret, now() + 30_000));
    await expectCode(mfa.beginEnrolment(alan), 'conflict');

    const hashes = (await engine.store().db.selectFrom('recovery_codes').select('code_hash').execute()).map((r) => r.code_hash).join('\n');
    for (const code of confirmed.recoveryCodes) expect(hashes).not.toContain(code.replaceAll('-', ''));
    const entries = await auditLines(engine.store(), 'mfa.enrol', 'mfa.confirm');
    expect(entries.map((entry) => [entry.kind, entry.outcome])).toEqual([['mfa.enrol', 'ok'], ['mfa.confirm', 'denied'], ['mfa.confirm', 'ok']]);
    for (const entry of await auditLines(engine.store())) {
      expect(entry.entry).not.toContain(enrolment.secret);
      expect(entry.entry).not.toContain(secret.toString('hex'));
      for (const code of confirmed.recoveryCodes) expect(entry.entry).not.toContain(code);
    }
  });

  it('lets an enrolment expire after 15 minutes, and waits for a changed one-time password first', async () => {
    const enrolment = await world.services.mfa.beginEnrolment(alan);
    world.clock.advance(15 * 60_000);
    await expectCode(world.services.mfa.confirmEnrolment(alan, { code: totpAt(base32Decode(enrolment.secret), now()) }), 'not-found');
    const fresh = { ...alan, subject: { ...alan.subject, passwordMustChange: true } };
    await expectCode(world.services.mfa.beginEnrolment(fresh), 'password-change-required');
    const token = { ...alan, subject: { ...alan.subject, restriction: { tokenId: 't', actions: [], scopeNodeId: null } } };
    await expectCode(world.services.mfa.beginEnrolment(token), 'forbidden');
    await expectCode(world.services.mfa.status(token), 'forbidden');
  });

  it('replaces recovery codes only with the password and a current code, and the old ones stop working', async () => {
    const enrolled = await world.enrolMfa(alan);
    const { mfa } = world.services;
    await expectCode(mfa.regenerateRecoveryCodes(alan, { password: 'not the password', code: enrolled.code() }), 'invalid-credentials');
    await expectCode(mfa.regenerateRecoveryCodes(alan, { password: TEST_PASSWORD, code: otherCode(enrolled.code(-1), enrolled.code(), enrolled.code(1)) }), 'mfa-invalid');
    await expectCode(mfa.regenerateRecoveryCodes(alan, { password: TEST_PASSWORD }), 'validation-failed');
    const { recoveryCodes } = await mfa.regenerateRecoveryCodes(alan, { password: TEST_PASSWORD, code: enrolled.code() });
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes).not.toContain(enrolled.recoveryCodes[0]);
    await expectCode(login('alan.approver', enrolled.recoveryCodes[0]), 'mfa-invalid');
    await login('alan.approver', recoveryCodes[0]);
    expect((await mfa.status(alan)).recoveryCodesLeft).toBe(9);
    const entries = await auditLines(engine.store(), 'mfa.recovery-codes');
    expect(entries.map((entry) => [entry.outcome, entry.detail.reason ?? null])).toEqual([['denied', 'wrong-password'], ['denied', 'wrong-code'], ['ok', null]]);
  });

  it('keeps the second factor of a role that requires one, and lets others remove theirs with password and code', async () => {
    const enrolled = await world.enrolMfa(alan);
    await expectCode(world.services.mfa.disable(alan, { password: TEST_PASSWORD, code: enrolled.code() }), 'forbidden');
    const pia = await world.user('pia.planner', ['planner']);
    const piaMfa = await world.enrolMfa(pia);
    expect((await world.services.mfa.status(pia)).required).toBe(false);
    await expectCode(login('pia.planner'), 'mfa-required');
    await expectCode(world.services.mfa.disable(pia, { password: 'not the password', code: piaMfa.code() }), 'invalid-credentials');
    await world.services.mfa.disable(pia, { password: TEST_PASSWORD, code: piaMfa.code() });
    expect(await world.services.mfa.status(pia)).toMatchObject({ enrolled: false, recoveryCodesLeft: 0 });
    await login('pia.planner');
    expect((await auditLines(engine.store(), 'mfa.disable')).map((e) => [e.actor, e.outcome, e.detail.reason ?? null])).toEqual([
      ['alan.approver', 'denied', 'required-by-role'], ['pia.planner', 'denied', 'wrong-password'], ['pia.planner', 'ok', null],
    ]);
  });

  it("lets an admin reset another user's second factor, ending their sessions, but never their own", async () => {
    const enrolled = await world.enrolMfa(alan);
    const { token } = await login('alan.approver', enrolled.code());
    const admin = await world.user('root.admin', ['admin']);
    const planner = await world.user('pia.planner', ['planner']);
    await expectCode(world.services.mfa.reset(planner, 'alan.approver'), 'forbidden');
    await expectCode(world.services.mfa.reset(admin, 'root.admin'), 'forbidden');
    await expectCode(world.services.mfa.reset(admin, 'nobody.here'), 'not-found');
    await world.services.mfa.reset(admin, 'alan.approver', { reason: 'phone lost on the shop floor' });
    expect(await world.services.sessions.authenticate(token)).toBeNull();
    const again = await login('alan.approver');
    expect(again.mfaEnrollmentRequired).toBe(true);
    expect(await world.services.mfa.status(alan)).toMatchObject({ enrolled: false, recoveryCodesLeft: 0, required: true });
    const entries = await auditLines(engine.store(), 'mfa.reset');
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([['pia.planner', 'denied'], ['root.admin', 'ok']]);
    expect(entries[1]?.detail).toMatchObject({ username: 'alan.approver', wasEnrolled: true, sessionsRevoked: 1, reason: 'phone lost on the shop floor' });
    await expectCode(world.services.mfa.reset(SETUP_ADMIN, 'alan.approver', { reason: 'x'.repeat(501) }), 'validation-failed');
  });

  it('accepts one code once even when two sign-ins race with it', async () => {
    const enrolled = await world.enrolMfa(alan);
    const other = await engine.openStore();
    const code = enrolled.code();
    const race = await Promise.allSettled([login('alan.approver', code), login('alan.approver', code), login('alan.approver', code)]);
    expect(race.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason.code)).toEqual(['mfa-invalid', 'mfa-invalid']);
    const sessions = await other.db.selectFrom('sessions').select('id').execute();
    expect(sessions).toHaveLength(1);
  });
});
