import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { contentHash } from '../../src/crypto/index.js';
import { ZoneService } from '../../src/plant/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, TEST_ZONES, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

/** Berlin's area is one zone, but the lathe is a cell of its own with only an MQTT conduit carrying reports; Lyon is in no zone. */
const CELL_ZONES = {
  zones: [
    { code: 'machining', name: 'Machining hall', securityLevel: 2, members: ['acme/berlin/machining'] },
    { code: 'lathe-cell', name: 'Lathe cell', securityLevel: 3, members: ['acme/berlin/machining/wc-lathe'] },
  ],
  conduits: [
    { code: 'machining-https', zone: 'machining', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'lathe-mqtt', zone: 'lathe-cell', transport: 'mqtt', flows: ['reports'] },
  ],
};

describeEachEngine('zone service', (engine) => {
  let world: TestWorld;
  let auditor: Actor;
  let planner: Actor;
  const zones = () => world.services.zones;
  const entries = (kind: string) => engine.store().db.selectFrom('audit_entries').selectAll().where('kind', '=', kind).orderBy('idx').execute();
  const auditSize = async () => (await engine.store().db.selectFrom('audit_entries').select('idx').execute()).length;

  beforeEach(async () => {
    world = await createWorld(engine.store(), { zones: false });
    auditor = await world.user('aud.auditor', ['auditor']);
    planner = await world.user('pia.planner', ['planner']);
  });

  it('replaces the zones and conduits as a whole, lists them, and audits the replacement once with counts and the description hash', async () => {
    expect(await zones().list(SETUP_ADMIN)).toEqual({ version: 0, descriptionHash: null, updatedAt: null, zones: [], conduits: [] });
    const applied = await zones().replace(SETUP_ADMIN, TEST_ZONES);
    expect(applied).toMatchObject({ version: 1, descriptionHash: contentHash(TEST_ZONES), updatedAt: world.clock.now().toISOString() });
    expect(applied.zones.map((zone) => [zone.code, zone.securityLevel, zone.members])).toEqual([['berlin', 2, ['acme/berlin']], ['lyon', 2, ['acme/lyon']]]);
    expect(applied.conduits.map((conduit) => [conduit.code, conduit.zone, conduit.transport, conduit.flows])).toEqual([
      ['berlin-https', 'berlin', 'https', ['orders', 'reports']], ['berlin-mqtt', 'berlin', 'mqtt', ['orders', 'reports']],
      ['lyon-https', 'lyon', 'https', ['orders', 'reports']], ['lyon-mqtt', 'lyon', 'mqtt', ['orders', 'reports']],
    ]);
    expect(await zones().list(auditor)).toEqual(applied);

    const [entry] = await entries('zone.update');
    expect(entry).toMatchObject({ outcome: 'ok', actor: 'setup' });
    expect(JSON.parse(entry?.detail ?? '{}')).toEqual({ version: 1, zones: 2, conduits: 4, members: 2, descriptionHash: contentHash(TEST_ZONES) });

    const replaced = await zones().replace(SETUP_ADMIN, CELL_ZONES);
    expect(replaced.version).toBe(2);
    expect(replaced.zones.map((zone) => zone.code)).toEqual(['lathe-cell', 'machining']);
    expect(replaced.conduits.map((conduit) => conduit.code)).toEqual(['lathe-mqtt', 'machining-https']);
    expect(await engine.store().db.selectFrom('zone_members').select('node_id').execute()).toHaveLength(2);
    expect(await entries('zone.update')).toHaveLength(2);
  });

  it('keeps the ids of zones and conduits by code from one replacement to the next', async () => {
    const first = await zones().replace(SETUP_ADMIN, TEST_ZONES);
    const renamed = { ...TEST_ZONES, zones: TEST_ZONES.zones.map((zone) => ({ ...zone, name: `${zone.name} (renamed)` })) };
    const second = await zones().replace(SETUP_ADMIN, renamed);
    expect(second.zones.map((zone) => zone.id)).toEqual(first.zones.map((zone) => zone.id));
    expect(second.conduits.map((conduit) => conduit.id)).toEqual(first.conduits.map((conduit) => conduit.id));
    expect(second.zones[0]?.name).toBe('Berlin shop floor (renamed)');
  });

  it('lets only admins replace them (a refusal is audited) and only admins and auditors read them', async () => {
    const refused = await expectCode(zones().replace(auditor, TEST_ZONES), 'forbidden');
    expect(refused.message).toMatch(/zone\.manage/);
    expect((await entries('zone.update')).map((entry) => [entry.outcome, entry.actor])).toEqual([['denied', 'aud.auditor']]);
    await expectCode(zones().list(planner), 'forbidden');
    const siteAdmin = await world.user('sam.siteadmin', [{ role: 'admin', scopeNodeId: world.node('berlin').id }]);
    await expectCode(zones().replace(siteAdmin, TEST_ZONES), 'forbidden');
    expect((await zones().list(SETUP_ADMIN)).version).toBe(0);
  });

  it('refuses a description naming unknown zones or plant nodes, or putting a node in two zones, and changes nothing', async () => {
    await zones().replace(SETUP_ADMIN, TEST_ZONES);
    const before = await zones().list(SETUP_ADMIN);
    const size = await auditSize();

    const unknown = await expectCode(zones().replace(SETUP_ADMIN, {
      zones: [{ code: 'paris', name: 'Paris', securityLevel: 1, members: ['acme/paris'] }],
      conduits: [{ code: 'c', zone: 'rome', transport: 'https', flows: ['orders'] }],
    }), 'unknown-reference');
    expect(unknown.message).toContain('no plant node acme/paris');
    expect(unknown.message).toContain('no zone rome');
    expect(unknown.status).toBe(422);

    const twice = await expectCode(zones().replace(SETUP_ADMIN, {
      zones: [
        { code: 'a', name: 'A', securityLevel: 1, members: ['acme/berlin/machining'] },
        { code: 'b', name: 'B', securityLevel: 1, members: ['acme/berlin/machining'] },
      ],
      conduits: [],
    }), 'validation-failed');
    expect(twice.problems).toEqual([{ path: 'zones.1.members.0', message: 'plant node acme/berlin/machining is in two zones: a and b' }]);

    await expectCode(zones().replace(SETUP_ADMIN, JSON.parse('{"zones": [], "conduits": [], "__proto__": {"polluted": true}}')), 'validation-failed');
    await expectCode(zones().replace(SETUP_ADMIN, 'zones: []'), 'validation-failed');

    expect(await zones().list(SETUP_ADMIN)).toEqual(before);
    expect(await auditSize()).toBe(size);
  });

  it('finds the conduit of a work center through its nearest member ancestor, or refuses naming what is missing', async () => {
    await zones().replace(SETUP_ADMIN, CELL_ZONES);
    const mill = world.node('wc-mill').id;
    const lathe = world.node('wc-lathe').id;
    const press = world.node('wc-press').id;
    const machining = (await zones().list(SETUP_ADMIN)).zones.find((zone) => zone.code === 'machining');

    // The mill is in the hall's zone through its area.
    expect(await zones().conduitFor(mill, 'any', 'orders')).toEqual({
      zoneId: machining?.id, zoneCode: 'machining', conduitId: expect.any(String), conduitCode: 'machining-https', transport: 'https',
    });
    expect(await zones().conduitFor(mill, 'https', 'reports')).toMatchObject({ conduitCode: 'machining-https' });
    expect((await expectCode(zones().conduitFor(mill, 'mqtt', 'orders'), 'conduit-refused')).message)
      .toBe('zone machining of work center acme/berlin/machining/wc-mill has no conduit permitting orders (server to zone) over mqtt');

    // The lathe is a zone of its own: the hall's conduit does not reach it.
    expect(await zones().conduitFor(lathe, 'mqtt', 'reports')).toMatchObject({ zoneCode: 'lathe-cell', conduitCode: 'lathe-mqtt', transport: 'mqtt' });
    expect((await expectCode(zones().conduitFor(lathe, 'any', 'orders'), 'conduit-refused')).message)
      .toBe('zone lathe-cell of work center acme/berlin/machining/wc-lathe has no conduit permitting orders (server to zone)');

    expect((await expectCode(zones().conduitFor(press, 'any', 'orders'), 'conduit-refused')).message)
      .toBe('work center acme/lyon/assembly/wc-press is in no zone: no orders flow (server to zone) is permitted');
    expect((await expectCode(zones().conduitFor(world.node('assembly').id, 'any', 'orders'), 'conduit-refused')).message).toMatch(/^there is no work center /);
    await expectCode(zones().conduitFor('00000000-0000-4000-8000-00000000dead', 'any', 'reports'), 'conduit-refused');
  });

  it('sees its own replacement at once, and another instance\'s after its refresh interval', async () => {
    let now = 0;
    const other = new ZoneService({ store: engine.store(), clock: world.clock, refreshMs: 1_000, monotonicNow: () => now });
    const mill = world.node('wc-mill').id;
    await expectCode(other.conduitFor(mill, 'any', 'orders'), 'conduit-refused');

    await zones().replace(SETUP_ADMIN, TEST_ZONES);
    expect(await zones().conduitFor(mill, 'any', 'orders')).toMatchObject({ conduitCode: 'berlin-https' });
    // Within the interval the other instance still answers from what it read.
    now += 999;
    await expectCode(other.conduitFor(mill, 'any', 'orders'), 'conduit-refused');
    now += 1;
    expect(await other.conduitFor(mill, 'mqtt', 'orders')).toMatchObject({ conduitCode: 'berlin-mqtt' });

    await zones().replace(SETUP_ADMIN, { zones: [], conduits: [] });
    await expectCode(zones().conduitFor(mill, 'any', 'orders'), 'conduit-refused');
    now += 1_000;
    await expectCode(other.conduitFor(mill, 'any', 'orders'), 'conduit-refused');
  });

  it('answers concurrent checks for work centers of different zones, each with its own zone\'s conduit', async () => {
    await zones().replace(SETUP_ADMIN, TEST_ZONES);
    const mill = world.node('wc-mill').id;
    const pack = world.node('wc-pack').id;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => zones().conduitFor(index % 2 === 0 ? mill : pack, 'https', 'orders')));
    expect(answers.map((answer) => answer.conduitCode)).toEqual(Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? 'berlin-https' : 'lyon-https')));
  });
});
