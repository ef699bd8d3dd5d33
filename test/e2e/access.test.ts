import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, enrolWithCli, fileIn, runCli, startServer, type CliResult, type ServerProcess, type TestAuthenticator } from './cli-harness.js';

/** The one error line of a failed run, which must name `code`. */
function errorLine(result: CliResult, code: string): string {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^forgeline: ${code}: `));
  return lines[0] ?? '';
}

describe('MFA and account protection through the real CLI and server', () => {
  let dir: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  let admin: TestAuthenticator;
  let quinn: TestAuthenticator;
  const cli = (...args: string[]) => runCli(args, env);
  const loginAs = (username: string, passwordFile: string, ...extra: string[]) => cli('login', '--username', username, '--password-file', fileIn(dir, passwordFile), ...extra);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-access-e2e-'));
    env = { FORGELINE_DATA: join(dir, 'data'), FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
    await writeFile(fileIn(dir, 'weak'), 'password1234');
    await writeFile(fileIn(dir, 'pw-admin'), 'the plant operations passphrase');
    await writeFile(fileIn(dir, 'pw-quinn'), 'gauge blocks and coffee');
    await writeFile(fileIn(dir, 'pw-wrong'), 'not the right passphrase');
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a breached admin password at init and leaves no data folder behind', async () => {
    const refused = await cli('init', '--admin-password-file', fileIn(dir, 'weak'));
    expect(errorLine(refused, 'password-rejected')).toMatch(/common or breached/);
    await expect(stat(join(dir, 'data'))).rejects.toMatchObject({ code: 'ENOENT' });
    expectOk(await cli('init', '--admin-password-file', fileIn(dir, 'pw-admin')));
    // Sign-in attempts are left unlimited at the edge here, so the account lockout is what answers.
    server = await startServer(['serve', '--host', '127.0.0.1', '--port', '0', '--sign-in-limit', '0'], env);
    env.FORGELINE_SERVER = server.url;
  }, 60_000);

  it('makes the first admin enrol a second factor before anything else, then signs in with a code', async () => {
    const first = await loginAs('admin', 'pw-admin');
    expectOk(first);
    expect(first.stderr).toMatch(/requires a second factor/);
    errorLine(await cli('user', 'list'), 'mfa-enrollment-required');
    expect(expectOk(await cli('whoami'))).toMatch(/second factor: +required, not enrolled/);
    admin = await enrolWithCli(cli);
    expect(expectOk(await cli('mfa', 'status'))).toMatch(/enrolled: +yes[\s\S]*recovery codes left: 10/);
    expectOk(await cli('user', 'add', 'quinn', '--role', 'quality', '--password-file', fileIn(dir, 'pw-quinn'), '--permanent'));
  }, 60_000);

  it('enrols with the CLI, signs in with a TOTP code once, refuses it replayed, and takes a recovery code once', async () => {
    expectOk(await loginAs('quinn', 'pw-quinn'));
    const shown = expectOk(await cli('mfa', 'enroll'));
    expect(shown).toMatch(/^otpauth URI: otpauth:\/\/totp\/Forgeline:quinn\?secret=[A-Z2-7]+&issuer=Forgeline/m);
    expect(shown).toMatch(/[█▀▄]{10}/);
    errorLine(await cli('mfa', 'enroll', '--code', 'abcdef'), 'mfa-invalid');
    // The QR code and the secret are shown again by a new enrolment; the last one shown is the one confirmed.
    quinn = await enrolWithCli(cli);
    expectOk(await cli('logout'));

    const asked = errorLine(await loginAs('quinn', 'pw-quinn'), 'mfa-required');
    expect(asked).toMatch(/give --totp CODE/);
    const code = await quinn.nextCode();
    expectOk(await loginAs('quinn', 'pw-quinn', '--totp', code));
    errorLine(await loginAs('quinn', 'pw-quinn', '--totp', code), 'mfa-invalid');
    const recovery = quinn.recoveryCodes[0] ?? '';
    await writeFile(fileIn(dir, 'recovery'), `${recovery}\n`);
    expectOk(await loginAs('quinn', 'pw-quinn', '--totp-file', fileIn(dir, 'recovery')));
    errorLine(await loginAs('quinn', 'pw-quinn', '--totp', recovery), 'mfa-invalid');
    expect(expectOk(await cli('mfa', 'status'))).toMatch(/recovery codes left: 9/);
    // A sign-in that succeeds clears the failures counted against the username (the replays above).
    expectOk(await loginAs('quinn', 'pw-quinn', '--totp', quinn.recoveryCodes[1] ?? ''));

    const sessions = expectOk(await cli('session', 'list')).trim().split('\n');
    expect(sessions[0]).toMatch(/^ID\s+USER\s+FROM/);
    expect(sessions.slice(1).filter((line) => /^\S+ \*/.test(line))).toHaveLength(1);
    expect(expectOk(await cli('session', 'revoke', '--others'))).toBe(`revoked ${sessions.length - 2} sessions (this one stays)\n`);
    expect(expectOk(await cli('session', 'list')).trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('locks an account after five failures, answering a username that does not exist the same way', async () => {
    const lines: string[] = [];
    for (const username of ['quinn', 'nobody']) {
      for (let i = 0; i < 5; i++) errorLine(await loginAs(username, 'pw-wrong'), 'invalid-credentials');
      // Locked: even the right password is refused, before it is checked.
      const locked = await loginAs(username, username === 'quinn' ? 'pw-quinn' : 'pw-wrong');
      lines.push(errorLine(locked, 'too-many-attempts').replace(/after \S+$/, 'after <time>'));
    }
    expect(lines[0]).toBe('forgeline: too-many-attempts: Too many failed attempts: try again after <time>');
    expect(lines[1]).toBe(lines[0]);
  }, 60_000);

  it('lets the admin read and change the policy, change roles within it, and reset a lost second factor', async () => {
    expectOk(await loginAs('admin', 'pw-admin', '--totp', await admin.nextCode()));
    expect(expectOk(await cli('policy', 'show'))).toMatch(/^conflictingRoles: +admin\+auditor$/m);
    const set = expectOk(await cli('policy', 'set', 'sessionIdleMinutes=20', 'conflictingRoles=admin+auditor,quality+planner'));
    expect(set).toMatch(/^sessionIdleMinutes: +20$/m);
    errorLine(await cli('policy', 'set', 'sessionIdleMinutes=0'), 'validation-failed');
    errorLine(await cli('user', 'roles', 'quinn', '--role', 'quality', '--role', 'planner'), 'role-conflict');
    expect(expectOk(await cli('user', 'roles', 'quinn', '--role', 'quality', '--role', 'logistics'))).toMatch(/^quinn now has the roles logistics, quality/);
    expectOk(await cli('mfa', 'reset', 'quinn', '--reason', 'phone lost'));
    const users = JSON.parse(expectOk(await cli('user', 'list', '--json'))) as { items: { username: string; mfaEnabled: boolean }[] };
    expect(users.items.map((user) => [user.username, user.mfaEnabled])).toEqual([['admin', true], ['quinn', false]]);
    // Disabled and enabled again; enabling a user who is not disabled changes nothing and says so.
    const disabledOf = async (username: string) => (JSON.parse(expectOk(await cli('user', 'list', '--json'))) as { items: { username: string; disabled: boolean }[] }).items.find((user) => user.username === username)?.disabled;
    expect(expectOk(await cli('user', 'disable', 'quinn')).trim()).toBe('disabled user quinn');
    expect(await disabledOf('quinn')).toBe(true);
    expect(expectOk(await cli('user', 'enable', 'quinn')).trim()).toBe('enabled user quinn');
    expect(await disabledOf('quinn')).toBe(false);
    expect(errorLine(await cli('user', 'enable', 'quinn'), 'conflict')).toContain('quinn is not disabled');
    const audit = JSON.parse(expectOk(await cli('audit', 'list', '--json', '--limit', '500'))) as { items: { kind: string; outcome: string; actor: string }[] };
    const kinds = new Set(audit.items.map((entry) => `${entry.kind}:${entry.outcome}`));
    for (const kind of ['mfa.enrol:ok', 'mfa.confirm:ok', 'mfa.confirm:denied', 'session.create:denied', 'session.lockout:denied', 'policy.update:ok', 'user.role-change:ok', 'mfa.reset:ok', 'session.revoke:ok', 'user.disable:ok', 'user.enable:ok']) {
      expect(kinds, kind).toContain(kind);
    }
  }, 60_000);
});
