import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { createCertificateAuthority, createDeviceCsr, type CertificateAuthority } from '../../src/crypto/index.js';
import {
  ALL_ORDERS_FILTER, ALL_REPORTS_FILTER, buildMqttBrokerFiles, MQTT_BROKER_FILES, MQTT_SERVER_IDENTITY, mosquittoAcl, mosquittoConf, ordersTopic, reportsTopic,
  workCenterPlace, type MqttBrokerFilesOptions, type TopicPlantNode,
} from '../../src/devices/index.js';
import { createServices, type Services } from '../../src/server/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, TestClock, type TestWorld } from '../support/factories.js';
import { freePort, mosquittoMissing, startMosquitto, writeBrokerFiles, type RunningMosquitto } from '../support/mosquitto.js';
import { tempFolder } from '../support/temp-folders.js';


/** Two devices enrolled on two work centers (mill in Berlin, press in Lyon), one registered only, one revoked. */
interface Fleet {
  readonly services: Services;
  readonly ca: CertificateAuthority;
  readonly admin: Actor;
  readonly mill: { id: string; certificatePem: string; privateKeyPem: string };
  readonly press: { id: string; certificatePem: string; privateKeyPem: string };
  readonly unenrolled: string;
  readonly revoked: string;
}

async function enrolled(services: Services, admin: Actor, name: string, workCenterId: string) {
  const device = await services.devices.createDevice(admin, { name, kind: 'edge-agent', workCenterId });
  const token = await services.devices.createEnrolmentToken(admin, device.id, {});
  const request = await createDeviceCsr(device.id);
  const issued = await services.devices.enrol({ token: token.token, csr: request.csrPem });
  return { id: device.id, certificatePem: issued.certificatePem, privateKeyPem: request.privateKeyPem };
}

/** The fleet on `world`'s store, with services whose clock is `clock` and whose device CA is known (the broker needs its key). */
async function fleet(world: TestWorld, store: Store, clock: TestClock): Promise<Fleet> {
  const ca = await createCertificateAuthority({ commonName: 'Forgeline test CA', validityDays: 3650, now: new Date(clock.now().getTime() - 86_400_000) });
  const services = createServices({ store, clock, deviceCa: ca });
  const admin = await world.user('ada.admin', ['admin']);
  const mill = await enrolled(services, admin, 'Mill agent', world.node('wc-mill').id);
  const press = await enrolled(services, admin, 'Press agent', world.node('wc-press').id);
  const unenrolled = (await services.devices.createDevice(admin, { name: 'Lathe agent', kind: 'edge-agent', workCenterId: world.node('wc-lathe').id })).id;
  const revoked = (await enrolled(services, admin, 'Old mill agent', world.node('wc-mill').id)).id;
  await services.devices.revokeDevice(admin, revoked, { reason: 'replaced', reasonCode: 'superseded' });
  return { services, ca, admin, mill, press, unenrolled, revoked };
}

