import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliInput } from '../../src/cli/cli-io.js';
import { parseSetting } from '../../src/cli/commands/policy-commands.js';
import { runCli } from '../../src/cli/run-cli.js';
import { tempFolder } from '../support/temp-folders.js';
import { captureIo, fakeFetch, run, testConfig } from './cli-harness.js';

const MFA_REQUIRED = { status: 401, body: { code: 'mfa-required', detail: 'This account has a second factor: send the current code from your authenticator app as totp (or a recovery code)' } };
const SESSION = { status: 201, body: { token: 'session-token', expiresAt: '2030-01-01T08:00:00.000Z', passwordChangeRequired: false, mfaEnrollmentRequired: false } };

async function passwordFile(): Promise<string> {
  const folder = tempFolder('forgeline-access-cli-');
  await writeFile(join(folder, 'pw'), 'the-password\n');
  await writeFile(join(folder, 'code'), '123456\n');
  return folder;
}

describe('sign-in with a second factor from the CLI', () => {
  it('sends --totp, or the code read from --totp-file, with the password', async () => {
    const folder = await passwordFile();
    for (const flags of [['--totp', '123456'], ['--totp-file', join(folder, 'code')]]) {
      const server = fakeFetch(() => SESSION);
      const result = await run(['login', '--username', 'alan', '--password-file', join(folder, 'pw'), ...flags], { fetch: server.fetch, config: testConfig({ FORGELINE_TOKEN: '' }) });
      expect(result.exitCode).toBe(0);
      expect(server.requests.map((request) => request.body)).toEqual([{ username: 'alan', password: 'the-password', totp: '123456' }]);
    }
  });

  it('on a terminal, asks for the code when the server wants one and signs in with it', async () => {
    const folder = await passwordFile();
    const terminal = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined }) as unknown as CliInput & PassThrough;
    terminal.write(' 654321 \n');
    const io = { ...captureIo(), stdin: terminal };
    const server = fakeFetch((request) => ((request.body as { totp?: string }).totp === undefined ? MFA_REQUIRED : SESSION));
    const exitCode = await runCli(['login', '--username', 'alan', '--password-file', join(folder, 'pw')], { io, config: testConfig({ FORGELINE_TOKEN: '' }), fetch: server.fetch });
    expect(exitCode, io.stderr.join('\n')).toBe(0);
    expect(server.requests.map((request) => request.body)).toEqual([{ username: 'alan', password: 'the-password' }, { username: 'alan', password: 'the-password', totp: '654321' }]);
    expect(io.stderr.join('')).toContain('code from your authenticator app (or a recovery code): ');
  });

  it('without a terminal, answers mfa-required in one line saying how to give the code', async () => {
    const folder = await passwordFile();
    const server = fakeFetch(() => MFA_REQUIRED);
    const result = await run(['login', '--username', 'alan', '--password-file', join(folder, 'pw')], { fetch: server.fetch, config: testConfig({ FORGELINE_TOKEN: '' }) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toEqual(['forgeline: mfa-required: alan has a second factor: give --totp CODE (or --totp-file FILE) with the code from the authenticator app']);
    expect(server.requests).toHaveLength(1);
  });

  it('says when a role requires enrolment, and refuses --totp with --totp-file', async () => {
    const folder = await passwordFile();
    const server = fakeFetch(() => ({ status: 201, body: { ...SESSION.body, mfaEnrollmentRequired: true } }));
    const result = await run(['login', '--username', 'ada', '--password-file', join(folder, 'pw')], { fetch: server.fetch, config: testConfig({ FORGELINE_TOKEN: '' }) });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toEqual(['a role of yours requires a second factor: enrol one now with forgeline mfa enroll (nothing else works until you do)']);
    const both = await run(['login', '--username', 'ada', '--totp', '1', '--totp-file', 'x'], { config: testConfig({ FORGELINE_TOKEN: '' }) });
    expect(both.exitCode).toBe(2);
  });
});

