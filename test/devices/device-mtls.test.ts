/** Device routes over real HTTPS with client certificates: the CRL check on every mutual-TLS request. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { createCertificateAuthority, createDeviceCsr, issueServerCertificate, type CertificateAuthority } from '../../src/crypto/index.js';
import { DeviceService } from '../../src/devices/index.js';
import { buildApp, NO_RATE_LIMITS, type Services } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';
import { deviceCsr, foreignDevice } from './device-test-kit.js';

interface Identity {
  readonly cert?: string;
  readonly key?: string;
}

describeEachEngine('device routes over mutual TLS', (engine) => {
  let world: TestWorld;
  let ca: CertificateAuthority;
  let services: Services;
  let app: FastifyInstance;
  let baseUrl: string;
  let admin: Actor;
  const agents: Agent[] = [];

  beforeEach(async () => {
    world = await createWorld(engine.store());
    admin = await world.user('ada.admin', ['admin']);
    ca = await createCertificateAuthority({ commonName: 'Forgeline mTLS test CA', validityDays: 3650, now: new Date(world.clock.now().getTime() - 86_400_000) });
    services = { ...world.services, devices: new DeviceService({ store: engine.store(), clock: world.clock, ca }) };
    const server = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 30 });
    app = buildApp({ services, https: { key: server.privateKeyPem, cert: server.chainPem, ca: ca.certificatePem }, logger: false, rateLimits: NO_RATE_LIMITS, clock: world.clock });
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
    await app.close();
  });

  /** A client presenting `identity`'s certificate, if any; it keeps its connection alive between requests. */
  const agentFor = (identity: Identity): Agent => {
    const agent = new Agent({ connect: { ca: ca.certificatePem, ...(identity.cert ? { cert: identity.cert, key: identity.key } : {}) } });
    agents.push(agent);
    return agent;
  };

  /** One request, on a new connection unless an agent is given. */
  const call = async (method: string, path: string, identity: Identity, body?: unknown, agent = agentFor(identity)) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method, dispatcher: agent,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, type, bytes, json: type.includes('json') ? JSON.parse(bytes.toString('utf8')) : null };
  };

  const enrolled = async () => {
    const device = await services.devices.createDevice(admin, { name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId: world.node('wc-mill').id });
    const { token } = await services.devices.createEnrolmentToken(admin, device.id, {});
    const { csrPem, privateKeyPem } = await createDeviceCsr(device.id);
    const answer = await call('POST', '/api/v1/pki/enrol', {}, { token, csr: csrPem });
    expect(answer.status).toBe(201);
    return { device, identity: { cert: answer.json.chain as string, key: privateKeyPem }, serial: answer.json.serial as string };
  };

  it('renews for the device of the client certificate, and refuses it from the next request after revocation', async () => {
    const { device, identity, serial } = await enrolled();
    const connection = agentFor(identity);
    const renewed = await call('POST', '/api/v1/pki/renew', identity, { csr: await deviceCsr(device.id) }, connection);
    expect(renewed.status).toBe(201);
    expect(renewed.json).toMatchObject({ deviceId: device.id });
    expect(renewed.json.serial).not.toBe(serial);
    expect(new x509.X509Certificate(renewed.json.certificate).subject).toContain(`CN=${device.id}`);

    await services.devices.revokeDevice(admin, device.id, { reason: 'lost' });
    // The same kept-alive connection: the certificate is checked on every request, not once per handshake.
    const refused = await call('POST', '/api/v1/pki/renew', identity, { csr: await deviceCsr(device.id) }, connection);
    expect(refused).toMatchObject({ status: 403, json: { code: 'certificate-revoked' } });
    expect(refused.type).toMatch(/^application\/problem\+json/);
    const crl = await call('GET', '/api/v1/pki/crl', {});
    expect(crl.type).toBe('application/pkix-crl');
    expect(new x509.X509Crl(crl.bytes).findRevoked(serial)).not.toBeNull();
  });

  it('refuses a certificate from another CA, and none at all, with 401 certificate-invalid', async () => {
    const { device } = await enrolled();
    const foreign = await foreignDevice(device.id, world.node('wc-mill').id, world.clock.now());
    const stranger = await call('POST', '/api/v1/pki/renew', { cert: foreign.certificatePem, key: foreign.privateKeyPem }, { csr: await deviceCsr(device.id) });
    expect(stranger).toMatchObject({ status: 401, json: { code: 'certificate-invalid' } });
    const none = await call('POST', '/api/v1/pki/renew', {}, { csr: await deviceCsr(device.id) });
    expect(none).toMatchObject({ status: 401, json: { code: 'certificate-invalid' } });
  });
});
