import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MqttOrderChannel, signReport, verifyReport, type OrderDelivery, type SignedReport } from '../../src/agent/index.js';
import { ForgelineError } from '../../src/domain/index.js';
import {
  MqttBridge, StoreMqttDirectory, type AuthenticatedDevice, type MqttConduitCheck, type MqttDirectory, type MqttReportReceiver, type RoutedOrder,
} from '../../src/devices/index.js';
import { DispatchSignal } from '../../src/orders/index.js';
import { describeWithMosquitto } from '../support/mosquitto.js';
import { dispatchedOrder, orderCrew } from './device-channel-kit.js';
import { startMqttPlant, type EnrolledDevice, type MqttPlant } from '../support/mqtt-plant.js';

/**
 * A report service that does what the real one promises the bridge: checks the signature with the
 * device's certificate and that the report names the device, and stores each idempotency key once.
 * `failNext` makes the next calls fail as a database that is away would.
 */
class RecordingReports implements MqttReportReceiver {
  readonly calls: { deviceId: string; idempotencyKey: string }[] = [];
  readonly stored = new Map<string, SignedReport>();
  failNext = 0;

  constructor(private readonly certificates: () => ReadonlyMap<string, string>) {}

  receive(device: AuthenticatedDevice, signed: unknown): Promise<unknown> {
    const report = signed as SignedReport;
    this.calls.push({ deviceId: device.deviceId, idempotencyKey: report.report?.idempotencyKey });
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('the database is away'));
    }
    const pem = this.certificates().get(device.deviceId);
    if (pem === undefined || report.report?.deviceId !== device.deviceId || !verifyReport(report, new X509Certificate(pem).publicKey)) {
      return Promise.reject(new ForgelineError('report-signature-invalid', 'the report is not signed by the key of the device that sent it'));
    }
    const duplicate = this.stored.has(report.report.idempotencyKey);
    if (!duplicate) this.stored.set(report.report.idempotencyKey, report);
    return Promise.resolve({ duplicate });
  }
}

function signedBy(device: EnrolledDevice, orderId: string, overrides: { deviceId?: string } = {}): SignedReport {
  return signReport(
    { idempotencyKey: randomUUID(), deviceId: overrides.deviceId ?? device.id, orderId, kind: 'started', at: new Date().toISOString(), data: {} },
    createPrivateKey(device.privateKeyPem),
  );
}

function order(workCenterId: string, number: string): RoutedOrder {
  // The bridge carries the JWS as it is; the agent verifies it (test/agent/order-acceptance.test.ts).
  return { orderId: randomUUID(), revision: 1, number, workCenterId, jws: `eyJhbGciOiJFZERTQSJ9.${Buffer.from(number).toString('base64url')}.c2ln` };
}