describe('forgeline mfa', () => {
  const enrolment = { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Forgeline:ada?secret=JBSWY3DPEHPK3PXP&issuer=Forgeline&algorithm=SHA1&digits=6&period=30', qrSvg: '<svg/>', expiresAt: '2030-01-01T08:15:00.000Z' };

  it('enroll shows the QR code, the URI and the secret, and without a terminal says how to confirm', async () => {
    const server = fakeFetch(() => ({ status: 201, body: enrolment }));
    const result = await run(['mfa', 'enroll'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual(['POST /api/v1/users/me/mfa/enrolment']);
    const out = result.stdout.join('\n');
    expect(out).toContain('scan this QR code');
    expect(out).toMatch(/[█▀▄]/);
    expect(out).toContain(`otpauth URI: ${enrolment.otpauthUri}`);
    expect(out).toContain('secret: JBSWY3DPEHPK3PXP');
    expect(result.stderr).toEqual(['then confirm before 2030-01-01T08:15:00.000Z with: forgeline mfa enroll --code CODE (the code the app shows)']);
  });

  it('enroll --code confirms and prints the recovery codes once', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `abcd-efgh-jk${String(i).padStart(2, '0')}`);
    const server = fakeFetch(() => ({ status: 200, body: { enabledAt: '2030-01-01T08:01:00.000Z', recoveryCodes: codes } }));
    const result = await run(['mfa', 'enroll', '--code', ' 123456 '], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: { code: '123456' } });
    expect(server.requests[0]?.url.pathname).toBe('/api/v1/users/me/mfa/confirm');
    expect(result.stdout.filter((line) => line.startsWith('  '))).toEqual(codes.map((code) => `  ${code}`));
  });

  it('recovery-codes and disable send the password and the code; reset names the user', async () => {
    const folder = await passwordFile();
    const server = fakeFetch((request) => (request.url.pathname.endsWith('recovery-codes') ? { status: 200, body: { recoveryCodes: ['aaaa-bbbb-cccc'] } } : { status: 204 }));
    expect((await run(['mfa', 'recovery-codes', '--password-file', join(folder, 'pw'), '--code', '654321'], { fetch: server.fetch })).exitCode).toBe(0);
    expect((await run(['mfa', 'disable', '--password-file', join(folder, 'pw'), '--code-file', join(folder, 'code')], { fetch: server.fetch })).exitCode).toBe(0);
    expect((await run(['mfa', 'reset', 'alan.approver', '--reason', 'lost phone'], { fetch: server.fetch })).exitCode).toBe(0);
    expect(server.requests.map((request) => [request.url.pathname, request.body])).toEqual([
      ['/api/v1/users/me/mfa/recovery-codes', { password: 'the-password', code: '654321' }],
      ['/api/v1/users/me/mfa/disable', { password: 'the-password', code: '123456' }],
      ['/api/v1/users/alan.approver/mfa/reset', { reason: 'lost phone' }],
    ]);
    const missing = await run(['mfa', 'disable', '--password-file', join(folder, 'pw')], { fetch: server.fetch });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toEqual(['forgeline: usage: give --code CODE or --code-file FILE (no terminal to prompt on)']);
  });
});

