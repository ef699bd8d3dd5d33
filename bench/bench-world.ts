/**
 * The data every order benchmark starts from: a plant, two items, a user per
 * role and order inputs, built through the services as a plant would build
 * them (adapted from test/support/factories.ts, which bench must not import).
 */
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Actor, RoleAssignment } from '../src/access/index.js';
import { systemClock } from '../src/audit/index.js';
import type { PlantNode, Role } from '../src/domain/index.js';
import { createServices, type Services } from '../src/server/index.js';
import type { Store } from '../src/store/index.js';

/** The password every bench user has. */
export const BENCH_PASSWORD = 'correct horse battery staple';

/** An enterprise-wide admin that sets things up (not stored, as in the tests). */
export const SETUP_ADMIN: Actor = {
  subject: { userId: '00000000-0000-4000-8000-000000000000', username: 'setup', roles: [{ role: 'admin', scopeNodeId: null }], passwordMustChange: false },
  source: 'bench',
};

/** Two sites, two areas each, three work centers per area: twelve work centers. */
export const BENCH_PLANT = {
  enterprise: {
    code: 'acme',
    name: 'ACME Components',
    sites: [
      {
        code: 'berlin', name: 'Berlin', children: [
          { code: 'machining', name: 'Machining', children: [{ code: 'wc-mill', name: 'Milling' }, { code: 'wc-lathe', name: 'Turning' }, { code: 'wc-grind', name: 'Grinding' }] },
          { code: 'heat', name: 'Heat treatment', children: [{ code: 'wc-furnace', name: 'Furnace' }, { code: 'wc-quench', name: 'Quench' }, { code: 'wc-temper', name: 'Tempering' }] },
        ],
      },
      {
        code: 'lyon', name: 'Lyon', children: [
          { code: 'assembly', name: 'Assembly', children: [{ code: 'wc-press', name: 'Press line' }, { code: 'wc-weld', name: 'Welding' }, { code: 'wc-pack', name: 'Packing' }] },
          { code: 'finishing', name: 'Finishing', children: [{ code: 'wc-paint', name: 'Paint' }, { code: 'wc-inspect', name: 'Inspection' }, { code: 'wc-ship', name: 'Shipping' }] },
        ],
      },
    ],
  },
};

/** One zone per site, each reached over HTTPS and MQTT for orders and reports: dispatch asks for both a zone and a conduit. */
export const BENCH_ZONES = {
  zones: [
    { code: 'berlin', name: 'Berlin shop floor', securityLevel: 2, members: ['acme/berlin'] },
    { code: 'lyon', name: 'Lyon shop floor', securityLevel: 2, members: ['acme/lyon'] },
  ],
  conduits: ['berlin', 'lyon'].flatMap((zone) => ['https', 'mqtt'].map((transport) => ({ code: `${zone}-${transport}`, zone, transport, flows: ['orders', 'reports'] }))),
};

/** Argon2id parameters so cheap that a verification costs well under a millisecond (bench-only diagnostic approver). */
const CHEAP_ARGON2 = { algorithm: 2, memoryCost: 64, timeCost: 1, parallelism: 1 } as const;

/** The actors of a bench world. */
export interface BenchActors {
  readonly planner: Actor;
  /** Signs releases with Forgeline's real argon2id parameters. */
  readonly approver: Actor;
  /** An approver whose stored hash has minimal argon2id parameters, to time the release path without the password check. */
  readonly fastApprover: Actor;
  readonly operator: Actor;
  /** A planner whose role is scoped to the first site. */
  readonly sitePlanner: Actor;
}

/** Services over a store with the plant, items and users in place. */
export interface BenchWorld {
  readonly services: Services;
  readonly sites: readonly PlantNode[];
  readonly workCenters: readonly PlantNode[];
  readonly actors: BenchActors;
  /** A new, valid create-order request (unique number, work centers in turn). */
  orderInput(): Record<string, unknown>;
}

/** Builds a {@link BenchWorld} on a freshly migrated store, its plant zoned by {@link BENCH_ZONES}. */
export async function createBenchWorld(store: Store): Promise<BenchWorld> {
  const services = createServices({ store, clock: systemClock });
  const { nodes } = await services.plant.import(SETUP_ADMIN, BENCH_PLANT);
  await services.zones.replace(SETUP_ADMIN, BENCH_ZONES);
  await services.items.create(SETUP_ADMIN, { code: 'GEAR-12', revision: 'A', description: 'Spur gear, 12 teeth', unit: 'pcs' });
  await services.items.create(SETUP_ADMIN, { code: 'STEEL-42', revision: 'A', description: 'Bar stock 42CrMo4', unit: 'kg' });
  const sites = nodes.filter((node) => node.kind === 'site');
  const workCenters = nodes.filter((node) => node.kind === 'work-center');
  const firstSite = sites[0];
  if (firstSite === undefined || workCenters.length === 0) throw new Error('the bench plant did not import');

  const user = async (username: string, roles: readonly (Role | RoleAssignment)[]): Promise<Actor> => {
    const assignments = roles.map((role) => (typeof role === 'string' ? { role, scopeNodeId: null } : role));
    const view = await services.users.add(SETUP_ADMIN, { username, displayName: username, password: BENCH_PASSWORD, roles: assignments, temporaryPassword: false });
    return { subject: { userId: view.id, username, roles: assignments, passwordMustChange: false }, source: '127.0.0.1' };
  };
  const fastApprover = await user('fast.approver', ['approver']);
  // Setup only, outside the service: swap in a cheap hash of the same password.
  const cheapHash = await hash(BENCH_PASSWORD, CHEAP_ARGON2);
  await store.db.updateTable('users').set({ password_hash: cheapHash }).where('id', '=', fastApprover.subject.userId).execute();
  const actors: BenchActors = {
    planner: await user('pia.planner', ['planner']),
    approver: await user('alan.approver', ['approver']),
    fastApprover,
    operator: await user('otto.operator', ['operator']),
    sitePlanner: await user('sam.siteplanner', [{ role: 'planner', scopeNodeId: firstSite.id }]),
  };

  const tag = randomBytes(3).toString('hex');
  let sequence = 0;
  return {
    services,
    sites,
    workCenters,
    actors,
    orderInput() {
      sequence += 1;
      const workCenter = workCenters[sequence % workCenters.length] ?? firstSite;
      return {
        number: `BENCH-${tag}-${sequence}`,
        item: { code: 'GEAR-12', revision: 'A' },
        quantity: { value: '100', unit: 'pcs' },
        dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
        workCenterId: workCenter.id,
        operations: [
          { seq: 10, code: 'SAW', description: 'Cut bar stock' },
          { seq: 20, code: 'MILL', description: 'Mill teeth' },
        ],
        materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 }],
        parameters: { recipe: 'GEAR-12-MILL-v3', setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] },
        customerReference: 'CUST-7781',
      };
    },
  };
}
