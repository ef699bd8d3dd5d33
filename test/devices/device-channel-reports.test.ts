/** Device reports and the order feed on both engines: applied as the device, stored once, refused and audited. */
import { beforeEach, expect, it } from 'vitest';
import { signReport } from '../../src/agent/index.js';
import { ForgelineError, type ErrorCode } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { applyTestZones, createWorld, TEST_ZONES, type TestWorld } from '../support/factories.js';
import { dispatchedOrder, enrolDevice, lastOperationProgress, orderCrew, releasedOrder, signedReport, type EnrolledDevice, type OrderCrew } from './device-channel-kit.js';
import { deviceCsr } from './device-test-kit.js';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<ForgelineError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ForgelineError);
  expect((error as ForgelineError).code).toBe(code);
  return error as ForgelineError;
}

describeEachEngine('device reports and the order feed', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let mill: EnrolledDevice;

  beforeEach(async () => {
    world = await createWorld(engine.store());
    crew = await orderCrew(world);
    mill = await enrolDevice(world, world.services);
  });

  const receive = (device: EnrolledDevice, signed: unknown, via: 'https' | 'mqtt' = 'https') => world.services.reports.receive(device.authenticated, signed, via, '10.0.0.7');
  const order = (id: string) => engine.store().db.selectFrom('orders').select(['state', 'good_quantity', 'scrap_quantity', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
  const entries = (kind: string) => engine.store().db.selectFrom('audit_entries').selectAll().where('kind', '=', kind).orderBy('idx').execute();
  const storedReports = () => engine.store().db.selectFrom('device_reports').selectAll().execute();

  it('moves the order as the device: started, progress with counts and lots, completed; each stored with its effect and audited', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const started = await receive(mill, signedReport(mill, dispatched.id, 'started'));
    expect(started).toMatchObject({ duplicate: false, applied: true, orderId: dispatched.id, orderState: 'running' });
    const lots = [{ materialLine: 1, lot: 'LOT-42', quantity: '3.5' }];
    await receive(mill, signedReport(mill, dispatched.id, 'progress', { operationSeq: 20, good: '40', scrap: '2', lots }));
    await receive(mill, signedReport(mill, dispatched.id, 'progress', lastOperationProgress('15')));
    const completed = await receive(mill, signedReport(mill, dispatched.id, 'completed'));
    expect(completed).toMatchObject({ applied: true, orderState: 'completed' });
    expect(await order(dispatched.id)).toMatchObject({ state: 'completed', good_quantity: '55', scrap_quantity: '2' });

    const detail = await world.services.orders.queries.detail(dispatched.id);
    expect(detail.progress.map((row) => ({ good: row.good, by: row.reportedBy, lots: row.lots }))).toEqual([
      { good: '40', by: `device:${mill.id}`, lots },
      { good: '15', by: `device:${mill.id}`, lots: [] },
    ]);
    const [start] = await entries('order.start');
    expect(start).toMatchObject({ actor: `device:${mill.id}`, outcome: 'ok', order_id: dispatched.id });
    expect(JSON.parse(start?.detail ?? '{}')).toMatchObject({ from: 'dispatched', to: 'running', report: { deviceId: mill.id, via: 'https', serial: mill.authenticated.serial } });
    const rows = await storedReports();
    expect(rows.map((row) => [row.kind, Number(row.applied), row.order_state])).toEqual(expect.arrayContaining([
      ['started', 1, 'running'], ['progress', 1, 'running'], ['completed', 1, 'completed'],
    ]));
    expect(rows).toHaveLength(4);
  });

  it('answers a resend with the first receipt and does not count it twice, even when both arrive at once', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    await receive(mill, signedReport(mill, dispatched.id, 'started'));
    const progress = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('30'));
    const first = await receive(mill, progress);
    const again = await receive(mill, JSON.parse(JSON.stringify(progress)));
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await order(dispatched.id)).good_quantity).toBe('30');

    const racing = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('7'));
    const receipts = await Promise.all([receive(mill, racing), receive(mill, racing), receive(mill, racing)]);
    expect(receipts.filter((receipt) => !receipt.duplicate)).toHaveLength(1);
    expect(receipts.every((receipt) => receipt.applied)).toBe(true);
    expect((await order(dispatched.id)).good_quantity).toBe('37');
    expect(await entries('order.progress')).toHaveLength(2);
  });

  it('refuses another body under a used idempotency key, audited, changing nothing', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    await receive(mill, signedReport(mill, dispatched.id, 'started'));
    const first = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('5'));
    await receive(mill, first);
    const reused = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('500'), { idempotencyKey: first.report.idempotencyKey });
    await expectCode(receive(mill, reused), 'idempotency-key-reused');
    expect((await order(dispatched.id)).good_quantity).toBe('5');
    const denied = (await entries('device.report')).filter((entry) => entry.outcome === 'denied');
    expect(JSON.parse(denied[0]?.detail ?? '{}')).toMatchObject({ code: 'idempotency-key-reused', idempotencyKey: first.report.idempotencyKey, via: 'https' });
  });

  it('refuses a tampered report, one signed by another device, and one naming another device; each audited, nothing changed', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    await receive(mill, signedReport(mill, dispatched.id, 'started'));
    const honest = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('10'));
    const tampered = { ...honest, report: { ...honest.report, data: lastOperationProgress('1000') } };
    await expectCode(receive(mill, tampered), 'report-signature-invalid');
    const other = await enrolDevice(world, world.services);
    // Signed by another device of the same work center, but sent by this one under its own id.
    const forged = signReport({ ...honest.report, idempotencyKey: 'forged-0001' }, other.privateKey);
    await expectCode(receive(mill, forged), 'report-signature-invalid');
    await expectCode(receive(mill, signedReport(other, dispatched.id, 'progress', lastOperationProgress('10'))), 'report-signature-invalid');
    await expectCode(receive(mill, { report: { ...honest.report, kind: 'exploded' }, signature: honest.signature }), 'validation-failed');

    expect((await order(dispatched.id)).good_quantity).toBe('0');
    expect(await storedReports()).toHaveLength(1);
    const denied = (await entries('device.report')).filter((entry) => entry.outcome === 'denied').map((entry) => JSON.parse(entry.detail) as Record<string, unknown>);
    expect(denied.map((detail) => detail.code)).toEqual(['report-signature-invalid', 'report-signature-invalid', 'report-signature-invalid', 'validation-failed']);
    expect(denied[0]).toMatchObject({ deviceId: mill.id, idempotencyKey: honest.report.idempotencyKey, via: 'https' });
  });

  it('refuses reports on orders not dispatched to the device\'s work center: another work center, not yet dispatched, unknown', async () => {
    const elsewhere = await dispatchedOrder(world, crew, 'wc-lathe');
    const notYet = await releasedOrder(world, crew);
    for (const orderId of [elsewhere.id, notYet.id, '00000000-0000-4000-8000-00000000beef']) {
      const error = await expectCode(receive(mill, signedReport(mill, orderId, 'started')), 'report-not-dispatched');
      // The same words whether the order exists elsewhere or not at all.
      expect(error.message).toBe(`order ${orderId} was not dispatched to this device's work center`);
    }
    expect(await order(elsewhere.id)).toMatchObject({ state: 'dispatched' });
    expect(await storedReports()).toHaveLength(0);
    const denied = await entries('device.report');
    expect(denied.map((entry) => [entry.outcome, JSON.parse(entry.detail).code])).toEqual(Array(3).fill(['denied', 'report-not-dispatched']));
    expect(denied[0]?.order_id).toBe(elsewhere.id);
  });

  it('stores a report whose order was held meanwhile with applied: false, and answers its resend the same', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const running = await world.services.orders.perform(crew.quality, dispatched.id, 'hold', { version: dispatched.version, reason: 'suspect bar stock' });
    expect(running.state).toBe('held');
    const started = signedReport(mill, dispatched.id, 'started');
    const receipt = await receive(mill, started);
    expect(receipt).toEqual({ idempotencyKey: started.report.idempotencyKey, duplicate: false, applied: false, orderId: dispatched.id, orderState: 'held', note: 'the order is held: the started report was recorded but not applied' });
    expect(await receive(mill, started)).toEqual({ ...receipt, duplicate: true });
    expect((await order(dispatched.id)).state).toBe('held');
    const [audited] = await entries('device.report');
    expect(audited).toMatchObject({ outcome: 'ok', actor: `device:${mill.id}`, actor_id: null });
    expect(JSON.parse(audited?.detail ?? '{}')).toMatchObject({ applied: false, kind: 'started', orderState: 'held' });
  });

  it('feeds dispatched orders until a device of the work center accepts or refuses them; never another work center\'s', async () => {
    const first = await dispatchedOrder(world, crew);
    world.clock.advance(1000);
    const second = await dispatchedOrder(world, crew);
    world.clock.advance(1000);
    const third = await dispatchedOrder(world, crew);
    await releasedOrder(world, crew);
    const lathe = await enrolDevice(world, world.services, 'wc-lathe');
    await dispatchedOrder(world, crew, 'wc-lathe');
    const pending = await world.services.orderFeed.pendingFor(mill.authenticated);
    expect(pending.map((item) => item.orderId)).toEqual([first.id, second.id, third.id]);
    expect(pending[0]).toEqual({ orderId: first.id, revision: 1, number: first.number, jws: await world.services.orders.queries.jws(crew.planner, first.id) });

    const colleague = await enrolDevice(world, world.services);
    await receive(colleague, signedReport(colleague, first.id, 'accepted', { revision: 1, jti: 'jti-1' }));
    const refused = await receive(mill, signedReport(mill, second.id, 'refused', { revision: 1, code: 'order-expired', reason: 'the signed order has expired' }));
    expect(refused).toMatchObject({ applied: true, orderState: 'dispatched' });
    expect((await world.services.orderFeed.pendingFor(mill.authenticated)).map((item) => item.orderId)).toEqual([third.id]);
    expect((await world.services.orderFeed.pendingFor(lathe.authenticated)).map((item) => item.orderId)).not.toContain(third.id);

    const [refusal] = await entries('device.order-refused');
    expect(refusal).toMatchObject({ outcome: 'denied', order_id: second.id, actor: `device:${mill.id}` });
    expect(JSON.parse(refusal?.detail ?? '{}')).toMatchObject({ code: 'order-expired', reason: 'the signed order has expired', idempotencyKey: expect.any(String) });
  });

  it('verifies a report signed with the key of the certificate the device renewed from', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const signedBefore = signedReport(mill, dispatched.id, 'started');
    await world.services.devices.renewFor(mill.authenticated, { csr: await deviceCsr(mill.id) });
    expect(await receive(mill, signedBefore)).toMatchObject({ applied: true, orderState: 'running' });
    expect((await storedReports())[0]?.certificate_serial).toBe(mill.authenticated.serial);
  });

  it('refuses reports and connections where no conduit permits them over that transport, and audits both', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    await applyTestZones(world.services, { ...TEST_ZONES, conduits: TEST_ZONES.conduits.filter((conduit) => conduit.code !== 'berlin-https') });
    await expectCode(receive(mill, signedReport(mill, dispatched.id, 'started'), 'https'), 'conduit-refused');
    await expectCode(world.services.orderFeed.admit(mill.authenticated, 'https', '10.0.0.7'), 'conduit-refused');
    expect((await order(dispatched.id)).state).toBe('dispatched');
    // The MQTT conduit still carries both.
    await world.services.orderFeed.admit(mill.authenticated, 'mqtt', '10.0.0.7');
    expect(await receive(mill, signedReport(mill, dispatched.id, 'started'), 'mqtt')).toMatchObject({ applied: true });
    expect((await entries('device.report')).filter((entry) => entry.outcome === 'denied').map((entry) => JSON.parse(entry.detail).code)).toEqual(['conduit-refused']);
    expect((await entries('device.connect')).map((entry) => [entry.outcome, JSON.parse(entry.detail).transport])).toEqual([['denied', 'https'], ['ok', 'mqtt']]);
  });

  it('audits an admitted connection at most once a minute per device', async () => {
    const feed = world.services.orderFeed;
    await feed.admit(mill.authenticated, 'https', '10.0.0.7');
    await feed.admit(mill.authenticated, 'https', '10.0.0.7');
    world.clock.advance(59_000);
    await feed.admit(mill.authenticated, 'https', '10.0.0.7');
    expect(await entries('device.connect')).toHaveLength(1);
    world.clock.advance(2_000);
    await feed.admit(mill.authenticated, 'https', '10.0.0.7');
    expect(await entries('device.connect')).toHaveLength(2);
  });
});