function options(store: Store, clock: TestClock, ca: CertificateAuthority, outDir: string, port = 8883): MqttBrokerFilesOptions {
  return { store, clock, ca, outDir, port, bindAddress: '127.0.0.1', tlsMinVersion: '1.3', persistence: false, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
}

describe('MQTT topics', () => {
  const nodes = new Map<string, TopicPlantNode>([
    ['e', { id: 'e', kind: 'enterprise', code: 'acme', path: ['e'] }],
    ['s', { id: 's', kind: 'site', code: 'berlin', path: ['e', 's'] }],
    ['a', { id: 'a', kind: 'area', code: 'machining', path: ['e', 's', 'a'] }],
    ['w', { id: 'w', kind: 'work-center', code: 'wc-mill', path: ['e', 's', 'a', 'w'] }],
    ['x', { id: 'x', kind: 'area', code: 'hall/2', path: ['e', 's', 'x'] }],
    ['y', { id: 'y', kind: 'work-center', code: 'wc+1', path: ['e', 's', 'x', 'y'] }],
  ]);

  it('names orders and reports after site, area and work center codes', () => {
    const place = workCenterPlace('w', nodes);
    expect(ordersTopic(place)).toBe('forgeline/berlin/machining/wc-mill/orders');
    expect(reportsTopic(place, 'd-1')).toBe('forgeline/berlin/machining/wc-mill/reports/d-1');
    expect([ALL_ORDERS_FILTER, ALL_REPORTS_FILTER]).toEqual(['forgeline/+/+/+/orders', 'forgeline/+/+/+/reports/+']);
  });

  it('refuses codes that would add a topic level or a wildcard, listing each', () => {
    // The plant code schema allows "/", so the check here is what keeps topics unambiguous.
    expect(() => workCenterPlace('y', nodes)).toThrow(expect.objectContaining({ code: 'validation-failed', problems: [expect.objectContaining({ path: 'plant/x/code' }), expect.objectContaining({ path: 'plant/y/code' })] }));
    expect(() => workCenterPlace('a', nodes)).toThrow(expect.objectContaining({ code: 'unknown-reference' }));
    expect(() => reportsTopic(workCenterPlace('w', nodes), 'a#b')).toThrow(expect.objectContaining({ code: 'validation-failed' }));
  });
});

describe('mosquitto.conf', () => {
  const files = { caFile: '/b/ca.pem', certFile: '/b/broker.pem', keyFile: '/b/broker-key.pem', crlFile: '/b/crl.pem', aclFile: '/b/acl', persistenceDir: '/b' };
  const generatedAt = new Date('2026-11-26T08:00:00Z');

  it('requires client certificates over TLS 1.3, takes the CN as username, and checks the ACL and the CRL', () => {
    const lines = mosquittoConf({ port: 8883, tlsMinVersion: '1.3', persistence: false, files, generatedAt }).split('\n');
    for (const line of ['allow_anonymous false', 'acl_file /b/acl', 'persistence false', 'listener 8883', 'cafile /b/ca.pem', 'certfile /b/broker.pem',
      'keyfile /b/broker-key.pem', 'crlfile /b/crl.pem', 'require_certificate true', 'use_identity_as_username true', 'tls_version tlsv1.3']) {
      expect(lines).toContain(line);
    }
  });

  it('accepts TLS 1.2 and keeps state on disk only when asked, and refuses a bad port or a path with a line break', () => {
    const text = mosquittoConf({ port: 1884, bindAddress: '127.0.0.1', tlsMinVersion: '1.2', persistence: true, files, generatedAt });
    expect(text).toMatch(/^tls_version tlsv1\.2$/m);
    expect(text).toMatch(/^persistence true\npersistence_location \/b\/$/m);
    expect(text).toMatch(/^listener 1884 127\.0\.0\.1$/m);
    expect(() => mosquittoConf({ port: 0, tlsMinVersion: '1.3', persistence: false, files, generatedAt })).toThrow(RangeError);
    expect(() => mosquittoConf({ port: 1884, tlsMinVersion: '1.3', persistence: false, files: { ...files, aclFile: '/b/acl\nallow_anonymous true' }, generatedAt })).toThrow(RangeError);
  });

  it('grants the server every orders and report topic and nobody anything else when there are no devices', () => {
    const grants = mosquittoAcl([], generatedAt).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(grants).toEqual([`user ${MQTT_SERVER_IDENTITY}`, 'topic write forgeline/+/+/+/orders', 'topic read forgeline/+/+/+/reports/+']);
  });
});

describeEachEngine('mosquitto config from the device registry', (engine) => {
  it('lists each active enrolled device with read on its orders topic and write on its report topic, nothing else', async () => {
    const world = await createWorld(engine.store());
    const devices = await fleet(world, engine.store(), world.clock);
    const bundle = await buildMqttBrokerFiles(options(engine.store(), world.clock, devices.ca, '/srv/broker'));
    expect(bundle.devices.map((device) => device.deviceId).sort()).toEqual([devices.mill.id, devices.press.id].sort());
    const acl = bundle.files.find((file) => file.name === MQTT_BROKER_FILES.acl);
    const grants = (acl?.content ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(grants).toEqual([
      `user ${MQTT_SERVER_IDENTITY}`, 'topic write forgeline/+/+/+/orders', 'topic read forgeline/+/+/+/reports/+',
      `user ${devices.mill.id}`, 'topic read forgeline/berlin/machining/wc-mill/orders', `topic write forgeline/berlin/machining/wc-mill/reports/${devices.mill.id}`,
      `user ${devices.press.id}`, 'topic read forgeline/lyon/assembly/wc-press/orders', `topic write forgeline/lyon/assembly/wc-press/reports/${devices.press.id}`,
    ]);
    expect(acl?.content).not.toContain(devices.unenrolled);
    expect(acl?.content).not.toContain(devices.revoked);
    const modes = Object.fromEntries(bundle.files.map((file) => [file.name, file.mode]));
    expect(modes).toMatchObject({ [MQTT_BROKER_FILES.key]: 0o600, [MQTT_BROKER_FILES.serverKey]: 0o600, [MQTT_BROKER_FILES.acl]: 0o600, [MQTT_BROKER_FILES.ca]: 0o644 });
    const conf = bundle.files.find((file) => file.name === MQTT_BROKER_FILES.conf)?.content ?? '';
    expect(conf).toMatch(/^crlfile \/srv\/broker\/crl\.pem$/m);
    expect(bundle.files.find((file) => file.name === MQTT_BROKER_FILES.crl)?.content).toMatch(/^-----BEGIN X509 CRL-----/);
  });

  it('drops a device from the ACL once its certificate expires', async () => {
    const world = await createWorld(engine.store());
    const devices = await fleet(world, engine.store(), world.clock);
    world.clock.advance(31 * 86_400_000);
    const bundle = await buildMqttBrokerFiles(options(engine.store(), world.clock, devices.ca, '/srv/broker'));
    expect(bundle.devices).toEqual([]);
  });
});

/** Connects over TLS 1.3; 'connected' with the client, or 'refused' when the broker turns it away. */
async function attempt(port: number, ca: string, identity?: { certificatePem: string; privateKeyPem: string }): Promise<{ outcome: 'connected'; client: MqttClient } | { outcome: 'refused'; reason: string }> {
  // mqtt.js hands the TLS options on to node:tls.connect.
  const settings: IClientOptions & Pick<ConnectionOptions, 'minVersion'> = {
    host: '127.0.0.1', port, protocol: 'mqtts', ca, rejectUnauthorized: true, minVersion: 'TLSv1.3', reconnectPeriod: 0, connectTimeout: 3_000, protocolVersion: 5,
    ...(identity === undefined ? {} : { cert: identity.certificatePem, key: identity.privateKeyPem }),
  };
  const client = connect(settings);
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ outcome: 'connected', client }));
    const refuse = (reason: string) => { client.end(true); resolve({ outcome: 'refused', reason }); };
    client.once('error', (error) => refuse(error.message));
    client.once('close', () => refuse('closed'));
  });
}