async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describeWithMosquitto('the MQTT bridge against a real Mosquitto with TLS', () => {
  let plant: MqttPlant;
  let signal: DispatchSignal;
  let reports: RecordingReports;
  const dispatched: RoutedOrder[] = [];
  const closedWorkCenters = new Set<string>();
  const bridges: MqttBridge[] = [];
  const channels: MqttOrderChannel[] = [];
  const rawClients: MqttClient[] = [];
  const log: string[] = [];

  const directory = (): MqttDirectory => {
    const store = new StoreMqttDirectory({ store: plant.store, clock: plant.clock });
    return {
      device: (id) => store.device(id),
      ordersTopic: (workCenterId) => store.ordersTopic(workCenterId),
      dispatchedOrders: () => Promise.resolve([...dispatched]),
      dispatchedOrder: (orderId, revision) => Promise.resolve(dispatched.find((entry) => entry.orderId === orderId && entry.revision === revision)),
    };
  };
  const zones: MqttConduitCheck = {
    conduitFor: (workCenterId) => (closedWorkCenters.has(workCenterId)
      ? Promise.reject(new ForgelineError('conduit-refused', `no conduit permits orders over mqtt to ${workCenterId}`))
      : Promise.resolve({})),
  };
  const startBridge = async (): Promise<MqttBridge> => {
    const bridge = new MqttBridge({
      broker: { url: plant.url, caPem: plant.ca.certificatePem, certificatePem: plant.serverIdentity.certificatePem, keyPem: plant.serverIdentity.keyPem },
      store: plant.store, clock: plant.clock, directory: directory(), reports, zones, dispatches: signal, pollMs: 0, reconnectMinMs: 100,
      log: (line) => log.push(line),
    });
    bridges.push(bridge);
    bridge.start();
    await bridge.whenConnected();
    return bridge;
  };
  const openChannel = async (device: EnrolledDevice, received: OrderDelivery[]): Promise<MqttOrderChannel> => {
    const channel = await MqttOrderChannel.open({
      url: plant.url, deviceDir: await plant.deviceDir(device), reconnectMinMs: 100,
      topics: { orders: device.workCenterId === plant.press.workCenterId ? plant.orders.press : plant.orders.mill, reports: plant.reports(device) },
      onOrder: (delivery) => {
        received.push(delivery);
        return Promise.resolve();
      },
    });
    channels.push(channel);
    await channel.whenConnected();
    return channel;
  };
  /** A plain client with a device's certificate, to publish what no agent would. */
  const rawDevice = async (device: EnrolledDevice): Promise<MqttClient> => {
    const client = connect(plant.url, {
      clientId: `raw-${randomUUID()}`, protocolVersion: 5, ca: plant.ca.certificatePem, cert: device.chainPem, key: device.privateKeyPem, reconnectPeriod: 0,
    });
    client.on('error', () => undefined);
    rawClients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('close', () => reject(new Error('the raw client was refused')));
    });
    return client;
  };
  const refusals = async (): Promise<Record<string, unknown>[]> => (await plant.store.db.selectFrom('audit_entries').select(['actor', 'outcome', 'order_id', 'detail']).where('kind', '=', 'mqtt.message-refused').orderBy('idx').execute())
    .map((row) => ({ actor: row.actor, outcome: row.outcome, orderId: row.order_id, ...(JSON.parse(row.detail) as Record<string, unknown>) }));

  beforeAll(async () => {
    plant = await startMqttPlant();
    signal = new DispatchSignal();
    reports = new RecordingReports(() => new Map([plant.mill, plant.secondMill, plant.press].map((device) => [device.id, device.certificatePem])));
  }, 30_000);

  afterEach(async () => {
    for (const channel of channels.splice(0)) await channel.close();
    for (const client of rawClients.splice(0)) await client.endAsync(true);
    for (const bridge of bridges.splice(0)) await bridge.stop();
  });

  afterAll(async () => {
    await plant?.close();
  });

  it('publishes a dispatched order to its work center\'s topic, where its device receives it and another work center\'s does not', async () => {
    const mill: OrderDelivery[] = [];
    const press: OrderDelivery[] = [];
    await openChannel(plant.mill, mill);
    await openChannel(plant.press, press);
    await startBridge();
    const sent = order(plant.mill.workCenterId, 'PO-MILL-1');
    dispatched.push(sent);
    signal.announce(sent);
    await expect.poll(() => mill).toEqual([{ orderId: sent.orderId, revision: 1, number: 'PO-MILL-1', jws: sent.jws }]);
    await settle();
    expect(press).toEqual([]);
  });

  it('delivers an order dispatched while the agent was away when it reconnects, and nothing it acknowledged before', async () => {
    await startBridge();
    const before: OrderDelivery[] = [];
    const first = await openChannel(plant.mill, before);
    // The bridge published every dispatched order when it connected: the agent acknowledges it on this connection.
    await expect.poll(() => before.map((delivery) => delivery.number)).toEqual(['PO-MILL-1']);
    await first.close();
    const sent = order(plant.mill.workCenterId, 'PO-MILL-2');
    dispatched.push(sent);
    signal.announce(sent);
    await settle();
    const after: OrderDelivery[] = [];
    await openChannel(plant.mill, after);
    await expect.poll(() => after.map((delivery) => delivery.number)).toEqual(['PO-MILL-2']);
    await settle();
    expect(after.map((delivery) => delivery.number)).toEqual(['PO-MILL-2']);
  });

  it('publishes every dispatched order when it connects, so nothing dispatched while the broker was away is lost', async () => {
    const mill: OrderDelivery[] = [];
    await openChannel(plant.mill, mill);
    // Dispatched while no bridge ran: no announcement reached a connection.
    const missed = order(plant.mill.workCenterId, 'PO-MILL-3');
    dispatched.push(missed);
    signal.announce(missed);
    await startBridge();
    await expect.poll(() => mill.map((delivery) => delivery.number).sort()).toEqual(['PO-MILL-1', 'PO-MILL-2', 'PO-MILL-3']);
  });

  it('does not publish an order to a work center no MQTT conduit reaches, and audits it', async () => {
    const press: OrderDelivery[] = [];
    await openChannel(plant.press, press);
    closedWorkCenters.add(plant.press.workCenterId);
    await startBridge();
    const sent = order(plant.press.workCenterId, 'PO-PRESS-1');
    dispatched.push(sent);
    signal.announce(sent);
    await expect.poll(async () => (await refusals()).filter((entry) => entry.code === 'conduit-refused')).toEqual([
      expect.objectContaining({ outcome: 'denied', orderId: sent.orderId, workCenterId: plant.press.workCenterId, reason: expect.stringContaining('PO-PRESS-1') }),
    ]);
    await settle();
    expect(press).toEqual([]);
    closedWorkCenters.clear();
    dispatched.splice(dispatched.indexOf(sent), 1);
  });

  it('hands a report to the report service as the device of its topic, stores it once when sent twice, and acknowledges it only once stored', async () => {
    await startBridge();
    const channel = await openChannel(plant.mill, []);
    const twice = signedBy(plant.mill, randomUUID());
    await channel.publishReport(twice);
    await channel.publishReport(twice);
    await expect.poll(() => reports.calls.filter((call) => call.idempotencyKey === twice.report.idempotencyKey)).toEqual([
      { deviceId: plant.mill.id, idempotencyKey: twice.report.idempotencyKey }, { deviceId: plant.mill.id, idempotencyKey: twice.report.idempotencyKey },
    ]);
    expect([...reports.stored.values()].filter((stored) => stored.report.idempotencyKey === twice.report.idempotencyKey)).toHaveLength(1);

    // The service fails once (the database is away): no PUBACK, the broker delivers the report again on the next connection.
    reports.failNext = 1;
    const kept = signedBy(plant.mill, randomUUID());
    await channel.publishReport(kept);
    await expect.poll(() => reports.stored.has(kept.report.idempotencyKey), { timeout: 5_000 }).toBe(true);
    expect(reports.calls.filter((call) => call.idempotencyKey === kept.report.idempotencyKey)).toHaveLength(2);
  });

  it('refuses malformed, oversized and forged reports, audits them at most once a minute per device, and keeps running', async () => {
    const bridge = await startBridge();
    const raw = await rawDevice(plant.press);
    const topic = plant.reports(plant.press);
    const before = (await refusals()).length;
    await raw.publishAsync(topic, '{"report": not json', { qos: 1 });
    await expect.poll(async () => (await refusals()).slice(before)).toEqual([
      expect.objectContaining({ actor: `device:${plant.press.id}`, outcome: 'denied', topic, code: 'message-refused', reason: 'the message is not well-formed JSON' }),
    ]);
    await raw.publishAsync(topic, Buffer.alloc(100 * 1024, 0x20), { qos: 1 });
    await raw.publishAsync(topic, '{"__proto__": {"admin": true}}', { qos: 1 });
    await expect.poll(() => log.filter((line) => line.includes('over the limit') || line.includes('forbidden key "__proto__"'))).toHaveLength(2);
    // Within the minute: logged, not audited again.
    expect((await refusals()).slice(before)).toHaveLength(1);

    plant.clock.advance(61_000);
    // Signed by the mill's key but sent by the press: the service refuses it.
    await raw.publishAsync(topic, JSON.stringify(signedBy(plant.mill, randomUUID(), { deviceId: plant.press.id })), { qos: 1 });
    await expect.poll(async () => (await refusals()).slice(before)).toEqual([
      expect.anything(),
      expect.objectContaining({ code: 'report-signature-invalid', topic, heldBack: 2 }),
    ]);
    const good = signedBy(plant.press, randomUUID());
    await raw.publishAsync(topic, JSON.stringify(good), { qos: 1 });
    await expect.poll(() => reports.stored.has(good.report.idempotencyKey)).toBe(true);
    expect(bridge.connected).toBe(true);
  });

  it('refuses the reports of a device revoked after the broker files were written (the broker still admits it until they are regenerated)', async () => {
    await startBridge();
    const channel = await openChannel(plant.secondMill, []);
    await plant.services.devices.revokeDevice(plant.admin, plant.secondMill.id, { reason: 'stolen', reasonCode: 'keyCompromise' });
    const report = signedBy(plant.secondMill, randomUUID());
    await channel.publishReport(report);
    await expect.poll(async () => (await refusals()).filter((entry) => entry.actor === `device:${plant.secondMill.id}`)).toEqual([
      expect.objectContaining({ code: 'message-refused', reason: expect.stringContaining('revoked') }),
    ]);
    expect(reports.calls.some((call) => call.idempotencyKey === report.report.idempotencyKey)).toBe(false);
  });

  it('refuses a report on a topic the registry no longer gives its device (the plant was renamed since the ACL was written)', async () => {
    await startBridge();
    const channel = await openChannel(plant.mill, []);
    const millNode = plant.world.node('wc-mill').id;
    await plant.store.db.updateTable('plant_nodes').set({ code: 'wc-mill-2' }).where('id', '=', millNode).execute();
    try {
      const report = signedBy(plant.mill, randomUUID());
      await channel.publishReport(report);
      await expect.poll(async () => (await refusals()).filter((entry) => entry.actor === `device:${plant.mill.id}`)).toEqual([
        expect.objectContaining({ code: 'message-refused', topic: plant.reports(plant.mill), reason: expect.stringContaining('/wc-mill-2/reports/') }),
      ]);
      expect(reports.calls.some((call) => call.idempotencyKey === report.report.idempotencyKey)).toBe(false);
    } finally {
      await plant.store.db.updateTable('plant_nodes').set({ code: 'wc-mill' }).where('id', '=', millNode).execute();
    }
  });

  it('carries a real dispatched order to its agent and the agent\'s acceptance, sent twice, to the real report service once', async () => {
    const { world } = plant;
    const bridge = new MqttBridge({
      broker: { url: plant.url, caPem: plant.ca.certificatePem, certificatePem: plant.serverIdentity.certificatePem, keyPem: plant.serverIdentity.keyPem },
      store: plant.store, clock: plant.clock, directory: new StoreMqttDirectory({ store: plant.store, clock: plant.clock }),
      reports: plant.services.reports, zones: plant.services.zones, dispatches: world.services.dispatches, pollMs: 0,
    });
    bridges.push(bridge);
    bridge.start();
    await bridge.whenConnected();
    const received: OrderDelivery[] = [];
    const channel = await openChannel(plant.mill, received);
    const order = await dispatchedOrder(world, await orderCrew(world));
    const stored = await plant.store.db.selectFrom('order_jws').select(['jws', 'jti']).where('order_id', '=', order.id).executeTakeFirstOrThrow();
    await expect.poll(() => received.filter((delivery) => delivery.orderId === order.id)).toEqual([{ orderId: order.id, revision: order.revision, number: order.number, jws: stored.jws }]);

    const accepted = signReport(
      { idempotencyKey: randomUUID(), deviceId: plant.mill.id, orderId: order.id, kind: 'accepted', at: new Date().toISOString(), data: { revision: order.revision, jti: stored.jti } },
      createPrivateKey(plant.mill.privateKeyPem),
    );
    await channel.publishReport(accepted);
    await channel.publishReport(accepted);
    const rows = () => plant.store.db.selectFrom('device_reports').select(['device_id', 'kind']).where('idempotency_key', '=', accepted.report.idempotencyKey).execute();
    await expect.poll(rows).toEqual([{ device_id: plant.mill.id, kind: 'accepted' }]);
    // The second copy was answered as a duplicate, not refused: nothing for the bridge to audit.
    await settle();
    expect((await refusals()).filter((entry) => entry.actor === `device:${plant.mill.id}` && entry.code !== 'message-refused')).toEqual([]);
    expect(await rows()).toHaveLength(1);
    expect(await new StoreMqttDirectory({ store: plant.store, clock: plant.clock }).dispatchedOrder(order.id, order.revision)).toBeUndefined();
  });

  it('lets no revoked device connect: the broker checks the CRL in the TLS handshake', async () => {
    const refused: string[] = [];
    const channel = await MqttOrderChannel.open({
      url: plant.url, deviceDir: await plant.deviceDir(plant.revoked), reconnectMinMs: 100, log: (line) => refused.push(line),
      topics: { orders: plant.orders.mill, reports: plant.reports(plant.revoked) }, onOrder: () => Promise.resolve(),
    });
    channels.push(channel);
    await expect(channel.whenConnected(1_500)).rejects.toThrow(/not connected/);
    await expect.poll(() => plant.broker.output()).toMatch(/certificate verify failed|certificate revoked/);
  });

  it('stops cleanly: no reconnection and no socket left behind', async () => {
    const bridge = await startBridge();
    bridges.splice(bridges.indexOf(bridge), 1);
    await bridge.stop();
    expect(bridge.connected).toBe(false);
    // A DISCONNECT was sent (the session stays), and no reconnection follows.
    await expect.poll(() => plant.broker.output()).toMatch(/Client forgeline-server disconnected\./);
    const connections = (plant.broker.output().match(/New client connected .* as forgeline-server /g) ?? []).length;
    expect(connections).toBeGreaterThan(0);
    await settle(400);
    expect(bridge.connected).toBe(false);
    expect((plant.broker.output().match(/New client connected .* as forgeline-server /g) ?? []).length).toBe(connections);
  });
});
