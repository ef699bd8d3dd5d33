import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Actor } from '../../src/access/index.js';
import { systemClock } from '../../src/audit/index.js';
import { createServices, readManifest, storeOptionsFor } from '../../src/server/index.js';
import { openDatabase } from '../../src/store/index.js';
import { fileIn, runCli, startServer, type CliResult, type ServerProcess } from './cli-harness.js';

const PLANT_YAML = `
enterprise:
  code: acme
  name: ACME Components
  sites:
    - code: berlin
      name: Berlin
      children:
        - code: machining
          name: Machining
          children:
            - { code: wc-mill, name: Milling }
    - code: lyon
      name: Lyon
      children:
        - code: assembly
          name: Assembly
          children:
            - { code: wc-press, name: Press line }
`;

const PIA_PASSWORD = 'mill orders every morning shift';

/** Imports the plant, adds the item and a planner for Berlin through the services on the data folder; answers node ids by code. */
async function setUpPlant(dataDir: string): Promise<Map<string, string>> {
  const store = await openDatabase(storeOptionsFor(dataDir, await readManifest(dataDir)));
  try {
    const services = createServices({ store, clock: systemClock });
    const admin = await store.db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
    const setup: Actor = { subject: { userId: admin.id, username: 'admin', roles: [{ role: 'admin', scopeNodeId: null }], passwordMustChange: false }, source: 'e2e setup' };
    const { nodes } = await services.plant.import(setup, parseYaml(PLANT_YAML));
    const byCode = new Map(nodes.map((node) => [node.code, node.id]));
    await services.items.create(setup, { code: 'GEAR-12', revision: 'A', description: 'Spur gear', unit: 'pcs' });
    await services.users.add(setup, { username: 'pia', displayName: 'Pia', password: PIA_PASSWORD, roles: [{ role: 'planner', scopeNodeId: byCode.get('berlin') }], temporaryPassword: false });
    return byCode;
  } finally {
    await store.close();
  }
}

function expectOk(result: CliResult): string {
  expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
  return result.stdout;
}

function expectOneLineError(result: CliResult, code: string): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr.trim()).toMatch(new RegExp(`^forgeline: ${code}: `));
}

function orderYaml(number: string, workCenterId: string): string {
  return [
    `number: ${number}`,
    'item: { code: GEAR-12, revision: A }',
    'quantity: { value: "250", unit: pcs }',
    'dueWindow: { start: "2026-12-01T06:00:00Z", end: "2026-12-03T18:00:00Z" }',
    `workCenterId: ${workCenterId}`,
    'operations: [ { seq: 10, code: MILL, description: Mill teeth } ]',
  ].join('\n');
}

describe('an ERP integration through the real CLI and server with an API token', () => {
  let dir: string;
  let server: ServerProcess;
  let pia: Record<string, string>;
  let nodes: Map<string, string>;
  const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-token-e2e-'));
    const data = join(dir, 'data');
    await writeFile(fileIn(dir, 'admin-password'), 'quartz lantern orbit seven meadow');
    const env = { FORGELINE_DATA: data, HOME: dir };
    expectOk(await cli(env, 'init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password')));
    // The plant, an item and the planner are set up through the services before serving (the admin's
    // own sign-in needs a second factor, which is not what this test is about).
    nodes = await setUpPlant(data);
    server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    pia = { ...env, FORGELINE_SERVER: server.url, FORGELINE_CREDENTIALS: join(dir, 'pia-credentials.json') };
    await writeFile(fileIn(dir, 'pia-password'), PIA_PASSWORD);
    expectOk(await cli(pia, 'login', '--username', 'pia', '--password-file', fileIn(dir, 'pia-password')));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('mints a token, creates a draft order with it via FORGELINE_TOKEN, and is refused once it is revoked', async () => {
    const created = await cli(pia, 'token', 'create', '--name', 'SAP production',
      '--action', 'order.create', '--action', 'order.read', '--scope', nodes.get('berlin') ?? '', '--expires-in', '30d');
    const token = expectOk(created).trim();
    expect(token).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only this once/);

    // The ERP has no saved login: only the token, from its environment.
    const erp = { ...pia, FORGELINE_CREDENTIALS: join(dir, 'none.json'), FORGELINE_TOKEN: token };
    await writeFile(fileIn(dir, 'order.yaml'), orderYaml('ERP-1', nodes.get('wc-mill') ?? ''));
    const order = JSON.parse(expectOk(await cli(erp, 'order', 'create', fileIn(dir, 'order.yaml'), '--json'))) as { state: string; number: string };
    expect(order).toMatchObject({ state: 'draft', number: 'ERP-1' });
    await writeFile(fileIn(dir, 'lyon.yaml'), orderYaml('ERP-2', nodes.get('wc-press') ?? ''));
    expectOneLineError(await cli(erp, 'order', 'create', fileIn(dir, 'lyon.yaml')), 'forbidden');
    expectOneLineError(await cli(erp, 'token', 'list'), 'forbidden');

    const listed = JSON.parse(expectOk(await cli(pia, 'token', 'list', '--json'))) as { items: { id: string; status: string; lastUsedAt: string | null; lastUsedSource: string | null }[] };
    expect(listed.items).toHaveLength(1);
    const [entry] = listed.items;
    expect(entry).toMatchObject({ status: 'active', lastUsedSource: '127.0.0.1' });
    expect(entry?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);

    expect(expectOk(await cli(pia, 'token', 'revoke', entry?.id ?? ''))).toMatch(/revoked API token/);
    await writeFile(fileIn(dir, 'order.yaml'), orderYaml('ERP-3', nodes.get('wc-mill') ?? ''));
    expectOneLineError(await cli(erp, 'order', 'create', fileIn(dir, 'order.yaml')), 'unauthenticated');
    expect(expectOk(await cli(pia, 'token', 'list'))).toMatch(/revoked/);
    expectOneLineError(await cli(pia, 'token', 'create', '--name', 'auto-release', '--action', 'order.release'), 'validation-failed');
  });

  it('answers over HTTPS with HSTS and the other security headers, and no cookie', async () => {
    const ca = await readFile(join(dir, 'data', 'tls', 'ca.pem'), 'utf8');
    const response = await fetch(`${server.url}/api/v1/orders`, { dispatcher: new Agent({ connect: { ca } }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('set-cookie')).toBeNull();
    await response.body?.cancel();
  });
});
