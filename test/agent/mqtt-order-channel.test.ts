import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  loadDeviceIdentity, MqttOrderChannel, MqttOrderSource, MqttReportSink, MqttReportTooLarge, MqttUnavailable, signReport, writeDeviceFolder, type OrderDelivery, type RefusedMessage,
} from '../../src/agent/index.js';
import { createDeviceCsr } from '../../src/crypto/index.js';
import { encodeOrderMessage } from '../../src/devices/index.js';
import { describeWithMosquitto } from '../support/mosquitto.js';
import { startMqttPlant, type MqttPlant } from '../support/mqtt-plant.js';
import { tempFolder } from '../support/temp-folders.js';

function delivery(number: string): OrderDelivery {
  return { orderId: randomUUID(), revision: 1, number, jws: `eyJhbGciOiJFZERTQSJ9.${Buffer.from(number).toString('base64url')}.c2ln` };
}

describeWithMosquitto('the agent\'s MQTT order channel against a real Mosquitto with TLS', () => {
  let plant: MqttPlant;
  let server: MqttClient;
  const channels: MqttOrderChannel[] = [];

  const open = async (onOrder: (order: OrderDelivery) => Promise<void>, onRefused?: (refusal: RefusedMessage) => void): Promise<MqttOrderChannel> => {
    const channel = await MqttOrderChannel.open({
      url: plant.url, deviceDir: await plant.deviceDir(plant.mill), reconnectMinMs: 100, onOrder, onRefused,
      topics: { orders: plant.orders.mill, reports: plant.reports(plant.mill) },
    });
    channels.push(channel);
    await channel.whenConnected();
    return channel;
  };

  beforeAll(async () => {
    plant = await startMqttPlant();
    // Publishes as the Forgeline server's identity, which the ACL lets write every orders topic.
    server = connect(plant.url, {
      clientId: 'test-publisher', protocolVersion: 5, ca: plant.ca.certificatePem, cert: plant.serverIdentity.certificatePem, key: plant.serverIdentity.keyPem,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('connect', () => resolve());
      server.once('error', reject);
    });
  }, 30_000);

  afterEach(async () => {
    for (const channel of channels.splice(0)) await channel.close();
  });

  afterAll(async () => {
    await server?.endAsync();
    await plant?.close();
  });

  it('connects again with a renewed certificate at once, and receives the orders published meanwhile', async () => {
    const device = plant.secondMill;
    const received: string[] = [];
    const channel = await MqttOrderChannel.open({
      url: plant.url, deviceDir: await plant.deviceDir(device), reconnectMinMs: 100, onOrder: (order) => { received.push(order.number); return Promise.resolve(); },
      topics: { orders: plant.orders.mill, reports: plant.reports(device) },
    });
    channels.push(channel);
    await channel.whenConnected();
    expect(channel.presentedCertificateSerial).toBe(new X509Certificate(device.certificatePem).serialNumber);

    const request = await createDeviceCsr(device.id);
    const renewed = await plant.services.devices.renew(device.certificatePem, { csr: request.csrPem }, '127.0.0.1');
    const renewedDir = join(tempFolder('forgeline-mqtt-renewed-'), 'device');
    await writeDeviceFolder(renewedDir, { keyPem: request.privateKeyPem, chainPem: renewed.chainPem, caPem: renewed.caPem });
    const renewedIdentity = await loadDeviceIdentity(renewedDir);
    channel.useIdentity(renewedIdentity);
    // Published while the channel reconnects: the persistent session keeps it for the device.
    await server.publishAsync(plant.orders.mill, encodeOrderMessage(delivery('PO-RENEWED-1')), { qos: 1 });
    await expect.poll(() => channel.presentedCertificateSerial, { timeout: 10_000 }).toBe(new X509Certificate(renewed.certificatePem).serialNumber);
    await expect.poll(() => received, { timeout: 5_000 }).toContain('PO-RENEWED-1');
    expect(() => channel.useIdentity({ ...renewedIdentity, deviceId: plant.press.id })).toThrow(/same device/);
  });

  it('acknowledges an order only after onOrder resolved: one that failed is delivered again, one handled is not', async () => {
    const calls: string[] = [];
    let failures = 1;
    const onOrder = (order: OrderDelivery): Promise<void> => {
      calls.push(order.number);
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(new Error('the disk is full'));
      }
      return Promise.resolve();
    };
    const channel = await open(onOrder);
    const sent = delivery('PO-ACK-1');
    await server.publishAsync(plant.orders.mill, encodeOrderMessage(sent), { qos: 1 });
    // The failed handling sent no PUBACK; the channel reconnected and the broker delivered it again.
    await expect.poll(() => calls, { timeout: 5_000 }).toEqual(['PO-ACK-1', 'PO-ACK-1']);
    await channel.close();
    await open(onOrder);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toEqual(['PO-ACK-1', 'PO-ACK-1']);
  });

  it('keeps an order whose handling was cut short by a disconnect and delivers it on the next connection', async () => {
    let release: (() => void) | undefined;
    const first: string[] = [];
    const channel = await open((order) => {
      first.push(order.number);
      return new Promise<void>((resolve) => (release = resolve));
    });
    await server.publishAsync(plant.orders.mill, encodeOrderMessage(delivery('PO-CUT-1')), { qos: 1 });
    await expect.poll(() => first).toEqual(['PO-CUT-1']);
    // The agent stops (or crashes) before it recorded the order: the broker never saw a PUBACK.
    await channel.close();
    release?.();
    const second: string[] = [];
    await open((order) => {
      second.push(order.number);
      return Promise.resolve();
    });
    await expect.poll(() => second).toEqual(['PO-CUT-1']);
  });

  it('drops malformed and oversized order messages, tells onRefused, and keeps receiving', async () => {
    const orders: string[] = [];
    const refused: RefusedMessage[] = [];
    await open((order) => {
      orders.push(order.number);
      return Promise.resolve();
    }, (refusal) => refused.push(refusal));
    await server.publishAsync(plant.orders.mill, 'not json', { qos: 1 });
    await server.publishAsync(plant.orders.mill, Buffer.alloc(70 * 1024, 0x7b), { qos: 1 });
    await server.publishAsync(plant.orders.mill, JSON.stringify({ orderId: 'x', revision: 1, number: 'PO-BAD', jws: 'not a jws' }), { qos: 1 });
    await server.publishAsync(plant.orders.mill, encodeOrderMessage(delivery('PO-GOOD-1')), { qos: 1 });
    await expect.poll(() => orders).toEqual(['PO-GOOD-1']);
    expect(refused).toEqual([
      { topic: plant.orders.mill, code: 'message-refused', reason: 'the message is not well-formed JSON' },
      { topic: plant.orders.mill, code: 'message-refused', reason: expect.stringMatching(/71680 bytes, over the limit of 65536/) },
      { topic: plant.orders.mill, code: 'message-refused', reason: 'jws must be a compact JWS' },
    ]);
  });

  it('publishes a report at QoS 1 to its own topic, and refuses one when disconnected or too large for a message', async () => {
    const seen: string[] = [];
    const listener = (topic: string, payload: Buffer): void => void seen.push(`${topic} ${payload.toString()}`);
    await server.subscribeAsync(plant.reports(plant.mill), { qos: 1 });
    server.on('message', listener);
    try {
      const channel = await open(() => Promise.resolve());
      const report = signReport({ idempotencyKey: randomUUID(), deviceId: plant.mill.id, orderId: randomUUID(), kind: 'started', at: new Date().toISOString(), data: {} }, createPrivateKey(plant.mill.privateKeyPem));
      await channel.publishReport(report);
      await expect.poll(() => seen).toEqual([`${plant.reports(plant.mill)} ${JSON.stringify(report)}`]);
      const huge = { ...report, report: { ...report.report, data: { note: 'x'.repeat(70 * 1024) } } };
      await expect(channel.publishReport(huge)).rejects.toBeInstanceOf(MqttReportTooLarge);
      await channel.close();
      await expect(channel.publishReport(report)).rejects.toBeInstanceOf(MqttUnavailable);
    } finally {
      server.off('message', listener);
      await server.unsubscribeAsync(plant.reports(plant.mill));
    }
  });

  it('serves the edge agent as its order source and report sink over one connection', async () => {
    const source = new MqttOrderSource({ url: plant.url, deviceDir: await plant.deviceDir(plant.mill), reconnectMinMs: 100, topics: { orders: plant.orders.mill, reports: plant.reports(plant.mill) } });
    const sink = new MqttReportSink(source);
    const orders: string[] = [];
    const report = signReport({ idempotencyKey: randomUUID(), deviceId: plant.mill.id, orderId: randomUUID(), kind: 'accepted', at: new Date().toISOString(), data: {} }, createPrivateKey(plant.mill.privateKeyPem));
    await expect(sink.send(report)).rejects.toBeInstanceOf(MqttUnavailable);
    expect(sink.isPermanent(new MqttUnavailable('away'))).toBe(false);
    expect(sink.isPermanent(new MqttReportTooLarge(70_000))).toBe(true);
    await source.start((order) => {
      orders.push(order.number);
      return Promise.resolve();
    });
    try {
      await source.channel?.whenConnected();
      await server.publishAsync(plant.orders.mill, encodeOrderMessage(delivery('PO-SOURCE-1')), { qos: 1 });
      await expect.poll(() => orders).toEqual(['PO-SOURCE-1']);
      await sink.send(report);
    } finally {
      await source.stop();
    }
  });
});
