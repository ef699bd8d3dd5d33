/**
 * A plant with devices and a real Mosquitto configured by `buildMqttBrokerFiles`, for the MQTT
 * transport tests: the mill and a second mill agent in Berlin, the press in Lyon, and one device
 * revoked before the broker files were written (so the CRL lists it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../../src/access/index.js';
import { writeDeviceFolder } from '../../src/agent/index.js';
import { createCertificateAuthority, createDeviceCsr, type CertificateAuthority } from '../../src/crypto/index.js';
import { buildMqttBrokerFiles, MQTT_BROKER_FILES } from '../../src/devices/index.js';
import { createServices, type Services } from '../../src/server/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { createWorld, TestClock, type TestWorld } from './factories.js';
import { freePort, startMosquitto, writeBrokerFiles, type RunningMosquitto } from './mosquitto.js';
import { tempFolder } from './temp-folders.js';

/** A device enrolled as `forgeline device enrol` would: its id, work center, certificate chain and key. */
export interface EnrolledDevice {
  readonly id: string;
  readonly workCenterId: string;
  readonly certificatePem: string;
  readonly chainPem: string;
  readonly privateKeyPem: string;
}

/** The plant, its devices and the running broker. */
export interface MqttPlant {
  readonly store: Store;
  /** The services' clock: real time at the start (the broker checks certificates against real time). */
  readonly clock: TestClock;
  readonly world: TestWorld;
  readonly services: Services;
  readonly ca: CertificateAuthority;
  readonly admin: Actor;
  readonly mill: EnrolledDevice;
  readonly secondMill: EnrolledDevice;
  readonly press: EnrolledDevice;
  readonly revoked: EnrolledDevice;
  readonly broker: RunningMosquitto;
  /** mqtts://127.0.0.1:<port> */
  readonly url: string;
  /** The server's MQTT identity, as the broker folder holds it. */
  readonly serverIdentity: { readonly certificatePem: string; readonly keyPem: string };
  readonly orders: { readonly mill: string; readonly press: string };
  readonly reports: (device: EnrolledDevice) => string;
  /** Writes a device folder (`device-key.pem`, `device-cert.pem`, `ca.pem`) and answers its path. */
  deviceDir(device: EnrolledDevice): Promise<string>;
  /** Stops the broker and closes the store. */
  close(): Promise<void>;
}

async function enrolled(services: Services, admin: Actor, name: string, workCenterId: string): Promise<EnrolledDevice> {
  const device = await services.devices.createDevice(admin, { name, kind: 'edge-agent', workCenterId });
  const token = await services.devices.createEnrolmentToken(admin, device.id, {});
  const request = await createDeviceCsr(device.id);
  const issued = await services.devices.enrol({ token: token.token, csr: request.csrPem });
  return { id: device.id, workCenterId, certificatePem: issued.certificatePem, chainPem: issued.chainPem, privateKeyPem: request.privateKeyPem };
}

/** Builds the plant on a fresh SQLite store and starts the broker on a free port. */
export async function startMqttPlant(): Promise<MqttPlant> {
  const store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-mqtt-db-'), 'forgeline.db') });
  try {
    const world = await createWorld(store);
    const clock = new TestClock(new Date());
    const ca = await createCertificateAuthority({ commonName: 'Forgeline test CA', validityDays: 3650, now: new Date(clock.now().getTime() - 86_400_000) });
    const services = createServices({ store, clock, deviceCa: ca });
    const admin = await world.user('ada.admin', ['admin']);
    const mill = await enrolled(services, admin, 'Mill agent', world.node('wc-mill').id);
    const secondMill = await enrolled(services, admin, 'Mill agent 2', world.node('wc-mill').id);
    const press = await enrolled(services, admin, 'Press agent', world.node('wc-press').id);
    const revoked = await enrolled(services, admin, 'Old mill agent', world.node('wc-mill').id);
    await services.devices.revokeDevice(admin, revoked.id, { reason: 'replaced', reasonCode: 'superseded' });
    const outDir = tempFolder('forgeline-mqtt-broker-');
    const port = await freePort();
    await writeBrokerFiles(outDir, await buildMqttBrokerFiles({
      store, clock, ca, outDir, port, bindAddress: '127.0.0.1', tlsMinVersion: '1.3', persistence: false, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'],
      // Mosquitto started as root drops to its own user, which cannot read the 0600 files of root.
      runAsUser: process.getuid?.() === 0 ? 'root' : undefined,
    }));
    const broker = await startMosquitto(outDir, port);
    const serverIdentity = {
      certificatePem: await readFile(join(outDir, MQTT_BROKER_FILES.serverCert), 'utf8'),
      keyPem: await readFile(join(outDir, MQTT_BROKER_FILES.serverKey), 'utf8'),
    };
    const topics = { mill: 'forgeline/berlin/machining/wc-mill', press: 'forgeline/lyon/assembly/wc-press' };
    return {
      store, clock, world, services, ca, admin, mill, secondMill, press, revoked, broker, url: `mqtts://127.0.0.1:${port}`, serverIdentity,
      orders: { mill: `${topics.mill}/orders`, press: `${topics.press}/orders` },
      reports: (device) => `${device.workCenterId === press.workCenterId ? topics.press : topics.mill}/reports/${device.id}`,
      async deviceDir(device) {
        const dir = join(tempFolder('forgeline-mqtt-device-'), 'device');
        await writeDeviceFolder(dir, { keyPem: device.privateKeyPem, chainPem: device.chainPem, caPem: ca.certificatePem });
        return dir;
      },
      async close() {
        await broker.stop();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
