/** Dispatching several orders in one call (POST /api/v1/orders/dispatch): each as its own dispatch, one refusal refusing only its order. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { DISPATCH_MANY_LIMIT } from '../../src/orders/index.js';
import { writeTransactionStats } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { applyTestZones, TEST_PASSWORD, TEST_ZONES } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from '../server/api-harness.js';

describeEachEngine('dispatching several orders at once', (engine) => {
  let api: ApiHarness;
  let planner: Actor;
  let approver: Actor;

  beforeEach(async () => {
    api = await createApiHarness(engine.store());
    planner = await api.world.user('pia.planner', ['planner']);
    approver = await api.world.user('alan.approver', ['approver']);
  });
  afterEach(async () => {
    await api.close();
  });

  const released = async (workCenterCode = 'wc-mill'): Promise<OrderDetail> => {
    const { orders } = api.world.services;
    const draft = await api.world.createOrder(planner, { workCenterId: api.world.node(workCenterCode).id });
    const submitted = await orders.perform(planner, draft.id, 'submit', { version: draft.version });
    return orders.perform(approver, draft.id, 'release', { version: submitted.version, password: TEST_PASSWORD });
  };
  const dispatchEntries = (orderId: string) => engine.store().db.selectFrom('audit_entries').select(['outcome', 'actor', 'detail'])
    .where('order_id', '=', orderId).where('kind', '=', 'order.dispatch').orderBy('idx').execute();
  const stateOf = async (orderId: string) => {
    const order = await api.world.services.orders.queries.detail(orderId);
    return { state: order.state, version: order.version };
  };

  it('dispatches every order named, each audited and announced as a dispatch of its own, and answers where each stands in the request\'s order', async () => {
    const orders = [await released('wc-mill'), await released('wc-lathe'), await released('wc-mill')];
    const announced: string[] = [];
    api.world.services.dispatches.subscribe((dispatch) => announced.push(dispatch.orderId));
    const answer = await api.call('POST', '/api/v1/orders/dispatch', { token: api.tokens.planner, body: { orders: orders.map((order) => ({ id: order.id, version: order.version })) } });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ results: orders.map((order) => ({ id: order.id, ok: true, state: 'dispatched', version: order.version + 1 })) });
    for (const order of orders) {
      expect(await stateOf(order.id)).toEqual({ state: 'dispatched', version: order.version + 1 });
      expect((await dispatchEntries(order.id)).map((entry) => [entry.outcome, entry.actor])).toEqual([['ok', 'planner.one']]);
    }
    expect(announced.sort()).toEqual(orders.map((order) => order.id).sort());
  });

  // PostgreSQL gives each its own transaction on the pool: only SQLite groups them.
  it.skipIf(engine.kind !== 'sqlite')('lets the orders of one call share their SQLite commits', async () => {
    const orders = await Promise.all(Array.from({ length: 20 }, () => released('wc-mill')));
    const before = writeTransactionStats(engine.store());
    const answer = await api.call('POST', '/api/v1/orders/dispatch', { token: api.tokens.planner, body: { orders: orders.map((order) => ({ id: order.id, version: order.version })) } });
    expect(answer.json.results.every((result: { ok: boolean }) => result.ok)).toBe(true);
    const after = writeTransactionStats(engine.store());
    expect(after.calls - before.calls).toBe(20);
    // One at a time would take 20 transactions (and 20 fsyncs).
    expect(after.transactions - before.transactions).toBeLessThanOrEqual(2);
  });

  it('refuses only the orders that a dispatch of their own would refuse, with that refusal, and dispatches the rest', async () => {
    // Lyon's zone gets no conduit carrying orders: its work centers cannot be dispatched to.
    await applyTestZones(api.world.services, { zones: TEST_ZONES.zones, conduits: TEST_ZONES.conduits.filter((conduit) => conduit.zone === 'berlin') });
    const good = await released('wc-mill');
    const stale = await released('wc-mill');
    const noConduit = await released('wc-press');
    const draft = await api.world.createOrder(planner);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const body = {
      orders: [
        { id: stale.id, version: stale.version - 1 },
        { id: good.id, version: good.version, note: 'first shift' },
        { id: noConduit.id, version: noConduit.version },
        { id: draft.id, version: draft.version },
        { id: unknown, version: 1 },
      ],
    };
    const answer = await api.call('POST', '/api/v1/orders/dispatch', { token: api.tokens.planner, body });
    expect(answer.status).toBe(200);
    expect(answer.json.results.map((result: { id: string; ok: boolean; status?: number; code?: string }) => [result.id, result.ok, result.status, result.code])).toEqual([
      [stale.id, false, 409, 'stale-version'],
      [good.id, true, undefined, undefined],
      [noConduit.id, false, 403, 'conduit-refused'],
      [draft.id, false, 409, 'illegal-transition'],
      [unknown, false, 404, 'not-found'],
    ]);
    expect(answer.json.results[2].detail).toMatch(/zone lyon .* has no conduit permitting orders/);
    expect(await stateOf(good.id)).toEqual({ state: 'dispatched', version: good.version + 1 });
    for (const order of [stale, noConduit, draft]) expect(await stateOf(order.id)).toEqual({ state: order.state, version: order.version });
    // The conduit refusal is audited as the denied dispatch it is; the good one as dispatched, with its note.
    expect((await dispatchEntries(noConduit.id)).map((entry) => entry.outcome)).toEqual(['denied']);
    const [dispatched] = await dispatchEntries(good.id);
    expect(JSON.parse(dispatched?.detail ?? '{}')).toMatchObject({ note: 'first shift', from: 'released', to: 'dispatched' });
  });

  it('answers forbidden per order to a caller who may not dispatch, and dispatches nothing', async () => {
    const order = await released('wc-mill');
    const answer = await api.call('POST', '/api/v1/orders/dispatch', { token: api.tokens.logistics, body: { orders: [{ id: order.id, version: order.version }] } });
    expect(answer.status).toBe(200);
    expect(answer.json.results).toEqual([{ id: order.id, ok: false, status: 403, code: 'forbidden', detail: expect.any(String) }]);
    expect(await stateOf(order.id)).toEqual({ state: 'released', version: order.version });
    expect((await dispatchEntries(order.id)).map((entry) => entry.outcome)).toEqual(['denied']);
  });

  it('refuses a malformed request as a whole with problem+json and changes nothing', async () => {
    const order = await released('wc-mill');
    const one = { id: order.id, version: order.version };
    const bodies = [
      {},
      { orders: [] },
      { orders: Array.from({ length: DISPATCH_MANY_LIMIT + 1 }, () => one) },
      { orders: [one, one] },
      { orders: [{ ...one, extra: true }] },
      { orders: [{ id: order.id }] },
      { orders: [one], more: 1 },
    ];
    for (const body of bodies) {
      const answer = await api.call('POST', '/api/v1/orders/dispatch', { token: api.tokens.planner, body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json.code).toBe('validation-failed');
    }
    expect((await api.call('POST', '/api/v1/orders/dispatch', { body: { orders: [one] } })).json.code).toBe('unauthenticated');
    expect(await stateOf(order.id)).toEqual({ state: 'released', version: order.version });
    expect(await dispatchEntries(order.id)).toEqual([]);
  });
});
