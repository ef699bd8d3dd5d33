import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithCli, expectOk, expectOneLineError, fileIn, runCli, startServer, type ServerProcess } from './cli-harness.js';

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
    server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    // The admin signs in, enrols the second factor their role needs, and sets up the plant, an item and a planner for Berlin.
    const admin = { ...env, FORGELINE_SERVER: server.url, FORGELINE_CREDENTIALS: join(dir, 'admin-credentials.json') };
    expectOk(await cli(admin, 'login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-password')));
    await enrolWithCli((...args) => cli(admin, ...args));
    await writeFile(fileIn(dir, 'plant.yaml'), PLANT_YAML);
    expectOk(await cli(admin, 'plant', 'import', fileIn(dir, 'plant.yaml')));
    const listedNodes = JSON.parse(expectOk(await cli(admin, 'plant', 'list', '--json'))) as { items: { id: string; code: string }[] };
    nodes = new Map(listedNodes.items.map((node) => [node.code, node.id]));
    expectOk(await cli(admin, 'item', 'add', 'GEAR-12', 'A', '--unit', 'pcs', '--description', 'Spur gear'));
    await writeFile(fileIn(dir, 'pia-password'), PIA_PASSWORD);
    expectOk(await cli(admin, 'user', 'add', 'pia', '--role', `planner@${nodes.get('berlin') ?? ''}`, '--password-file', fileIn(dir, 'pia-password'), '--permanent'));
    pia = { ...env, FORGELINE_SERVER: server.url, FORGELINE_CREDENTIALS: join(dir, 'pia-credentials.json') };
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
