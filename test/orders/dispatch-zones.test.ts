import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { applyTestZones, createWorld, TEST_PASSWORD, TEST_ZONES, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

describeEachEngine('dispatch through zones and conduits', (engine) => {
  let world: TestWorld;
  let planner: Actor;
  let approver: Actor;

  const act = (actor: Actor, order: OrderDetail, command: 'submit' | 'release' | 'dispatch', body: Record<string, unknown> = {}) =>
    world.services.orders.perform(actor, order.id, command, { version: order.version, ...body });
  const released = async (workCenterCode = 'wc-mill'): Promise<OrderDetail> => {
    const submitted = await act(planner, await world.createOrder(planner, { workCenterId: world.node(workCenterCode).id }), 'submit');
    return act(approver, submitted, 'release', { password: TEST_PASSWORD });
  };
  const dispatchEntries = (orderId: string) => engine.store().db.selectFrom('audit_entries').selectAll()
    .where('order_id', '=', orderId).where('kind', '=', 'order.dispatch').orderBy('idx').execute();

  beforeEach(async () => {
    world = await createWorld(engine.store(), { zones: false });
    planner = await world.user('pia.planner', ['planner']);
    approver = await world.user('alan.approver', ['approver']);
  });

  it('refuses to dispatch an order whose work center is in no zone, audits the refusal, and changes nothing', async () => {
    const order = await released();
    const refused = await expectCode(act(planner, order, 'dispatch'), 'conduit-refused');
    expect(refused.message).toBe('work center acme/berlin/machining/wc-mill is in no zone: no orders flow (server to zone) is permitted');
    expect(refused.status).toBe(403);
    expect(await world.services.orders.queries.detail(order.id)).toMatchObject({ state: 'released', version: order.version });
    const entries = await dispatchEntries(order.id);
    expect(entries.map((entry) => [entry.outcome, entry.actor])).toEqual([['denied', 'pia.planner']]);
    expect(JSON.parse(entries[0]?.detail ?? '{}')).toEqual({ code: 'conduit-refused', reason: refused.message });
  });

  it('refuses when the zone has conduits but none carries orders', async () => {
    await applyTestZones(world.services, {
      zones: TEST_ZONES.zones,
      conduits: [{ code: 'berlin-reports', zone: 'berlin', transport: 'mqtt', flows: ['reports'] }],
    });
    const order = await released();
    const refused = await expectCode(act(planner, order, 'dispatch'), 'conduit-refused');
    expect(refused.message).toBe('zone berlin of work center acme/berlin/machining/wc-mill has no conduit permitting orders (server to zone)');
    expect((await dispatchEntries(order.id)).map((entry) => entry.outcome)).toEqual(['denied']);
  });

  it('dispatches once a conduit carries orders to the zone, over either transport', async () => {
    await applyTestZones(world.services, {
      zones: TEST_ZONES.zones,
      conduits: [{ code: 'lyon-orders', zone: 'lyon', transport: 'mqtt', flows: ['orders'] }],
    });
    const dispatched = await act(planner, await released('wc-press'), 'dispatch');
    expect(dispatched.state).toBe('dispatched');
    expect((await dispatchEntries(dispatched.id)).map((entry) => entry.outcome)).toEqual(['ok']);
    // Berlin has no conduit: the same plan still refuses its work centers.
    await expectCode(act(planner, await released('wc-mill'), 'dispatch'), 'conduit-refused');
  });

  it('still answers illegal-transition, unaudited by the zone check, for an order that cannot be dispatched', async () => {
    const draft = await world.createOrder(planner);
    await expectCode(act(planner, draft, 'dispatch'), 'illegal-transition');
    expect(await dispatchEntries(draft.id)).toEqual([]);
  });
});
