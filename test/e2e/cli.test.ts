import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, enrolWithCli, fileIn, ONE_WORK_CENTER_PLANT_YAML, runCli, startServer, type CliResult, type ServerProcess, type TestAuthenticator } from './cli-harness.js';

function expectOneLineError(result: CliResult, code: string): void {
  expect(result.code).toBe(1);
  // One error line (a command may have said what it was about to do on the line before).
  const errors = result.stderr.trim().split('\n').filter((line) => line.startsWith('forgeline:'));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^forgeline: ${code}: `));
  expect(result.stderr.trim().split('\n').at(-1)).toBe(errors[0]);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('the forgeline command against a real server over HTTPS', () => {
  let dir: string;
  let data: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  // The second factors of the admin and the approver, enrolled during the tour.
  let adminMfa: TestAuthenticator;
  let alanMfa: TestAuthenticator;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-e2e-'));
    data = join(dir, 'data');
    env = { FORGELINE_DATA: data, FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('initializes a data folder once, with private keys and a one-time admin password', async () => {
    const out = expectOk(await cli('init', '--data', data));
    expect(out).toMatch(/admin one-time password: \S{20,}/);
    expect((await stat(data)).mode & 0o777).toBe(0o700);
    expect((await stat(join(data, 'tls/server-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(data, 'tls/ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(data, 'forgeline.db'))).mode & 0o077).toBe(0);
    expectOneLineError(await cli('init', '--data', data), 'conflict');
    const password = /admin one-time password: (\S+)/.exec(out)?.[1] ?? '';
    await writeFile(fileIn(dir, 'admin-once'), password);
    await writeFile(fileIn(dir, 'admin-new'), 'a long plant operations passphrase');
  });

  it('serves HTTPS with the folder\'s CA and refuses clients that do not trust it', async () => {
    server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    env.FORGELINE_SERVER = server.url;
    const ca = await readFile(join(data, 'tls/ca.pem'), 'utf8');
    const health = await fetch(`${server.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    await expect(fetch(`${server.url}/healthz`, { dispatcher: new Agent() })).rejects.toThrow();
  });

  it('walks the tour: sign in, change the one-time password, enrol MFA, plant, items, users', async () => {
    expectOk(await cli('login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-once')));
    expectOneLineError(await cli('plant', 'list'), 'password-change-required');
    expectOneLineError(await cli('mfa', 'enroll'), 'password-change-required');
    expectOk(await cli('passwd', '--current-file', fileIn(dir, 'admin-once'), '--new-file', fileIn(dir, 'admin-new')));
    const signedIn = await cli('login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-new'));
    expect(expectOk(signedIn)).toMatch(/^logged in to /);
    expect(signedIn.stderr).toMatch(/requires a second factor: enrol one now with forgeline mfa enroll/);
    expect(((await stat(join(dir, 'credentials.json'))).mode & 0o777)).toBe(0o600);
    // An admin must enrol a second factor before anything else; the same session then works.
    expectOneLineError(await cli('plant', 'list'), 'mfa-enrollment-required');
    adminMfa = await enrolWithCli(cli);
    expect(adminMfa.recoveryCodes).toHaveLength(10);
    await writeFile(fileIn(dir, 'plant.yaml'), ONE_WORK_CENTER_PLANT_YAML);
    expectOk(await cli('plant', 'import', fileIn(dir, 'plant.yaml')));
    const plant = JSON.parse(expectOk(await cli('plant', 'list', '--json'))) as { items: { code: string; id: string; kind: string }[] };
    expect(plant.items.map((node) => node.kind)).toEqual(['enterprise', 'site', 'area', 'work-center']);
    env.WC = plant.items.find((node) => node.code === 'wc-mill')?.id ?? '';
    expectOk(await cli('item', 'add', 'GEAR-12', 'A', '--unit', 'pcs', '--description', 'Spur gear'));
    await writeFile(fileIn(dir, 'pw-planner'), 'planner passphrase 1');
    await writeFile(fileIn(dir, 'pw-approver'), 'approver passphrase 1');
    expectOk(await cli('user', 'add', 'pia', '--role', 'planner', '--password-file', fileIn(dir, 'pw-planner'), '--permanent'));
    expectOk(await cli('user', 'add', 'alan', '--role', 'approver', '--password-file', fileIn(dir, 'pw-approver'), '--permanent'));
    const users = JSON.parse(expectOk(await cli('user', 'list', '--json'))) as { items: { username: string }[] };
    expect(users.items.map((user) => user.username)).toEqual(['admin', 'alan', 'pia']);
  });

  it('creates, submits, releases with an electronic signature, and refuses what it must', async () => {
    expectOk(await cli('login', '--username', 'pia', '--password-file', fileIn(dir, 'pw-planner')));
    await writeFile(fileIn(dir, 'order.yaml'), [
      'number: PO-1001',
      'item: { code: GEAR-12, revision: A }',
      'quantity: { value: "250", unit: pcs }',
      'dueWindow: { start: "2026-12-01T06:00:00Z", end: "2026-12-03T18:00:00Z" }',
      `workCenterId: ${env.WC}`,
      'operations: [ { seq: 10, code: MILL, description: Mill teeth } ]',
      'parameters: { recipe: GEAR-12-MILL-v3, setpoints: [ { name: spindle-rpm, value: "2400", unit: rpm } ] }',
      'customerReference: CUST-7781',
    ].join('\n'));
    const created = JSON.parse(expectOk(await cli('order', 'create', fileIn(dir, 'order.yaml'), '--json', '--idempotency-key', 'e2e-1'))) as { id: string; state: string; contentHash: string };
    expect(created.state).toBe('draft');
    const again = JSON.parse(expectOk(await cli('order', 'create', fileIn(dir, 'order.yaml'), '--json', '--idempotency-key', 'e2e-1'))) as { id: string };
    expect(again.id).toBe(created.id);
    expect(expectOk(await cli('order', 'submit', created.id))).toMatch(/PO-1001 is submitted/);
    expectOneLineError(await cli('order', 'submit', created.id, '--version', '1'), 'stale-version');
    expectOneLineError(await cli('order', 'release', created.id, '--password-file', fileIn(dir, 'pw-planner')), 'forbidden');

    expectOk(await cli('login', '--username', 'alan', '--password-file', fileIn(dir, 'pw-approver')));
    alanMfa = await enrolWithCli(cli);
    expectOneLineError(await cli('order', 'release', created.id, '--password-file', fileIn(dir, 'pw-planner')), 'signature-failed');
    expectOk(await cli('order', 'release', created.id, '--meaning', 'approved for production', '--password-file', fileIn(dir, 'pw-approver'), '--totp', await alanMfa.nextCode()));
    const shown = JSON.parse(expectOk(await cli('order', 'show', created.id, '--json'))) as { state: string; signatures: { signer: string; contentHash: string }[]; content: Record<string, unknown> };
    expect(shown.state).toBe('released');
    expect(shown.signatures).toEqual([expect.objectContaining({ signer: 'alan', contentHash: created.contentHash })]);
    expect(shown.content).not.toHaveProperty('parameters');
    expectOneLineError(await cli('order', 'show', '00000000-0000-4000-8000-000000000000'), 'not-found');
    await writeFile(fileIn(dir, 'bad.yaml'), 'number: [unclosed');
    const bad = await cli('order', 'create', fileIn(dir, 'bad.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    expectOk(await cli('login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-new'), '--totp', await adminMfa.nextCode()));
    const audit = JSON.parse(expectOk(await cli('audit', 'list', '--order', created.id, '--json'))) as { items: { kind: string; outcome: string; actor: string }[] };
    expect(audit.items.map((entry) => `${entry.kind}:${entry.outcome}:${entry.actor}`)).toEqual([
      'order.create:ok:pia', 'order.submit:ok:pia', 'order.release:denied:pia', 'order.release:denied:alan', 'order.release:ok:alan',
    ]);
  });

  it('exports the audit log and verifies it offline with nothing but the public key', async () => {
    const out = join(dir, 'audit.jsonl');
    const exported = expectOk(await cli('audit', 'export', '--data', data, '--out', out));
    const keyLine = /--key '([^']+)'/.exec(exported)?.[1] ?? '';
    expect(keyLine).toMatch(/^forgeline\.audit\/\S+\+[0-9a-f]{8}\+\S+$/);
    const served = await runCli(['audit', 'list', '--limit', '1'], env);
    expect(served.code).toBe(0);
    expect(expectOk(await cli('audit', 'verify', out, '--key', keyLine))).toMatch(/^verified: \d+ entries, \d+ signed checkpoints/);
    expect(expectOk(await cli('audit', 'verify', '--data', data))).toMatch(/^verified: /);

    // Change one character of one entry's decoded fields: the line and the entry are named.
    const lines = (await readFile(out, 'utf8')).split('\n');
    const target = lines.findIndex((line) => line.includes('"type":"entry"') && line.includes('"kind":"order.submit"'));
    lines[target] = (lines[target] ?? '').replace('"actor":"pia"', '"actor":"eve"');
    await writeFile(out, lines.join('\n'));
    const refused = await cli('audit', 'verify', out, '--key', keyLine);
    expectOneLineError(refused, 'audit-verification-failed');
    expect(refused.stderr).toMatch(new RegExp(`line ${target + 1}, entry \\d+`));
    expectOneLineError(await cli('audit', 'verify', out, '--key', 'not-a-key'), 'validation-failed');
    const usage = await cli('audit', 'verify', out);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toMatch(/^forgeline: usage: .*--key/);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
    expectOneLineError(await cli('order', 'list'), 'unreachable');
  });
});

describe('npm start on a new machine', () => {
  it('initializes the data folder on first run, serves HTTPS, and reuses it on the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'forgeline-start-'));
    const env = { FORGELINE_DATA: join(dir, 'forgeline-data'), FORGELINE_PORT: '0', FORGELINE_HOST: '127.0.0.1', HOME: dir };
    try {
      const first = await startServer(['start'], env);
      expect(first.output()).toMatch(/admin one-time password: \S+/);
      expect(await first.stop()).toBe(0);
      const second = await startServer(['start'], env);
      expect(second.output()).not.toMatch(/one-time password/);
      const ca = await readFile(join(dir, 'forgeline-data/tls/ca.pem'), 'utf8');
      const health = await fetch(`${second.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
      expect(health.status).toBe(200);
      expect(await second.stop()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