describe('forgeline session, user roles and policy', () => {
  it('lists sessions marking this one, and revokes one, the others, or all of a user', async () => {
    const item = { id: 's-1', userId: 'u', username: 'pia', source: '10.0.0.1', createdAt: 'c', lastSeenAt: 'l', idleExpiresAt: 'i', expiresAt: 'e', current: true };
    const server = fakeFetch((request) => (request.method === 'GET' ? { status: 200, body: { items: [item] } } : request.url.pathname === '/api/v1/sessions/s-2' ? { status: 204 } : { status: 200, body: { revoked: 3 } }));
    const list = await run(['session', 'list'], { fetch: server.fetch });
    expect(list.stdout[1]).toMatch(/^s-1 \*\s+pia\s+10\.0\.0\.1/);
    await run(['session', 'list', '--user', 'pia'], { fetch: server.fetch });
    expect((await run(['session', 'revoke', 's-2'], { fetch: server.fetch })).stdout).toEqual(['revoked session s-2']);
    expect((await run(['session', 'revoke', '--others'], { fetch: server.fetch })).stdout).toEqual(['revoked 3 sessions (this one stays)']);
    expect((await run(['session', 'revoke', '--user', 'pia'], { fetch: server.fetch })).stdout).toEqual(['revoked 3 sessions of pia']);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
      'GET /api/v1/sessions', 'GET /api/v1/users/pia/sessions', 'DELETE /api/v1/sessions/s-2', 'DELETE /api/v1/sessions', 'DELETE /api/v1/users/pia/sessions',
    ]);
    const both = await run(['session', 'revoke', 's-2', '--others'], { fetch: server.fetch });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toEqual(['forgeline: usage: name exactly one of: a session id, --others, --user USER']);
  });

  it('replaces roles with PUT, the scope after @', async () => {
    const server = fakeFetch((request) => ({ status: 200, body: { id: 'u', username: 'pia', displayName: 'Pia', disabled: false, passwordMustChange: false, roles: (request.body as { roles: unknown[] }).roles, createdAt: 'c' } }));
    const result = await run(['user', 'roles', 'pia', '--role', 'planner@site-1', '--role', 'operator'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests[0]).toMatchObject({ method: 'PUT', body: { roles: [{ role: 'planner', scopeNodeId: 'site-1' }, { role: 'operator', scopeNodeId: null }] } });
    expect(result.stdout).toEqual(['pia now has the roles planner@site-1, operator; their sessions have ended']);
  });

  it('shows the policy, and sets several settings in one PATCH, warning of users left in conflict', async () => {
    const policy = { mfaRequiredForAll: true, conflictingRoles: [['planner', 'approver']], sessionIdleMinutes: 15 };
    const server = fakeFetch((request) => (request.method === 'GET' ? { status: 200, body: policy } : { status: 200, body: { policy, conflicts: [{ userId: 'b', username: 'bea', reason: 'the site policy forbids holding planner (enterprise-wide) together with approver (enterprise-wide)' }] } }));
    const shown = await run(['policy', 'show'], { fetch: server.fetch });
    expect(shown.stdout).toEqual(['mfaRequiredForAll:  true', 'conflictingRoles:   planner+approver', 'sessionIdleMinutes: 15']);
    const set = await run(['policy', 'set', 'mfaRequiredForAll=true', 'conflictingRoles=planner+approver', 'sessionIdleMinutes=15'], { fetch: server.fetch });
    expect(set.exitCode).toBe(0);
    expect(server.requests[1]).toMatchObject({ method: 'PATCH', body: { mfaRequiredForAll: true, conflictingRoles: [['planner', 'approver']], sessionIdleMinutes: 15 } });
    expect(set.stderr).toEqual([expect.stringMatching(/^warning: bea now holds conflicting roles: /)]);
    const bad = await run(['policy', 'set', 'nonsense'], { fetch: server.fetch });
    expect(bad.exitCode).toBe(2);
  });

  it('parses settings as JSON, role pairs in short form, and none', () => {
    expect(parseSetting('lockoutMinutes=30')).toEqual(['lockoutMinutes', 30]);
    expect(parseSetting('conflictingRoles=none')).toEqual(['conflictingRoles', []]);
    expect(parseSetting('conflictingRoles=[["admin","auditor"]]')).toEqual(['conflictingRoles', [['admin', 'auditor']]]);
    expect(parseSetting('conflictingRoles=admin+auditor, planner+approver')).toEqual(['conflictingRoles', [['admin', 'auditor'], ['planner', 'approver']]]);
  });
});
