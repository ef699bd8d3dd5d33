import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Actor, RoleAssignment } from '../../src/access/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { dispatchedOrder, enrolDevice, orderCrew, type OrderCrew } from '../devices/device-channel-kit.js';
import { describeEachEngine } from '../support/engines.js';
import { SETUP_ADMIN, TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

interface Center {
  path: string;
  name: string;
  counts: Record<string, number>;
}

describeEachEngine('overview API', (engine) => {
  let api: ApiHarness;
  let crew: OrderCrew;
  let operator: Actor;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
    crew = await orderCrew(api.world);
    operator = await api.world.user('otto.operator', ['operator']);
  });
  afterEach(() => api.close());

  const overview = async (token: string) => {
    const response = await api.call('GET', '/api/v1/overview', { token });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    return response.json;
  };
  const byPath = (json: { ordersByWorkCenter: Center[] }) => Object.fromEntries(json.ordersByWorkCenter.map((center) => [center.path, center.counts]));
  /** Signs in a user made with `roles` (none of which needs a second factor) and returns the session token. */
  const signedIn = async (username: string, roles: RoleAssignment[] | 'existing'): Promise<string> => {
    if (roles !== 'existing') await api.world.user(username, roles);
    const session = await api.call('POST', '/api/v1/sessions', { body: { username, password: TEST_PASSWORD } });
    expect(session.status).toBe(201);
    return session.json.token;
  };
  const act = (actor: Actor, order: OrderDetail, action: Parameters<ApiHarness['world']['services']['orders']['perform']>[2], body: Record<string, unknown> = {}) =>
    api.world.services.orders.perform(actor, order.id, action, { version: order.version, ...body });
  const completed = async (good: string, workCenter = 'wc-mill'): Promise<OrderDetail> => {
    let order = await dispatchedOrder(api.world, crew, workCenter);
    order = await act(operator, order, 'start');
    order = await act(operator, order, 'progress', { operationSeq: 20, good });
    return act(operator, order, 'complete');
  };

  it('counts the orders of every work center by state in one table, work centers without orders at zero', async () => {
    const { world, tokens } = api;
    await world.createOrder(crew.planner);
    const second = await world.createOrder(crew.planner);
    await act(crew.planner, second, 'submit');
    await world.createOrder(crew.planner, { workCenterId: world.node('wc-lathe').id });
    await dispatchedOrder(world, crew, 'wc-press');

    const json = await overview(tokens.planner);
    expect(json.ordersByWorkCenter.map((center: Center) => [center.path, center.name])).toEqual([
      ['acme/berlin/machining/wc-lathe', 'Turning'], ['acme/berlin/machining/wc-mill', 'Milling'],
      ['acme/lyon/assembly/wc-pack', 'Packing'], ['acme/lyon/assembly/wc-press', 'Press line'],
    ]);
    const counts = byPath(json);
    expect(counts['acme/berlin/machining/wc-mill']).toEqual({ draft: 1, submitted: 1, released: 0, dispatched: 0, running: 0, paused: 0, held: 0, completed: 0, closed: 0, cancelled: 0 });
    expect(counts['acme/berlin/machining/wc-lathe']).toMatchObject({ draft: 1, submitted: 0 });
    expect(counts['acme/lyon/assembly/wc-press']).toMatchObject({ dispatched: 1, draft: 0 });
    expect(Object.values(counts['acme/lyon/assembly/wc-pack'] ?? {}).every((count) => count === 0)).toBe(true);
    expect(json.ordersByWorkCenter[1].workCenterId).toBe(world.node('wc-mill').id);
    // No plant time set: the shifts of the installations from before the setting, 06/14/22 UTC.
    expect(json).toMatchObject({ timeZone: 'UTC', shiftStarts: ['06:00', '14:00', '22:00'], devices: { onlineWithinSeconds: 120 } });
    // The field of before the setting, kept (deprecated) for clients that read it: the same as it was then.
    expect(json.shiftBoundariesUtc).toEqual(['06:00', '14:00', '22:00']);
  });

  it('shows a work-center operator and a site planner only their part of the plant', async () => {
    const { world } = api;
    await world.createOrder(crew.planner);
    await world.createOrder(crew.planner, { workCenterId: world.node('wc-press').id });
    await enrolDevice(world, world.services, 'wc-mill');
    await enrolDevice(world, world.services, 'wc-pack');

    const millOperator = await overview(await signedIn('olga.mill', [{ role: 'operator', scopeNodeId: world.node('wc-mill').id }]));
    expect(Object.keys(byPath(millOperator))).toEqual(['acme/berlin/machining/wc-mill']);
    expect(millOperator.devices).toMatchObject({ total: 1, online: 1 });

    const lyonPlanner = await overview(await signedIn('paul.lyon', [{ role: 'planner', scopeNodeId: world.node('lyon').id }]));
    expect(Object.keys(byPath(lyonPlanner))).toEqual(['acme/lyon/assembly/wc-pack', 'acme/lyon/assembly/wc-press']);
    expect(byPath(lyonPlanner)['acme/lyon/assembly/wc-press']).toMatchObject({ draft: 1 });
    expect(lyonPlanner.devices).toMatchObject({ total: 1, online: 1 });
  });

  it('counts an order completed in the current shift, with its good quantity, and moves it back as shifts pass', async () => {
    const { world, tokens } = api;
    await completed('42');
    await completed('8.5', 'wc-press');
    const now = await overview(tokens.planner);
    expect(now.throughput).toHaveLength(6);
    // The test clock stands at 2026-11-26T08:00Z: the current shift began at 06:00 UTC.
    expect(now.throughput[0].start).toBe('2026-11-24T14:00:00.000Z');
    expect(now.throughput[5]).toEqual({
      start: '2026-11-26T06:00:00.000Z', end: '2026-11-26T14:00:00.000Z', label: '06:00', localStart: '2026-11-26T06:00', localEnd: '2026-11-26T14:00',
      completedOrders: 2, goodQuantityByUnit: { pcs: '50.5' },
    });
    expect(now.throughput.slice(0, 5).every((shift: { completedOrders: number }) => shift.completedOrders === 0)).toBe(true);

    const lyon = await overview(await signedIn('paul.lyon', [{ role: 'planner', scopeNodeId: world.node('lyon').id }]));
    expect(lyon.throughput[5]).toMatchObject({ completedOrders: 1, goodQuantityByUnit: { pcs: '8.5' } });

    // Eight hours on, the morning's sessions have ended: sign in again.
    world.clock.advance(8 * 3_600_000);
    const later = await overview(await signedIn('planner.one', 'existing'));
    expect(later.throughput[4]).toMatchObject({ start: '2026-11-26T06:00:00.000Z', completedOrders: 2 });
    expect(later.throughput[5]).toMatchObject({ start: '2026-11-26T14:00:00.000Z', end: '2026-11-26T22:00:00.000Z', completedOrders: 0, goodQuantityByUnit: {} });
  });

  it('counts devices online by when they were last seen, offline, and revoked', async () => {
    const { world, tokens } = api;
    const silent = await enrolDevice(world, world.services, 'wc-mill');
    world.clock.advance(10 * 60_000);
    await enrolDevice(world, world.services, 'wc-mill');
    await world.services.devices.createDevice(SETUP_ADMIN, { name: 'never enrolled', kind: 'plc', workCenterId: world.node('wc-lathe').id });
    const revoked = await enrolDevice(world, world.services, 'wc-press');
    await world.services.devices.revokeDevice(SETUP_ADMIN, revoked.id, { reason: 'decommissioned' });

    const json = await overview(tokens.admin);
    expect(json.devices).toEqual({ total: 4, online: 1, offline: 2, revoked: 1, onlineWithinSeconds: 120 });
    // Only a device that was seen and went silent is an alert; one never enrolled is not.
    const offline = json.alerts.filter((alert: { kind: string }) => alert.kind === 'device-offline');
    expect(offline).toEqual([expect.objectContaining({ severity: 'warning', deviceId: silent.id, workCenterId: world.node('wc-mill').id })]);

    world.clock.advance(3 * 60_000);
    expect((await overview(tokens.admin)).devices).toMatchObject({ online: 0, offline: 3 });
  });

  it('lists recent denials to an auditor and an admin, and null to a planner', async () => {
    const { world, tokens } = api;
    const order = await world.createOrder(crew.planner);
    // A planner may not release: refused, and audited as denied.
    const submitted = await act(crew.planner, order, 'submit');
    await expect(act(crew.planner, submitted, 'release', { password: TEST_PASSWORD })).rejects.toMatchObject({ code: 'forbidden' });

    const auditor = await overview(tokens.auditor);
    expect(auditor.recentDenials[0]).toMatchObject({ kind: 'order.release', actor: crew.planner.subject.username, orderId: order.id });
    expect(auditor.recentDenials[0].reason).toMatch(/order\.release/);
    expect(auditor.recentDenials.length).toBeLessThanOrEqual(10);
    expect((await overview(tokens.admin)).recentDenials[0]).toMatchObject({ kind: 'order.release' });
    expect((await overview(tokens.planner)).recentDenials).toBeNull();
    expect((await overview(tokens.quality)).recentDenials).toBeNull();
  });

  it('raises overdue and held alerts, most severe first, and none for a finished order', async () => {
    const { world, tokens } = api;
    const pastDue = { dueWindow: { start: '2026-11-20T06:00:00Z', end: '2026-11-25T18:00:00Z' } };
    const late = await world.createOrder(crew.planner, pastDue);
    const held = await act(crew.quality, await dispatchedOrder(world, crew), 'hold', { reason: 'coolant contamination suspected' });
    let done = await dispatchedOrder(world, crew);
    done = await act(operator, done, 'start');
    await act(operator, done, 'complete');
    const cancelled = await world.createOrder(crew.planner, pastDue);
    await act(crew.planner, cancelled, 'cancel', { reason: 'customer withdrew' });

    const { alerts } = await overview(tokens.planner);
    expect(alerts.map((alert: { kind: string; severity: string; orderId?: string }) => [alert.kind, alert.severity, alert.orderId])).toEqual([
      ['overdue', 'critical', late.id], ['held', 'warning', held.id],
    ]);
    expect(alerts[0]).toMatchObject({ orderNumber: late.number, workCenterId: world.node('wc-mill').id, since: '2026-11-25T18:00:00Z' });
    expect(alerts[0].message).toContain(late.number);
  });

  it('shows at most 20 alerts and says how many there are of each kind', async () => {
    const { world, tokens } = api;
    const pastDue = { dueWindow: { start: '2026-11-20T06:00:00Z', end: '2026-11-25T18:00:00Z' } };
    for (let i = 0; i < 22; i += 1) await world.createOrder(crew.planner, pastDue);
    await act(crew.quality, await dispatchedOrder(world, crew), 'hold', { reason: 'burr on the edge' });
    await world.createOrder(crew.planner, { ...pastDue, workCenterId: world.node('wc-press').id });

    const json = await overview(tokens.planner);
    expect(json.alerts).toHaveLength(20);
    expect(json.alerts.every((alert: { kind: string }) => alert.kind === 'overdue')).toBe(true);
    expect(json.alertCounts).toEqual({ total: 24, byKind: { overdue: 23, held: 1, 'device-offline': 0 } });
    // Counted within the caller's scope, as the list is.
    const lyon = await overview(await signedIn('paul.lyon', [{ role: 'planner', scopeNodeId: world.node('lyon').id }]));
    expect(lyon.alertCounts).toEqual({ total: 1, byKind: { overdue: 1, held: 0, 'device-offline': 0 } });
    expect(lyon.alerts).toHaveLength(1);
  });

  it("counts shifts on the plant's clock once an admin sets the time zone and shifts", async () => {
    const { call, world, tokens } = api;
    await completed('5');
    const changed = await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] } });
    expect(changed).toMatchObject({ status: 200, json: { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] } });

    // 08:00 UTC is 09:00 in Berlin in November: the shift that began at 06:00 local, 05:00 UTC.
    const json = await overview(tokens.planner);
    expect(json).toMatchObject({ timeZone: 'Europe/Berlin', shiftStarts: ['06:00', '14:00', '22:00'] });
    // Deprecated shiftBoundariesUtc: where the shifts now start in UTC (winter time, an hour before local).
    expect(json.shiftBoundariesUtc).toEqual(['05:00', '13:00', '21:00']);
    expect(json.throughput[5]).toMatchObject({ label: '06:00', start: '2026-11-26T05:00:00.000Z', end: '2026-11-26T13:00:00.000Z', localStart: '2026-11-26T06:00', localEnd: '2026-11-26T14:00', completedOrders: 1 });
    expect(json.throughput[4]).toMatchObject({ label: '22:00', start: '2026-11-25T21:00:00.000Z', localStart: '2026-11-25T22:00' });

    // Two shifts a day from 07:30 local: 08:00 UTC (09:00 local) is in the first.
    await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { shifts: ['07:30', '19:30'] } });
    const two = await overview(tokens.planner);
    expect(two.throughput[5]).toMatchObject({ label: '07:30', start: '2026-11-26T06:30:00.000Z', end: '2026-11-26T18:30:00.000Z', completedOrders: 1 });
    expect(two.shiftBoundariesUtc).toEqual(['06:30', '18:30']);
    expect(world.clock.now().toISOString()).toBe('2026-11-26T08:00:00.000Z');
  });

  it('refuses query parameters and callers without a session', async () => {
    const { call, tokens } = api;
    const withQuery = await call('GET', '/api/v1/overview?workCenterId=x', { token: tokens.planner });
    expect(withQuery.status).toBe(400);
    expect(withQuery.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(withQuery.json.code).toBe('validation-failed');
    const anonymous = await call('GET', '/api/v1/overview');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.code).toBe('unauthenticated');
  });
});
