/**
 * The browser tests' plant: a data folder made with `forgeline init`, served with `forgeline
 * serve`, a small plant (one site, one area, two work centers, one item, a zone with conduits)
 * set up over the API, people with roles (second factor enrolled where the role needs one), and
 * a way to sign any of them in to the web UI in a fresh browser profile of Debian's chromium.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Agent, request } from 'undici';
import { base32Decode, totpStep } from '../../src/access/index.js';
import { launchBrowser } from '../support/browser.js';
import { expectOk, fileIn, runCli, startServer, TestAuthenticator, type ServerProcess } from './cli-harness.js';

/** The roles that must have a second factor (see MFA_REQUIRED_ROLES). */
const MFA_ROLES = new Set(['approver', 'quality', 'auditor', 'admin']);

/** One API call's answer. */
export interface ApiAnswer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field in tests
  readonly json: any;
}

/** A person of the plant: signs in with `password`, and with codes of `authenticator` when they have a second factor. */
export interface WebPerson {
  readonly username: string;
  readonly displayName: string;
  readonly password: string;
  readonly authenticator?: TestAuthenticator;
  /** Calls the API with this person's own bearer session (set-up and checks beside the browser). */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

/** A signed-in browser profile of one person. */
export interface WebSession {
  readonly context: BrowserContext;
  readonly page: Page;
}

/** The running plant of a browser test file. */
export interface WebPlant {
  readonly url: string;
  readonly dir: string;
  readonly server: ServerProcess;
  readonly browser: Browser;
  readonly admin: WebPerson;
  /** The plant's nodes by code: enterprise `acme`, site `berlin`, area `machining`, work centers `wc-mill` and `wc-lathe`. */
  readonly nodes: Readonly<Record<string, { readonly id: string; readonly name: string }>>;
  /** Creates a person with these roles (scope: a node code, or the whole enterprise), permanent password, second factor where needed. */
  person(username: string, roles: readonly (string | { role: string; scope: string })[]): Promise<WebPerson>;
  /** Opens a fresh browser profile, signs `person` in through the sign-in page, and waits for the app behind it. */
  signIn(person: WebPerson, path?: string): Promise<WebSession>;
  close(): Promise<void>;
}

const ADMIN_PASSWORD = 'quartz lantern orbit seven meadow';

/** The plant's description, as POST /api/v1/plant/import takes it. */
const PLANT = {
  enterprise: {
    code: 'acme', name: 'ACME Components',
    sites: [{ code: 'berlin', name: 'Berlin', children: [{ code: 'machining', name: 'Machining', children: [{ code: 'wc-mill', name: 'Milling' }, { code: 'wc-lathe', name: 'Turning' }] }] }],
  },
};

/** One zone holding the site, reached over HTTPS and MQTT for orders and reports. */
const ZONES = {
  zones: [{ code: 'berlin', name: 'Berlin shop floor', securityLevel: 2, members: ['acme/berlin'] }],
  conduits: [
    { code: 'berlin-https', zone: 'berlin', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'berlin-mqtt', zone: 'berlin', transport: 'mqtt', flows: ['orders', 'reports'] },
  ],
};

/** `init`, `serve`, the admin signed in over the API with a second factor, the plant imported, chromium started. */
export async function startWebPlant(): Promise<WebPlant> {
  const dir = await mkdtemp(join(tmpdir(), 'forgeline-web-e2e-'));
  const data = join(dir, 'data');
  await writeFile(fileIn(dir, 'admin-password'), ADMIN_PASSWORD);
  expectOk(await runCli(['init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password')], { HOME: dir }));
  const server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], { FORGELINE_DATA: data, HOME: dir });
  // The server's certificate comes from the data folder's own CA: the harness trusts it as the browser is told to.
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  let browser: Browser | undefined;
  try {
    const call = async (token: string | undefined, method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
      const answer = await request(`${server.url}${path}`, {
        method: method as 'GET', dispatcher: insecure,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await answer.body.text();
      return { status: answer.statusCode, json: text === '' ? null : JSON.parse(text) };
    };
    const expectStatus = (answer: ApiAnswer, status: number, what: string): ApiAnswer => {
      if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.json)}`);
      return answer;
    };

    /** Signs in over the API (enrolling the second factor first when the role needs one and none is set) and answers the person. */
    const personFor = async (username: string, displayName: string, password: string, needsMfa: boolean): Promise<WebPerson> => {
      let authenticator: TestAuthenticator | undefined;
      let session = expectStatus(await call(undefined, 'POST', '/api/v1/sessions', { username, password }), 201, `sign-in of ${username}`);
      if (needsMfa) {
        const token = session.json.token as string;
        const enrolment = expectStatus(await call(token, 'POST', '/api/v1/users/me/mfa/enrolment'), 201, `MFA enrolment of ${username}`);
        const secret = base32Decode(enrolment.json.secret as string);
        authenticator = new TestAuthenticator(secret, totpStep(Date.now()) - 2, []);
        const confirmed = expectStatus(await call(token, 'POST', '/api/v1/users/me/mfa/confirm', { code: await authenticator.nextCode() }), 200, `MFA confirmation of ${username}`);
        authenticator = authenticator.withRecoveryCodes(confirmed.json.recoveryCodes as string[]);
        session = expectStatus(await call(undefined, 'POST', '/api/v1/sessions', { username, password, totp: await authenticator.nextCode() }), 201, `sign-in of ${username} with a code`);
      }
      const token = session.json.token as string;
      return { username, displayName, password, authenticator, api: (method, path, body) => call(token, method, path, body) };
    };

    const admin = await personFor('admin', 'Administrator', ADMIN_PASSWORD, true);
    const imported = expectStatus(await admin.api('POST', '/api/v1/plant/import', PLANT), 200, 'plant import');
    const nodes: Record<string, { id: string; name: string }> = {};
    for (const node of imported.json.nodes as { id: string; code: string; name: string }[]) nodes[node.code] = { id: node.id, name: node.name };
    expectStatus(await admin.api('POST', '/api/v1/items', { code: 'GEAR-12', revision: 'A', description: 'Spur gear, 12 teeth', unit: 'pcs' }), 201, 'item');
    expectStatus(await admin.api('PUT', '/api/v1/zones', ZONES), 200, 'zones');
    const started = await launchBrowser();
    browser = started;

    return {
      url: server.url, dir, server, browser: started, admin, nodes,
      async person(username, roles) {
        // Long, unbreached, and without the username (the password policy's rules).
        const password = `keeps the line running ${username.length * 7919} shifts`;
        const displayName = username.split('.').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(' ');
        const assignments = roles.map((entry) => (typeof entry === 'string'
          ? { role: entry, scopeNodeId: null }
          : { role: entry.role, scopeNodeId: nodes[entry.scope]?.id ?? null }));
        expectStatus(await admin.api('POST', '/api/v1/users', { username, displayName, password, roles: assignments, temporaryPassword: false }), 201, `user ${username}`);
        return personFor(username, displayName, password, assignments.some((assignment) => MFA_ROLES.has(assignment.role)));
      },
      async signIn(person, path = '/') {
        const context = await started.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${server.url}${path}`);
        await page.getByLabel('Username').fill(person.username);
        await page.getByLabel('Password', { exact: true }).fill(person.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        if (person.authenticator !== undefined) {
          await page.getByLabel('One-time code').fill(await person.authenticator.nextCode());
          await page.getByRole('button', { name: 'Sign in' }).click();
        }
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
        return { context, page };
      },
      async close() {
        await started.close();
        await server.stop();
        await insecure.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server.stop();
    await insecure.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

