/**
 * Everything a Mosquitto broker needs to carry Forgeline's orders and reports: its
 * configuration and ACL from the device registry, the Forgeline CA, a broker certificate, the
 * current device CRL, and the client certificate the Forgeline server connects with.
 */
import { join } from 'node:path';
import type { Clock } from '../audit/index.js';
import {
  createDeviceCsr, issueDeviceCertificate, issueServerCertificate, loadDeviceAuthority, parseDeviceCsr, type CertificateAuthority,
} from '../crypto/index.js';
import type { Store } from '../store/index.js';
import { DeviceService } from './device-service.js';
import { MQTT_SERVER_IDENTITY, mosquittoAcl, mosquittoConf, type MqttDevice, type MqttTlsMinVersion } from './mosquitto-config.js';
import { workCenterPlace, type TopicPlantNode } from './mqtt-topics.js';

/** The names of the files in a broker folder. */
export const MQTT_BROKER_FILES = {
  conf: 'mosquitto.conf',
  acl: 'acl',
  ca: 'ca.pem',
  cert: 'broker.pem',
  key: 'broker-key.pem',
  crl: 'crl.pem',
  serverCert: `${MQTT_SERVER_IDENTITY}.pem`,
  serverKey: `${MQTT_SERVER_IDENTITY}-key.pem`,
} as const;

/** Days the broker certificate and the server's MQTT client certificate are valid. */
const BROKER_CERTIFICATE_DAYS = 397;
const SERVER_IDENTITY_DAYS = 90;

/** What to generate: the database and CA of a data folder, where the files will live, and how the broker listens. */
export interface MqttBrokerFilesOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly ca: CertificateAuthority;
  /** The absolute folder the files will be written to: mosquitto.conf names them by absolute path. */
  readonly outDir: string;
  readonly port: number;
  readonly bindAddress?: string | undefined;
  readonly tlsMinVersion: MqttTlsMinVersion;
  readonly persistence: boolean;
  /** The user mosquitto runs as when started as root (mosquitto's `user` option). */
  readonly runAsUser?: string | undefined;
  /** The broker's names, for its certificate's SAN: at least one. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** One file to write: its name in the folder, its content, and its mode (0600 for keys and the ACL). */
export interface MqttBrokerFile {
  readonly name: string;
  readonly content: string;
  readonly mode: number;
  /** What it is, for the operator. */
  readonly description: string;
}

/** The files, and the devices the ACL lists. */
export interface MqttBrokerBundle {
  readonly files: readonly MqttBrokerFile[];
  readonly devices: readonly MqttDevice[];
}

/**
 * The devices the broker admits: active, with at least one certificate that is neither revoked
 * nor expired, each with its work center's place in the plant (codes checked as topic levels).
 */
export async function readMqttDevices(store: Store, now: Date): Promise<MqttDevice[]> {
  const rows = await store.db.selectFrom('devices')
    .innerJoin('device_certificates', 'device_certificates.device_id', 'devices.id')
    .select(['devices.id', 'devices.work_center_id'])
    .where('devices.status', '=', 'active')
    .where('device_certificates.revoked_at', 'is', null)
    .where('device_certificates.not_after', '>', now.toISOString())
    .groupBy(['devices.id', 'devices.work_center_id'])
    .orderBy('devices.id')
    .execute();
  const nodes = new Map<string, TopicPlantNode>(
    (await store.db.selectFrom('plant_nodes').select(['id', 'kind', 'code', 'path']).execute())
      .map((row) => [row.id, { ...row, path: row.path.split('/').filter(Boolean) }]),
  );
  return rows.map((row) => ({ deviceId: row.id, workCenterId: row.work_center_id, place: workCenterPlace(row.work_center_id, nodes) }));
}

/** Builds the broker folder's files (see {@link MQTT_BROKER_FILES}); nothing is written. */
export async function buildMqttBrokerFiles(options: MqttBrokerFilesOptions): Promise<MqttBrokerBundle> {
  const now = options.clock.now();
  const devices = await readMqttDevices(options.store, now);
  const crl = await new DeviceService({ store: options.store, clock: options.clock, ca: options.ca }).crl();
  const broker = await issueServerCertificate(options.ca, {
    commonName: options.dnsNames[0] ?? options.ipAddresses[0] ?? 'mqtt-broker',
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    validityDays: BROKER_CERTIFICATE_DAYS,
    now,
  });
  // The server's client certificate has the device profile (clientAuth, CN = identity), so Mosquitto
  // derives the username the same way; it is stored nowhere, so Forgeline's HTTPS device check refuses it.
  const request = await createDeviceCsr(MQTT_SERVER_IDENTITY);
  const csr = await parseDeviceCsr(request.csrPem);
  if (!csr.ok) throw new Error(`the server identity's own CSR does not parse: ${csr.reason}`);
  const identity = await issueDeviceCertificate(await loadDeviceAuthority(options.ca), {
    deviceId: MQTT_SERVER_IDENTITY, workCenterId: MQTT_SERVER_IDENTITY, csr: csr.value, now, validityDays: SERVER_IDENTITY_DAYS,
  });
  const path = (name: string): string => join(options.outDir, name);
  const conf = mosquittoConf({
    port: options.port,
    bindAddress: options.bindAddress,
    tlsMinVersion: options.tlsMinVersion,
    persistence: options.persistence,
    runAsUser: options.runAsUser,
    generatedAt: now,
    files: {
      caFile: path(MQTT_BROKER_FILES.ca), certFile: path(MQTT_BROKER_FILES.cert), keyFile: path(MQTT_BROKER_FILES.key),
      crlFile: path(MQTT_BROKER_FILES.crl), aclFile: path(MQTT_BROKER_FILES.acl), persistenceDir: options.outDir,
    },
  });
  return {
    devices,
    files: [
      { name: MQTT_BROKER_FILES.conf, content: conf, mode: 0o644, description: 'the Mosquitto configuration' },
      { name: MQTT_BROKER_FILES.acl, content: mosquittoAcl(devices, now), mode: 0o600, description: `the ACL: ${devices.length} device(s) and the Forgeline server` },
      { name: MQTT_BROKER_FILES.ca, content: options.ca.certificatePem, mode: 0o644, description: 'the Forgeline CA, which issues device and broker certificates' },
      { name: MQTT_BROKER_FILES.cert, content: broker.chainPem, mode: 0o644, description: `the broker certificate for ${[...options.dnsNames, ...options.ipAddresses].join(', ')}` },
      { name: MQTT_BROKER_FILES.key, content: broker.privateKeyPem, mode: 0o600, description: 'the broker certificate\'s key' },
      { name: MQTT_BROKER_FILES.crl, content: crl.pem, mode: 0o644, description: `the device CRL, valid until ${crl.nextUpdate.toISOString()}` },
      { name: MQTT_BROKER_FILES.serverCert, content: identity.certificatePem, mode: 0o644, description: `the Forgeline server's MQTT client certificate (CN=${MQTT_SERVER_IDENTITY})` },
      { name: MQTT_BROKER_FILES.serverKey, content: request.privateKeyPem, mode: 0o600, description: 'its key' },
    ],
  };
}
