import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initDataFolder, NO_RATE_LIMITS, serveForgeline, type RunningServer } from '../server/index.js';
import type { PlantNodeView } from './demo-api.js';
import { DemoAuthenticator, DemoSigner } from './demo-authenticator.js';
import { DemoClient, HttpsConnection } from './demo-client.js';
import { DemoError } from './demo-error.js';
import { DEMO_CAST, DEMO_ITEMS, DEMO_PLANT, DEMO_USERS, DEMO_ZONES, inDescriptionOrder, type CastMember } from './demo-plant.js';
import type { Person } from './order-story.js';

/** A freshly initialized Forgeline served over HTTPS, and a connection that trusts only its CA. */
export interface DemoServer {
  readonly server: RunningServer;
  readonly connection: HttpsConnection;
  readonly adminPassword: string;
}

/** The world the orders run in: the plant's nodes and the signed-in cast. */
export interface DemoWorld {
  readonly nodes: readonly PlantNodeView[];
  readonly workCenters: readonly PlantNodeView[];
  readonly cast: Readonly<Record<CastMember, Person>>;
  /** The admin, signed in with a second factor: registers the shop floor's devices. */
  readonly admin: DemoClient;
}

/** A password for a demo account: 144 random bits, never printed. */
function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Initializes a data folder under `root` with an admin password read from a file
 * (so no one-time password) and serves it on 127.0.0.1 at a free port, quietly.
 */
export async function startDemoServer(root: string): Promise<DemoServer> {
  const dataDir = join(root, 'data');
  const passwordFile = join(root, 'admin-password');
  const adminPassword = newPassword();
  await writeFile(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
  const init = await initDataFolder({ dataDir, adminPasswordFile: passwordFile });
  const ca = await readFile(init.caPath, 'utf8');
  // The whole cast runs from this one process on 127.0.0.1, as fast as it can: per-source limits would only slow the story.
  const server = await serveForgeline({ dataDir, host: '127.0.0.1', port: 0, log: false, rateLimits: NO_RATE_LIMITS });
  return { server, connection: new HttpsConnection(server.url, ca), adminPassword };
}

/** A signed-in user: a client carrying their token, and their authenticator when their role required one. */
export interface SignedIn {
  readonly client: DemoClient;
  readonly authenticator: DemoAuthenticator | null;
}

/**
 * Signs `username` in over the API for the first time. A role that requires a
 * second factor (approver, quality, auditor, admin) gets a session good only for
 * enrolment: the user enrols an authenticator then and there, and the same
 * session then works in full.
 */
export async function signIn(connection: HttpsConnection, username: string, password: string): Promise<SignedIn> {
  const anonymous = new DemoClient(connection, 'anonymous');
  const session = await anonymous.expect<{ token: string; passwordChangeRequired?: boolean; mfaEnrollmentRequired?: boolean }>(
    `sign in ${username}`,
    { method: 'POST', path: '/api/v1/sessions', body: { username, password } },
    201,
  );
  if (session.passwordChangeRequired) throw new DemoError(`sign in ${username}`, 'the account still has a one-time password');
  const client = anonymous.signedIn(username, session.token);
  return { client, authenticator: session.mfaEnrollmentRequired ? await DemoAuthenticator.enrol(client) : null };
}

/** As admin: imports the plant and its zones, adds the items and one user per role, then signs each user in. */
export async function buildWorld(demo: DemoServer): Promise<DemoWorld> {
  const { client: admin } = await signIn(demo.connection, 'admin', demo.adminPassword);
  const imported = await admin.expect<{ nodes: readonly PlantNodeView[] }>('import the plant', { method: 'POST', path: '/api/v1/plant/import', body: DEMO_PLANT });
  const nodes = inDescriptionOrder(imported.nodes);
  const workCenters = nodes.filter((node) => node.kind === 'work-center');
  if (workCenters.length !== 6) throw new DemoError('import the plant', `expected 6 work centers, the server has ${workCenters.length}`);
  // Dispatch needs each work center in a zone that a conduit carries orders to (IEC 62443 SR 5.1, 5.2).
  await admin.expect('apply the zones and conduits', { method: 'PUT', path: '/api/v1/zones', body: DEMO_ZONES });
  for (const { role: _role, ...item } of DEMO_ITEMS) {
    await admin.expect(`add item ${item.code}`, { method: 'POST', path: '/api/v1/items', body: item }, 201);
  }
  const passwords = new Map<CastMember, string>();
  for (const member of DEMO_CAST) {
    const user = DEMO_USERS[member];
    const password = newPassword();
    passwords.set(member, password);
    const roles = user.roles.map((role) => ({ role, scopeNodeId: null }));
    await admin.expect(`add user ${user.username}`, { method: 'POST', path: '/api/v1/users', body: { ...user, roles, password, temporaryPassword: false } }, 201);
  }
  const people = await Promise.all(
    DEMO_CAST.map(async (member): Promise<[CastMember, Person]> => {
      const password = passwords.get(member) ?? '';
      const { client, authenticator } = await signIn(demo.connection, DEMO_USERS[member].username, password);
      return [member, { client, password, signer: new DemoSigner(password, authenticator) }];
    }),
  );
  return { nodes, workCenters, cast: Object.fromEntries(people) as Record<CastMember, Person>, admin };
}
