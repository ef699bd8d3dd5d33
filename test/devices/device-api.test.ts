import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../server/api-harness.js';
import { describeEachEngine } from '../support/engines.js';
import { brokenSignature, deviceCsr } from './device-test-kit.js';

describeEachEngine('device API', (engine) => {
  let api: ApiHarness;
  let workCenterId: string;

  beforeEach(async () => {
    api = await createApiHarness(engine.store());
    workCenterId = api.world.node('wc-mill').id;
  });
  afterEach(() => api.close());

  const addDevice = async () => {
    const created = await api.call('POST', '/api/v1/devices', { token: api.tokens.admin, body: { name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId } });
    expect(created.status).toBe(201);
    return created.json as { id: string };
  };
  const mintToken = async (deviceId: string, body: unknown = {}) => {
    const minted = await api.call('POST', `/api/v1/devices/${deviceId}/enrolment-tokens`, { token: api.tokens.admin, body });
    expect(minted.status).toBe(201);
    return minted.json as { token: string; expiresAt: string };
  };

  it('registers, lists and shows devices to admins and auditors only, never a token hash', async () => {
    const device = await addDevice();
    expect(device).toMatchObject({ name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId, status: 'active', createdBy: 'admin.one', certificate: null });
    const refused = await api.call('POST', '/api/v1/devices', { token: api.tokens.planner, body: { name: 'Rogue', kind: 'plc', workCenterId } });
    expect(refused).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const listed = await api.call('GET', '/api/v1/devices', { token: api.tokens.auditor });
    expect(listed.json.items.map((d: { id: string }) => d.id)).toEqual([device.id]);
    expect((await api.call('GET', '/api/v1/devices', { token: api.tokens.operator })).json.code).toBe('forbidden');
    const token = await mintToken(device.id, { ttlMinutes: 30 });
    expect(token.token).toMatch(/^fle_/);
    const shown = await api.call('GET', `/api/v1/devices/${device.id}`, { token: api.tokens.admin });
    expect(shown.json).toMatchObject({ id: device.id, certificates: [] });
    expect(JSON.stringify(shown.json)).not.toContain(token.token.slice(-43));
    const tooLong = await api.call('POST', `/api/v1/devices/${device.id}/enrolment-tokens`, { token: api.tokens.admin, body: { ttlMinutes: 2000 } });
    expect(tooLong).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });

  it('enrols over the API without a session, and refuses a bad token or CSR with problem+json', async () => {
    const device = await addDevice();
    const token = await mintToken(device.id);
    const badCsr = await api.call('POST', '/api/v1/pki/enrol', { body: { token: token.token, csr: brokenSignature(await deviceCsr(device.id)) } });
    expect(badCsr).toMatchObject({ status: 422, json: { code: 'csr-invalid', detail: expect.stringMatching(/self-signature/) } });
    const enrolled = await api.call('POST', '/api/v1/pki/enrol', { body: { token: token.token, csr: await deviceCsr(device.id) } });
    expect(enrolled.status).toBe(201);
    expect(enrolled.json).toMatchObject({ deviceId: device.id, workCenterId });
    expect(new x509.X509Certificate(enrolled.json.certificate).subject).toContain(`CN=${device.id}`);
    expect(enrolled.json.chain).toBe(enrolled.json.certificate + enrolled.json.ca);
    const reused = await api.call('POST', '/api/v1/pki/enrol', { body: { token: token.token, csr: await deviceCsr(device.id) } });
    expect(reused).toMatchObject({ status: 401, json: { code: 'enrolment-token-invalid' } });
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const ca = await api.app.inject({ method: 'GET', url: '/api/v1/pki/ca' });
    expect(ca.body).toBe(enrolled.json.ca);
  });

  it('refuses renewal without a client certificate (plain HTTP has none): 401 certificate-invalid', async () => {
    const renewed = await api.call('POST', '/api/v1/pki/renew', { body: { csr: await deviceCsr('00000000-0000-4000-8000-000000000001') } });
    expect(renewed).toMatchObject({ status: 401, json: { code: 'certificate-invalid', detail: expect.stringMatching(/no client certificate/) } });
  });

  it('revokes a device (admin) and serves the CRL as DER listing its certificate', async () => {
    const device = await addDevice();
    const enrolled = await api.call('POST', '/api/v1/pki/enrol', { body: { token: (await mintToken(device.id)).token, csr: await deviceCsr(device.id) } });
    const byAuditor = await api.call('POST', `/api/v1/devices/${device.id}/revoke`, { token: api.tokens.auditor, body: { reason: 'no' } });
    expect(byAuditor).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const revoked = await api.call('POST', `/api/v1/devices/${device.id}/revoke`, { token: api.tokens.admin, body: { reason: 'stolen from the shop floor', reasonCode: 'keyCompromise' } });
    expect(revoked).toMatchObject({ status: 200, json: { status: 'revoked', certificates: [{ serial: enrolled.json.serial, status: 'revoked', revocationReason: 'keyCompromise' }] } });
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/pki/crl' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pkix-crl');
    const crl = new x509.X509Crl(response.rawPayload);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(enrolled.json.ca) })).toBe(true);
    expect(crl.findRevoked(enrolled.json.serial)?.reason).toBe(x509.X509CrlReason.keyCompromise);
  });

  it('documents the device and PKI routes in the OpenAPI document, enrolment and the CRL without bearer auth', async () => {
    const doc = await api.call('GET', '/openapi.json');
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}/enrolment-tokens', '/api/v1/devices/{id}/revoke', '/api/v1/pki/enrol', '/api/v1/pki/renew', '/api/v1/pki/crl']));
    expect(doc.json.paths['/api/v1/pki/enrol'].post.security).toEqual([]);
    expect(doc.json.paths['/api/v1/pki/crl'].get.security).toEqual([]);
  });
});
