/** Helpers of the device channel tests: enrolled devices with their keys, dispatched orders, signed reports. */
import type { FastifyInstance } from 'fastify';
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Actor } from '../../src/access/index.js';
import { signReport, type DeviceReport, type ReportKind, type SignedReport } from '../../src/agent/index.js';
import { createCertificateAuthority, createDeviceCsr, issueServerCertificate, type CertificateAuthority } from '../../src/crypto/index.js';
import { DeviceService, type AuthenticatedDevice } from '../../src/devices/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { buildApp, NO_RATE_LIMITS, type Services } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { createWorld, SETUP_ADMIN, TEST_PASSWORD, type TestWorld } from '../support/factories.js';
import { derOf } from './device-test-kit.js';

/** A device enrolled as an agent would be: its certificate chain, private key, and how the server sees it. */
export interface EnrolledDevice {
  readonly id: string;
  readonly workCenterId: string;
  readonly chainPem: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
  /** The device as its certificate authenticates it. */
  readonly authenticated: AuthenticatedDevice;
}

let deviceSequence = 0;

/** Registers and enrols a device in the work center with code `workCenter`. */
export async function enrolDevice(world: TestWorld, services: Services, workCenter = 'wc-mill'): Promise<EnrolledDevice> {
  deviceSequence += 1;
  const device = await services.devices.createDevice(SETUP_ADMIN, { name: `edge agent ${deviceSequence}`, kind: 'edge-agent', workCenterId: world.node(workCenter).id });
  const { token } = await services.devices.createEnrolmentToken(SETUP_ADMIN, device.id, {});
  const { csrPem, privateKeyPem } = await createDeviceCsr(device.id);
  const issued = await services.devices.enrol({ token, csr: csrPem }, '127.0.0.1');
  const authenticated = await services.devices.checkClientCertificate(derOf(issued.certificatePem), '127.0.0.1');
  return {
    id: device.id, workCenterId: device.workCenterId, chainPem: issued.chainPem, certificatePem: issued.certificatePem, privateKeyPem,
    privateKey: createPrivateKey(privateKeyPem), authenticated,
  };
}

/** The people who take an order to the shop floor. */
export interface OrderCrew {
  readonly planner: Actor;
  readonly approver: Actor;
  readonly quality: Actor;
}

/** Makes the planner, approver and quality inspector of the tests. */
export async function orderCrew(world: TestWorld): Promise<OrderCrew> {
  return {
    planner: await world.user(`pia.planner.${randomUUID().slice(0, 8)}`, ['planner']),
    approver: await world.user(`alan.approver.${randomUUID().slice(0, 8)}`, ['approver']),
    quality: await world.user(`quinn.quality.${randomUUID().slice(0, 8)}`, ['quality']),
  };
}

/** An order created, submitted and released (signed) for the work center with code `workCenter`. */
export async function releasedOrder(world: TestWorld, crew: OrderCrew, workCenter = 'wc-mill'): Promise<OrderDetail> {
  const { orders } = world.services;
  const draft = await world.createOrder(crew.planner, { workCenterId: world.node(workCenter).id });
  const submitted = await orders.perform(crew.planner, draft.id, 'submit', { version: draft.version });
  return orders.perform(crew.approver, draft.id, 'release', { version: submitted.version, password: TEST_PASSWORD });
}

/** An order released and dispatched to the work center with code `workCenter`. */
export async function dispatchedOrder(world: TestWorld, crew: OrderCrew, workCenter = 'wc-mill'): Promise<OrderDetail> {
  const released = await releasedOrder(world, crew, workCenter);
  return world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version });
}

/** A report of `device` on `orderId`, signed with its key, with a fresh idempotency key unless one is given. */
export function signedReport(device: EnrolledDevice, orderId: string, kind: ReportKind, data: Record<string, unknown> = {}, overrides: Partial<DeviceReport> = {}): SignedReport {
  const report: DeviceReport = { idempotencyKey: randomUUID(), deviceId: device.id, orderId, kind, at: '2026-11-26T08:05:00.000Z', data, ...overrides };
  return signReport(report, device.privateKey);
}

/** Progress on the last operation of the factory order (seq 20), which counts towards the good quantity. */
export function lastOperationProgress(good: string, scrap = '0'): Record<string, unknown> {
  return { operationSeq: 20, good, scrap, lots: [] };
}

/** A served plant over HTTPS with mutual TLS: its own CA, the device service issuing from it, and one enrolled mill device. */
export interface MtlsPlant {
  readonly world: TestWorld;
  readonly crew: OrderCrew;
  readonly ca: CertificateAuthority;
  readonly services: Services;
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly mill: EnrolledDevice;
}

/** Starts {@link MtlsPlant} over `store` on a free port (the caller closes `app`). */
export async function startMtlsPlant(store: Store, options: { readonly deviceHeartbeatMs?: number } = {}): Promise<MtlsPlant> {
  const world = await createWorld(store);
  const crew = await orderCrew(world);
  const ca = await createCertificateAuthority({ commonName: 'Forgeline device channel test CA', validityDays: 3650, now: new Date(world.clock.now().getTime() - 86_400_000) });
  const services = { ...world.services, devices: new DeviceService({ store, clock: world.clock, ca }) };
  const server = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 30 });
  const app = buildApp({
    services, https: { key: server.privateKeyPem, cert: server.chainPem, ca: ca.certificatePem }, logger: false, rateLimits: NO_RATE_LIMITS, clock: world.clock,
    ...(options.deviceHeartbeatMs === undefined ? {} : { deviceHeartbeatMs: options.deviceHeartbeatMs }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { world, crew, ca, services, app, baseUrl, mill: await enrolDevice(world, services) };
}