async function connected(port: number, ca: string, identity: { certificatePem: string; privateKeyPem: string }): Promise<MqttClient> {
  const result = await attempt(port, ca, identity);
  if (result.outcome !== 'connected') throw new Error(`not connected: ${result.reason}`);
  return result.client;
}

/** The messages arriving at `client` on `topic` within `ms` after `act` ran. */
async function received(client: MqttClient, topic: string, act: () => Promise<unknown>, ms = 500): Promise<string[]> {
  const seen: string[] = [];
  const listener = (arrived: string, payload: Buffer) => { if (arrived === topic) seen.push(payload.toString()); };
  client.on('message', listener);
  await act();
  await new Promise((resolve) => setTimeout(resolve, ms));
  client.off('message', listener);
  return seen;
}

// The default reporter hides skipped titles; say it once.
if (mosquittoMissing !== undefined && process.env.FORGELINE_REQUIRE_SERVICES !== '1') console.warn(`${mosquittoMissing}: the real-broker MQTT test is skipped`);
const brokerSuite = mosquittoMissing !== undefined && process.env.FORGELINE_REQUIRE_SERVICES !== '1' ? describe.skip : describe;

brokerSuite(`a real Mosquitto with the generated configuration${mosquittoMissing === undefined ? '' : ` skipped: ${mosquittoMissing} (set FORGELINE_REQUIRE_SERVICES=1 to fail instead)`}`, () => {
  let store: Store;
  let broker: RunningMosquitto | undefined;
  const clients: MqttClient[] = [];

  const startBroker = async (outDir: string, port: number) => {
    broker = await startMosquitto(outDir, port);
  };
  const stopBroker = async () => {
    await broker?.stop();
    broker = undefined;
  };

  beforeAll(async () => {
    if (mosquittoMissing !== undefined) throw new Error(`${mosquittoMissing} (required because FORGELINE_REQUIRE_SERVICES=1)`);
    store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-mqtt-db-'), 'forgeline.db') });
  });

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await stopBroker();
    await store?.close();
  });

  it('lets a device read only its own orders and write only its own reports, refuses clients without a certificate, and refuses a revoked device', async () => {
    const world = await createWorld(store);
    // The broker checks certificates and the CRL against the real time, so the services run on it.
    const clock = new TestClock(new Date());
    const devices = await fleet(world, store, clock);
    const outDir = tempFolder('forgeline-mqtt-');
    const port = await freePort();
    // Mosquitto started as root drops to its own user, which cannot read the 0600 files of root.
    const settings = { ...options(store, clock, devices.ca, outDir, port), runAsUser: process.getuid?.() === 0 ? 'root' : undefined };
    await writeBrokerFiles(outDir, await buildMqttBrokerFiles(settings));
    const serverIdentity = {
      certificatePem: await readFile(join(outDir, MQTT_BROKER_FILES.serverCert), 'utf8'),
      privateKeyPem: await readFile(join(outDir, MQTT_BROKER_FILES.serverKey), 'utf8'),
    };
    await startBroker(outDir, port);
    const ca = devices.ca.certificatePem;

    const server = await connected(port, ca, serverIdentity);
    const mill = await connected(port, ca, devices.mill);
    clients.push(server, mill);
    const millOrders = 'forgeline/berlin/machining/wc-mill/orders';
    const pressOrders = 'forgeline/lyon/assembly/wc-press/orders';
    await mill.subscribeAsync(millOrders, { qos: 1 });
    // Mosquitto 2.0 grants the subscription and checks the ACL on each delivery: nothing must arrive.
    await mill.subscribeAsync(pressOrders, { qos: 1 });
    expect(await received(mill, millOrders, () => server.publishAsync(millOrders, 'order for the mill', { qos: 1 }))).toEqual(['order for the mill']);
    expect(await received(mill, pressOrders, () => server.publishAsync(pressOrders, 'order for the press', { qos: 1 }))).toEqual([]);

    await server.subscribeAsync(ALL_REPORTS_FILTER, { qos: 1 });
    const millReports = `forgeline/berlin/machining/wc-mill/reports/${devices.mill.id}`;
    const pressReports = `forgeline/lyon/assembly/wc-press/reports/${devices.press.id}`;
    expect(await received(server, millReports, () => mill.publishAsync(millReports, 'mill started', { qos: 1 }))).toEqual(['mill started']);
    expect(await received(server, pressReports, () => mill.publishAsync(pressReports, 'forged press report', { qos: 1 }).catch(() => undefined))).toEqual([]);
    // A device cannot publish orders either, not even to its own work center.
    expect(await received(mill, millOrders, () => mill.publishAsync(millOrders, 'self-made order', { qos: 1 }).catch(() => undefined))).toEqual([]);

    expect((await attempt(port, ca)).outcome).toBe('refused');
    await expect.poll(() => broker?.output() ?? '').toMatch(/peer did not return a certificate/);

    await devices.services.devices.revokeDevice(devices.admin, devices.mill.id, { reason: 'stolen', reasonCode: 'keyCompromise' });
    mill.end(true);
    server.end(true);
    await stopBroker();
    clock.advance(1_000);
    await writeBrokerFiles(outDir, await buildMqttBrokerFiles(settings));
    await startBroker(outDir, port);
    expect((await attempt(port, ca, devices.mill)).outcome).toBe('refused');
    // Refused in the TLS handshake; the press device, same CA and same files, still connects: the CRL made the difference.
    await expect.poll(() => broker?.output() ?? '').toMatch(/certificate verify failed/);
    const press = await connected(port, ca, devices.press);
    clients.push(press);
  }, 20_000);
});
