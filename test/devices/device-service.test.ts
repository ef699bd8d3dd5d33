import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { sha256Hex } from '../../src/crypto/index.js';
import type { ErrorCode } from '../../src/domain/index.js';
import type { CreatedEnrolmentToken, DeviceView } from '../../src/devices/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';
import { brokenSignature, csrFor, derOf, deviceCsr, foreignCertificate } from './device-test-kit.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'ForgelineError', code });
}

describeEachEngine('device service', (engine) => {
  let world: TestWorld;
  let admin: Actor;
  let device: DeviceView;

  const devices = () => world.services.devices;
  const db = () => engine.store().db;
  const audit = (kind: string) => db().selectFrom('audit_entries').selectAll().where('kind', '=', kind).orderBy('idx').execute();
  const detailOf = (entry: { detail: string } | undefined) => JSON.parse(entry?.detail ?? '{}') as Record<string, unknown>;
  const certificateCount = async () => (await db().selectFrom('device_certificates').select('serial').execute()).length;
  const tokenRow = (id: string) => db().selectFrom('device_enrolment_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const enrol = async (token: CreatedEnrolmentToken, csr?: string) => devices().enrol({ token: token.token, csr: csr ?? (await deviceCsr(token.deviceId)) }, '10.1.2.3');

  beforeEach(async () => {
    world = await createWorld(engine.store());
    admin = await world.user('ada.admin', ['admin']);
    device = await devices().createDevice(admin, { name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId: world.node('wc-mill').id });
  });

  it('registers a device in a work center for admins only, audited', async () => {
    expect(device).toMatchObject({ name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId: world.node('wc-mill').id, status: 'active', createdBy: 'ada.admin', certificate: null, lastSeenAt: null });
    const [created] = await audit('device.create');
    expect(created).toMatchObject({ outcome: 'ok', actor: 'ada.admin' });
    expect(detailOf(created)).toMatchObject({ deviceId: device.id, name: 'Mill 3 edge agent', workCenterId: world.node('wc-mill').id });

    const planner = await world.user('pia.planner', ['planner']);
    await expectCode(devices().createDevice(planner, { name: 'Rogue', kind: 'plc', workCenterId: world.node('wc-mill').id }), 'forbidden');
    expect((await audit('device.create')).map((entry) => entry.outcome)).toEqual(['ok', 'denied']);
    await expectCode(devices().createDevice(admin, { name: 'Mill 3 edge agent', kind: 'plc', workCenterId: world.node('wc-mill').id }), 'conflict');
    await expectCode(devices().createDevice(admin, { name: 'Site device', kind: 'plc', workCenterId: world.node('berlin').id }), 'unknown-reference');
    await expectCode(devices().createDevice(admin, { name: 'x', kind: 'plc', workCenterId: world.node('wc-mill').id, extra: 1 }), 'validation-failed');
    expect((await devices().list(admin)).map((listed) => listed.name)).toEqual(['Mill 3 edge agent']);
    await expectCode(devices().list(planner), 'forbidden');
    const auditor = await world.user('audrey.auditor', ['auditor']);
    expect(await devices().list(auditor)).toHaveLength(1);
  });

  it('confines an admin of one site to the devices of that site', async () => {
    const lyonAdmin = await world.user('leo.lyon', [{ role: 'admin', scopeNodeId: world.node('lyon').id }]);
    await expectCode(devices().createEnrolmentToken(lyonAdmin, device.id, {}), 'forbidden');
    const press = await devices().createDevice(lyonAdmin, { name: 'Press PLC', kind: 'plc', workCenterId: world.node('wc-press').id });
    expect((await devices().list(lyonAdmin)).map((listed) => listed.id)).toEqual([press.id]);
    await expectCode(devices().get(lyonAdmin, device.id), 'not-found');
  });

  it('shows an enrolment token once, stores only its SHA-256, and audits it without the token', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    expect(token.token).toMatch(new RegExp(`^fle_${device.id}_[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(token.expiresAt) - world.clock.now().getTime()).toBe(15 * MINUTE_MS);
    const row = await tokenRow(token.id);
    expect(row).toMatchObject({ device_id: device.id, work_center_id: world.node('wc-mill').id, used_at: null, token_hash: sha256Hex(token.token) });
    const secret = token.token.slice(-43);
    expect(JSON.stringify(row)).not.toContain(secret);
    const [entry] = await audit('device.enrolment-token');
    expect(detailOf(entry)).toMatchObject({ deviceId: device.id, tokenId: token.id, expiresAt: token.expiresAt });
    expect(entry?.entry).not.toContain(secret);
    expect(entry?.entry).not.toContain(row.token_hash);

    const day = await devices().createEnrolmentToken(admin, device.id, { ttlMinutes: 1440 });
    expect(Date.parse(day.expiresAt) - world.clock.now().getTime()).toBe(DAY_MS);
    await expectCode(devices().createEnrolmentToken(admin, device.id, { ttlMinutes: 1441 }), 'validation-failed');
    await expectCode(devices().createEnrolmentToken(admin, '00000000-0000-4000-8000-000000000009', {}), 'not-found');
    const operator = await world.user('otto.operator', ['operator']);
    await expectCode(devices().createEnrolmentToken(operator, device.id, {}), 'forbidden');
    expect((await audit('device.enrolment-token')).map((e) => e.outcome)).toEqual(['ok', 'ok', 'denied']);
  });

  it('enrols with a token and a CSR naming the device: a 30-day client certificate chained to the CA, the token spent, all in one audited change', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    const issued = await enrol(token);
    const certificate = new x509.X509Certificate(issued.certificatePem);
    const ca = new x509.X509Certificate(await devices().caCertificatePem());
    expect(certificate.subject).toBe(`O=Forgeline device, OU=${world.node('wc-mill').id}, CN=${device.id}`);
    expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(certificate.notAfter.getTime() - world.clock.now().getTime()).toBe(30 * DAY_MS);
    expect(await certificate.verify({ publicKey: ca.publicKey, date: world.clock.now() })).toBe(true);
    expect(issued).toMatchObject({ deviceId: device.id, workCenterId: world.node('wc-mill').id, caPem: await devices().caCertificatePem() });
    expect(issued.chainPem).toBe(issued.certificatePem + issued.caPem);

    expect((await tokenRow(token.id)).used_at).toBe(world.clock.now().toISOString());
    const stored = await db().selectFrom('device_certificates').selectAll().executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ serial: issued.serial, device_id: device.id, certificate_pem: issued.certificatePem, revoked_at: null, not_after: issued.notAfter });
    const [entry] = await audit('device.enrol');
    expect(entry).toMatchObject({ outcome: 'ok', actor: `device:${device.id}`, source: '10.1.2.3' });
    expect(detailOf(entry)).toMatchObject({ deviceId: device.id, tokenId: token.id, serial: issued.serial, keyType: 'ECDSA-P256' });
    expect(entry?.entry).not.toContain(token.token.slice(-43));

    const [listed] = await devices().list(admin);
    expect(listed?.certificate).toMatchObject({ serial: issued.serial, status: 'valid', notAfter: issued.notAfter });
    const ed = await devices().createEnrolmentToken(admin, device.id, {});
    expect(new x509.X509Certificate((await enrol(ed, await deviceCsr(device.id, 'Ed25519'))).certificatePem).publicKey.algorithm.name).toBe('Ed25519');
  });

  it('refuses a reused token, changing nothing and auditing the refusal', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    await enrol(token);
    await expectCode(enrol(token), 'enrolment-token-invalid');
    expect(await certificateCount()).toBe(1);
    const [, refused] = await audit('device.enrol');
    expect(refused).toMatchObject({ outcome: 'denied', actor: `device:${device.id}` });
    expect(detailOf(refused)).toMatchObject({ tokenId: token.id, reason: expect.stringMatching(/already used/) });
  });

  it('spends a token once when two enrolments race with it', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    const results = await Promise.allSettled([enrol(token), enrol(token), enrol(token)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'enrolment-token-invalid' });
    expect(await certificateCount()).toBe(1);
  });

  it('refuses an expired token, leaving it unused and no certificate, audited', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, { ttlMinutes: 5 });
    world.clock.advance(5 * MINUTE_MS);
    await expectCode(enrol(token), 'enrolment-token-invalid');
    expect((await tokenRow(token.id)).used_at).toBeNull();
    expect(await certificateCount()).toBe(0);
    const [refused] = await audit('device.enrol');
    expect(refused).toMatchObject({ outcome: 'denied' });
    expect(detailOf(refused)).toMatchObject({ tokenId: token.id, reason: expect.stringMatching(/expired/) });
  });

  it('refuses an unknown or malformed token as anonymous, audited', async () => {
    await expectCode(devices().enrol({ token: `fle_${device.id}_${'A'.repeat(43)}`, csr: await deviceCsr(device.id) }), 'enrolment-token-invalid');
    await expectCode(devices().enrol({ token: 'flt_not-an-enrolment-token', csr: await deviceCsr(device.id) }), 'enrolment-token-invalid');
    expect((await audit('device.enrol')).map((entry) => [entry.outcome, entry.actor])).toEqual([['denied', 'anonymous'], ['denied', 'anonymous']]);
    await expectCode(devices().enrol({ token: 'x' }), 'validation-failed');
  });

  it('refuses a CSR naming another device or work center, or whose self-signature is broken: csr-invalid, token unused, audited', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    const other = await devices().createDevice(admin, { name: 'Lathe PLC', kind: 'plc', workCenterId: world.node('wc-lathe').id });
    await expectCode(enrol(token, await deviceCsr(other.id)), 'csr-invalid');
    await expectCode(enrol(token, await csrFor([{ OU: [world.node('wc-lathe').id] }, { CN: [device.id] }])), 'csr-invalid');
    await expectCode(enrol(token, brokenSignature(await deviceCsr(device.id))), 'csr-invalid');
    await expectCode(enrol(token, 'not a CSR'), 'csr-invalid');
    expect((await tokenRow(token.id)).used_at).toBeNull();
    expect(await certificateCount()).toBe(0);
    const refusals = await audit('device.enrol');
    expect(refusals.map((entry) => entry.outcome)).toEqual(['denied', 'denied', 'denied', 'denied']);
    expect(detailOf(refusals[0])).toMatchObject({ tokenId: token.id, csrSubject: `CN=${other.id}`, reason: expect.stringMatching(/CN=/) });
    expect(detailOf(refusals[2])).toMatchObject({ reason: expect.stringMatching(/self-signature/) });
    // The token still works for the right CSR.
    await enrol(token);
  });

  it('accepts its certificate on every check and records the contact; refuses another CA\'s certificate, audited', async () => {
    const issued = await enrol(await devices().createEnrolmentToken(admin, device.id, {}));
    const checked = await devices().checkClientCertificate(derOf(issued.certificatePem), '10.1.2.3');
    expect(checked).toEqual({ deviceId: device.id, name: device.name, kind: 'edge-agent', workCenterId: world.node('wc-mill').id, serial: issued.serial, notAfter: issued.notAfter });
    expect((await devices().get(admin, device.id)).lastSeenAt).toBe(world.clock.now().toISOString());

    await expectCode(devices().checkClientCertificate(await foreignCertificate(device.id, world.node('wc-mill').id, world.clock.now())), 'certificate-invalid');
    await expectCode(devices().checkClientCertificate(undefined), 'certificate-invalid');
    const [refused] = await audit('device.certificate-refused');
    expect(detailOf(refused)).toMatchObject({ code: 'certificate-invalid', reason: expect.stringMatching(/signature does not verify/) });

    world.clock.advance(30 * DAY_MS);
    await expectCode(devices().checkClientCertificate(issued.certificatePem), 'certificate-invalid');
    // The same bytes as the accepted check above: its verdict is remembered, its validity window is not.
    await expectCode(devices().checkClientCertificate(derOf(issued.certificatePem)), 'certificate-invalid');
  });

  it('revokes a device and its certificates: listed in the CRL signed by the CA, refused at the next check, audited', async () => {
    const token = await devices().createEnrolmentToken(admin, device.id, {});
    const pending = await devices().createEnrolmentToken(admin, device.id, {});
    const issued = await enrol(token);
    // Accepted once before the revocation, so the refusal below is not a first look at the certificate.
    await devices().checkClientCertificate(derOf(issued.certificatePem), '10.1.2.3');
    const before = await devices().crl();
    expect(new x509.X509Crl(before.der).entries).toHaveLength(0);

    world.clock.advance(MINUTE_MS);
    const revoked = await devices().revokeDevice(admin, device.id, { reason: 'Controller replaced after a break-in', reasonCode: 'keyCompromise' });
    expect(revoked).toMatchObject({ status: 'revoked', revokedReason: 'Controller replaced after a break-in', revokedAt: world.clock.now().toISOString() });
    expect(revoked.certificates.map((c) => [c.serial, c.status, c.revocationReason])).toEqual([[issued.serial, 'revoked', 'keyCompromise']]);
    const [entry] = await audit('device.revoke');
    expect(detailOf(entry)).toMatchObject({ deviceId: device.id, reasonCode: 'keyCompromise', serials: [issued.serial] });

    const crl = new x509.X509Crl((await devices().crl()).der);
    const ca = new x509.X509Certificate(await devices().caCertificatePem());
    expect(await crl.verify({ publicKey: ca })).toBe(true);
    expect(crl.findRevoked(issued.serial)).toMatchObject({ reason: x509.X509CrlReason.keyCompromise });
    expect(crl.findRevoked(issued.serial)?.revocationDate.getTime()).toBe(world.clock.now().getTime());
    expect(BigInt(`0x${Buffer.from(crl.getExtension('2.5.29.20')?.value ?? new ArrayBuffer(0)).subarray(2).toString('hex')}`)).toBeGreaterThan(
      BigInt(`0x${Buffer.from(new x509.X509Crl(before.der).getExtension('2.5.29.20')?.value ?? new ArrayBuffer(0)).subarray(2).toString('hex')}`),
    );

    await expectCode(devices().checkClientCertificate(derOf(issued.certificatePem), '10.1.2.3'), 'certificate-revoked');
    const [refused] = await audit('device.certificate-refused');
    expect(refused).toMatchObject({ outcome: 'denied', actor: `device:${device.id}`, source: '10.1.2.3' });
    expect(detailOf(refused)).toMatchObject({ serial: issued.serial, code: 'certificate-revoked' });
    // The pending token of the revoked device no longer enrols; no new token is minted for it.
    await expectCode(enrol(pending), 'enrolment-token-invalid');
    await expectCode(devices().createEnrolmentToken(admin, device.id, {}), 'conflict');
    // Revoking again changes nothing.
    await devices().revokeDevice(admin, device.id, { reason: 'again' });
    expect(await audit('device.revoke')).toHaveLength(1);
    const auditor = await world.user('audrey.auditor', ['auditor']);
    await expectCode(devices().revokeDevice(auditor, device.id, { reason: 'no' }), 'forbidden');
    expect((await audit('device.revoke')).map((e) => e.outcome)).toEqual(['ok', 'denied']);
  });

  it('signs the CRL again only when revocations change it, or hourly', async () => {
    const first = await devices().crl();
    world.clock.advance(MINUTE_MS);
    expect((await devices().crl()).der).toEqual(first.der);
    world.clock.advance(60 * MINUTE_MS);
    const refreshed = await devices().crl();
    expect(refreshed.der).not.toEqual(first.der);
    expect(refreshed.nextUpdate.getTime() - refreshed.thisUpdate.getTime()).toBe(DAY_MS);
  });

  it('renews a valid certificate with a new serial for the same device; refuses after revocation and for another CN', async () => {
    const issued = await enrol(await devices().createEnrolmentToken(admin, device.id, {}));
    world.clock.advance(25 * DAY_MS);
    const renewed = await devices().renew(derOf(issued.certificatePem), { csr: await deviceCsr(device.id, 'Ed25519') }, '10.1.2.3');
    expect(renewed.serial).not.toBe(issued.serial);
    expect(renewed).toMatchObject({ deviceId: device.id, subject: issued.subject });
    expect(Date.parse(renewed.notAfter) - world.clock.now().getTime()).toBe(30 * DAY_MS);
    const [entry] = await audit('device.renew');
    expect(detailOf(entry)).toMatchObject({ deviceId: device.id, previousSerial: issued.serial, serial: renewed.serial, keyType: 'Ed25519' });
    // The new certificate is checked like the first.
    expect((await devices().checkClientCertificate(derOf(renewed.certificatePem))).serial).toBe(renewed.serial);

    await expectCode(devices().renew(derOf(renewed.certificatePem), { csr: await deviceCsr(world.node('wc-mill').id) }), 'csr-invalid');
    expect((await audit('device.renew')).map((e) => e.outcome)).toEqual(['ok', 'denied']);

    world.clock.advance(6 * DAY_MS);
    await expectCode(devices().renew(derOf(issued.certificatePem), { csr: await deviceCsr(device.id) }), 'certificate-invalid');
    await devices().revokeDevice(admin, device.id, { reason: 'decommissioned', reasonCode: 'cessationOfOperation' });
    await expectCode(devices().renew(derOf(renewed.certificatePem), { csr: await deviceCsr(device.id) }), 'certificate-revoked');
    expect(await certificateCount()).toBe(2);
    await expectCode(devices().renew(await foreignCertificate(device.id, world.node('wc-mill').id, world.clock.now()), { csr: await deviceCsr(device.id) }), 'certificate-invalid');
  });
});
