/** Small factories for test data: a plant, users with roles, items and order content. */
import { base32Decode, totpAt, TOTP_PERIOD_SECONDS, type Actor, type RoleAssignment } from '../../src/access/index.js';
import { ephemeralAuditIdentity, type AuditLogIdentity, type Clock } from '../../src/audit/index.js';
import type { OrderDetail, PlantNode, Role } from '../../src/domain/index.js';
import { createServices, type Services } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';

/** The password every factory user has. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** A clock that moves only when told to. */
export class TestClock implements Clock {
  constructor(private current = new Date('2026-11-26T08:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A system actor able to set things up: an enterprise-wide admin (not stored). */
export const SETUP_ADMIN: Actor = {
  subject: { userId: '00000000-0000-4000-8000-000000000000', username: 'setup', roles: [{ role: 'admin', scopeNodeId: null }], passwordMustChange: false },
  source: 'test',
};

/** Two sites with an area and two work centers each. */
export const TEST_PLANT = {
  enterprise: {
    code: 'acme',
    name: 'ACME Components',
    sites: [
      { code: 'berlin', name: 'Berlin', children: [{ code: 'machining', name: 'Machining', children: [{ code: 'wc-mill', name: 'Milling' }, { code: 'wc-lathe', name: 'Turning' }] }] },
      { code: 'lyon', name: 'Lyon', children: [{ code: 'assembly', name: 'Assembly', children: [{ code: 'wc-press', name: 'Press line' }, { code: 'wc-pack', name: 'Packing' }] }] },
    ],
  },
};

/**
 * One zone per site of {@link TEST_PLANT}, each reached by an HTTPS and an MQTT conduit carrying
 * orders and reports: every work center may be dispatched to, over either transport.
 */
export const TEST_ZONES = {
  zones: [
    { code: 'berlin', name: 'Berlin shop floor', securityLevel: 2, members: ['acme/berlin'] },
    { code: 'lyon', name: 'Lyon shop floor', securityLevel: 2, members: ['acme/lyon'] },
  ],
  conduits: [
    { code: 'berlin-https', zone: 'berlin', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'berlin-mqtt', zone: 'berlin', transport: 'mqtt', flows: ['orders', 'reports'] },
    { code: 'lyon-https', zone: 'lyon', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'lyon-mqtt', zone: 'lyon', transport: 'mqtt', flows: ['orders', 'reports'] },
  ],
};

/** Applies {@link TEST_ZONES} (or `description`) as the setup admin: dispatch asks for a zone and a conduit. */
export async function applyTestZones(services: Services, description: unknown = TEST_ZONES): Promise<void> {
  await services.zones.replace(SETUP_ADMIN, description);
}

/** A world for tests: services over a store, the plant, and helpers to make users and orders. */
export interface TestWorld {
  readonly services: Services;
  readonly clock: TestClock;
  /** The key the world's audit log signs checkpoints with. */
  readonly identity: AuditLogIdentity;
  readonly nodes: readonly PlantNode[];
  node(code: string): PlantNode;
  user(username: string, roles: readonly (Role | RoleAssignment)[]): Promise<Actor>;
  /** Enrols the actor's second factor through the MFA service, as they would; see {@link EnrolledMfa}. */
  enrolMfa(actor: Actor): Promise<EnrolledMfa>;
  orderInput(overrides?: Record<string, unknown>): Record<string, unknown>;
  createOrder(actor: Actor, overrides?: Record<string, unknown>): Promise<OrderDetail>;
}

/**
 * A second factor enrolled for a test user. The enrolment was confirmed with
 * the code of the step before the clock's, so one sign-in with {@link EnrolledMfa.code}
 * works at once; the next needs the clock moved on by a step (30 s), as in life.
 */
export interface EnrolledMfa {
  readonly secret: Buffer;
  readonly recoveryCodes: readonly string[];
  /** The TOTP code at the world's clock, `steps` time steps later. */
  code(steps?: number): string;
}

let orderSequence = 0;

/**
 * Builds a {@link TestWorld} on a store: imports the plant and the item "GEAR-12" rev "A", and
 * applies {@link TEST_ZONES} unless `zones` is false (tests of a plant without zones).
 */
export async function createWorld(store: Store, options: { readonly zones?: boolean } = {}): Promise<TestWorld> {
  const clock = new TestClock();
  const identity = ephemeralAuditIdentity('forgeline.audit/test');
  const services = createServices({ store, clock, auditIdentity: identity });
  const { nodes } = await services.plant.import(SETUP_ADMIN, TEST_PLANT);
  await services.items.create(SETUP_ADMIN, { code: 'GEAR-12', revision: 'A', description: 'Spur gear, 12 teeth', unit: 'pcs' });
  await services.items.create(SETUP_ADMIN, { code: 'STEEL-42', revision: 'A', description: 'Bar stock 42CrMo4', unit: 'kg' });
  if (options.zones !== false) await applyTestZones(services);
  const node = (code: string): PlantNode => {
    const found = nodes.find((candidate) => candidate.code === code);
    if (!found) throw new Error(`no node ${code}`);
    return found;
  };
  const world: TestWorld = {
    services,
    clock,
    identity,
    nodes,
    node,
    async user(username, roles) {
      const assignments = roles.map((role) => (typeof role === 'string' ? { role, scopeNodeId: null } : role));
      const view = await services.users.add(SETUP_ADMIN, { username, displayName: username, password: TEST_PASSWORD, roles: assignments, temporaryPassword: false });
      return { subject: { userId: view.id, username, roles: assignments, passwordMustChange: false }, source: '127.0.0.1' };
    },
    async enrolMfa(actor) {
      const enrolment = await services.mfa.beginEnrolment(actor);
      const secret = base32Decode(enrolment.secret);
      const { recoveryCodes } = await services.mfa.confirmEnrolment(actor, { code: totpAt(secret, clock.now().getTime() - TOTP_PERIOD_SECONDS * 1000) });
      return { secret, recoveryCodes, code: (steps = 0) => totpAt(secret, clock.now().getTime() + steps * TOTP_PERIOD_SECONDS * 1000) };
    },
    orderInput(overrides = {}) {
      orderSequence += 1;
      return {
        number: `PO-${process.pid}-${orderSequence}`,
        item: { code: 'GEAR-12', revision: 'A' },
        quantity: { value: '100', unit: 'pcs' },
        dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' },
        workCenterId: node('wc-mill').id,
        operations: [
          { seq: 10, code: 'SAW', description: 'Cut bar stock' },
          { seq: 20, code: 'MILL', description: 'Mill teeth' },
        ],
        materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 }],
        parameters: { recipe: 'GEAR-12-MILL-v3', setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] },
        customerReference: 'CUST-7781',
        ...overrides,
      };
    },
    createOrder(actor, overrides) {
      return services.orders.create(actor, world.orderInput(overrides));
    },
  };
  return world;
}
