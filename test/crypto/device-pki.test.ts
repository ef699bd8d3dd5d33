import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDeviceCrl, createCertificateAuthority, createDeviceCsr, csrSubjectMismatch, deviceUri, issueDeviceCertificate, issueServerCertificate,
  loadDeviceAuthority, parseDeviceCsr, verifyDeviceCertificate, workCenterUri, type CertificateAuthority, type DeviceAuthority, type DeviceCsr,
} from '../../src/crypto/index.js';

const DEVICE = '6f1c2b9e-2f6a-4c1e-9d55-0c1f7a8e4b21';
const WORK_CENTER = '0b7d3c11-58e0-4d3a-a1f7-5d2c9e7a6f10';
const NOW = new Date('2026-11-26T08:00:00.000Z');
const DAY_MS = 86_400_000;

async function csrWith(name: x509.JsonName, algorithm: 'P-256' | 'Ed25519' | 'P-384' | 'RSA' = 'P-256'): Promise<string> {
  const generate = {
    'P-256': () => webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']),
    'P-384': () => webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']),
    Ed25519: () => webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>,
    RSA: () => webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']),
  }[algorithm];
  const signingAlgorithm = { 'P-256': { name: 'ECDSA', hash: 'SHA-256' }, 'P-384': { name: 'ECDSA', hash: 'SHA-384' }, Ed25519: { name: 'Ed25519' }, RSA: { name: 'RSASSA-PKCS1-v1_5' } }[algorithm];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys: await generate(), signingAlgorithm });
  return csr.toString('pem');
}

async function parsed(pem: string): Promise<DeviceCsr> {
  const result = await parseDeviceCsr(pem);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

/** A PEM whose signature bytes were changed (the last octet of the DER). */
function tampered(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

describe('device certificate requests', () => {
  it('accepts ECDSA P-256 and Ed25519 requests whose self-signature verifies', async () => {
    const p256 = await parsed(await csrWith([{ CN: [DEVICE] }]));
    expect(p256).toMatchObject({ keyType: 'ECDSA-P256', commonNames: [DEVICE], organizationalUnits: [] });
    expect(p256.publicKeySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await parsed(await csrWith([{ CN: [DEVICE] }], 'Ed25519'))).toMatchObject({ keyType: 'Ed25519' });
    const made = await createDeviceCsr(DEVICE);
    expect(await parsed(made.csrPem)).toMatchObject({ keyType: 'ECDSA-P256', commonNames: [DEVICE] });
    expect(made.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses a request whose self-signature is broken, other key types, and what is not a CSR', async () => {
    const broken = await parseDeviceCsr(tampered(await csrWith([{ CN: [DEVICE] }])));
    expect(broken).toEqual({ ok: false, reason: expect.stringMatching(/self-signature does not verify/) });
    expect(await parseDeviceCsr(await csrWith([{ CN: [DEVICE] }], 'RSA'))).toMatchObject({ ok: false, reason: expect.stringMatching(/P-256 or Ed25519/) });
    expect(await parseDeviceCsr(await csrWith([{ CN: [DEVICE] }], 'P-384'))).toMatchObject({ ok: false, reason: expect.stringMatching(/P-256 or Ed25519/) });
    expect(await parseDeviceCsr('hello')).toMatchObject({ ok: false, reason: expect.stringMatching(/PEM/) });
    expect(await parseDeviceCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')).toMatchObject({ ok: false });
    expect(await parseDeviceCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(20_000)}\n-----END CERTIFICATE REQUEST-----\n`)).toMatchObject({ ok: false });
  });

  it('matches the subject against the device: one CN equal to its id, an OU only of its work center', async () => {
    const device = { deviceId: DEVICE, workCenterId: WORK_CENTER };
    expect(csrSubjectMismatch(await parsed(await csrWith([{ CN: [DEVICE] }])), device)).toBeUndefined();
    expect(csrSubjectMismatch(await parsed(await csrWith([{ OU: [WORK_CENTER] }, { CN: [DEVICE] }])), device)).toBeUndefined();
    expect(csrSubjectMismatch(await parsed(await csrWith([{ CN: ['another-device'] }])), device)).toMatch(/CN=6f1c2b9e/);
    expect(csrSubjectMismatch(await parsed(await csrWith([{ CN: [DEVICE, 'extra'] }])), device)).toMatch(/CN=/);
    expect(csrSubjectMismatch(await parsed(await csrWith([{ O: ['x'] }])), device)).toMatch(/CN=/);
    expect(csrSubjectMismatch(await parsed(await csrWith([{ OU: ['elsewhere'] }, { CN: [DEVICE] }])), device)).toMatch(/work center/);
  });
});

describe('device certificates and the CRL', () => {
  let ca: CertificateAuthority;
  let authority: DeviceAuthority;

  beforeAll(async () => {
    ca = await createCertificateAuthority({ commonName: 'Forgeline Test CA', validityDays: 3650, now: new Date(NOW.getTime() - DAY_MS) });
    authority = await loadDeviceAuthority(ca);
  });

  const issue = async (now = NOW, csrPem?: string) =>
    issueDeviceCertificate(authority, { deviceId: DEVICE, workCenterId: WORK_CENTER, csr: await parsed(csrPem ?? (await createDeviceCsr(DEVICE)).csrPem), now });

  it('issues a 30-day client certificate naming the device and its work center, chained to the CA', async () => {
    const issued = await issue();
    const certificate = new x509.X509Certificate(issued.certificatePem);
    const caCertificate = new x509.X509Certificate(ca.certificatePem);
    expect(certificate.subject).toBe(`O=Forgeline device, OU=${WORK_CENTER}, CN=${DEVICE}`);
    expect(issued.subject).toBe(certificate.subject);
    expect(certificate.issuer).toBe(caCertificate.subject);
    expect(issued.serial).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(certificate.serialNumber.toLowerCase()).toBe(issued.serial);
    expect(certificate.notBefore.getTime()).toBe(NOW.getTime() - 5 * 60_000);
    expect(certificate.notAfter.getTime()).toBe(NOW.getTime() + 30 * DAY_MS);
    expect(await certificate.verify({ publicKey: caCertificate.publicKey, date: NOW })).toBe(true);
    expect(new X509Certificate(issued.certificatePem).verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(new X509Certificate(issued.certificatePem).checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);

    expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    const keyUsage = certificate.getExtension(x509.KeyUsagesExtension);
    expect(keyUsage?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(keyUsage?.critical).toBe(true);
    const basic = certificate.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.ca).toBe(false);
    expect(basic?.critical).toBe(true);
    const names = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
    expect(names).toEqual([{ type: 'url', value: deviceUri(DEVICE) }, { type: 'url', value: workCenterUri(WORK_CENTER) }]);
    const authorityKeyId = certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(authorityKeyId).toBe(caCertificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(issued.chainPem).toBe(issued.certificatePem + ca.certificatePem);
  });

  it('certifies the key of the request and ignores the names and extensions it asks for', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ O: ['Evil'] }, { CN: [DEVICE] }], keys, signingAlgorithm: { name: 'Ed25519' },
      extensions: [new x509.BasicConstraintsExtension(true, 5, true), new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'forgeline.example' }])],
    });
    const issued = await issue(NOW, csr.toString('pem'));
    const certificate = new x509.X509Certificate(issued.certificatePem);
    expect(Buffer.from(certificate.publicKey.rawData)).toEqual(Buffer.from(csr.publicKey.rawData));
    expect(certificate.subject).toBe(`O=Forgeline device, OU=${WORK_CENTER}, CN=${DEVICE}`);
    expect(certificate.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON().map((n) => n.type)).toEqual(['url', 'url']);
  });

  it('never lets a certificate outlive its CA', async () => {
    const shortCa = await createCertificateAuthority({ commonName: 'Short CA', validityDays: 10, now: NOW });
    const issued = await issueDeviceCertificate(await loadDeviceAuthority(shortCa), {
      deviceId: DEVICE, workCenterId: WORK_CENTER, csr: await parsed((await createDeviceCsr(DEVICE)).csrPem), now: NOW,
    });
    expect(issued.notAfter.getTime()).toBe(new x509.X509Certificate(shortCa.certificatePem).notAfter.getTime());
  });

  it('verifies a presented certificate: this CA, valid now, clientAuth, naming a device', async () => {
    const issued = await issue();
    const der = Buffer.from(new x509.X509Certificate(issued.certificatePem).rawData);
    expect(await verifyDeviceCertificate(authority, der, new Date(NOW.getTime() + DAY_MS))).toEqual({
      ok: true, value: { serial: issued.serial, deviceId: DEVICE, workCenterId: WORK_CENTER, notBefore: issued.notBefore, notAfter: issued.notAfter, der },
    });
    expect(await verifyDeviceCertificate(authority, issued.certificatePem, new Date(NOW.getTime() + 31 * DAY_MS))).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(await verifyDeviceCertificate(authority, issued.certificatePem, new Date(NOW.getTime() - DAY_MS))).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid before/) });
    expect(await verifyDeviceCertificate(authority, Buffer.from('not a certificate'), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not parse/) });
  });

  it('refuses a certificate from another CA, even one with the same name, and a server certificate of this CA', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'Forgeline Test CA', validityDays: 3650, now: new Date(NOW.getTime() - DAY_MS) });
    const foreign = await issueDeviceCertificate(await loadDeviceAuthority(otherCa), {
      deviceId: DEVICE, workCenterId: WORK_CENTER, csr: await parsed((await createDeviceCsr(DEVICE)).csrPem), now: NOW,
    });
    expect(await verifyDeviceCertificate(authority, foreign.certificatePem, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
    const strangerCa = await createCertificateAuthority({ commonName: 'Stranger CA', validityDays: 3650, now: new Date(NOW.getTime() - DAY_MS) });
    const stranger = await issueDeviceCertificate(await loadDeviceAuthority(strangerCa), {
      deviceId: DEVICE, workCenterId: WORK_CENTER, csr: await parsed((await createDeviceCsr(DEVICE)).csrPem), now: NOW,
    });
    expect(await verifyDeviceCertificate(authority, stranger.certificatePem, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/not issued by/) });
    const server = await issueServerCertificate(ca, { commonName: DEVICE, dnsNames: ['localhost'], ipAddresses: [], validityDays: 30, now: NOW });
    expect(await verifyDeviceCertificate(authority, server.certificatePem, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/clientAuth/) });
    expect(await verifyDeviceCertificate(authority, ca.certificatePem, NOW)).toMatchObject({ ok: false });
  });

  it('builds a v2 CRL signed by the CA listing serials, revocation dates and reasons', async () => {
    const [first, second] = [await issue(), await issue()];
    if (!first || !second) throw new Error('issuing failed');
    const revokedAt = new Date(NOW.getTime() + 60_000);
    const crl = await buildDeviceCrl(authority, {
      revoked: [{ serial: first.serial, revokedAt, reason: 'keyCompromise' }, { serial: second.serial, revokedAt, reason: 'unspecified' }],
      thisUpdate: revokedAt, nextUpdate: new Date(revokedAt.getTime() + DAY_MS), crlNumber: 1_764_144_060_000n,
    });
    const parsedCrl = new x509.X509Crl(crl.der);
    expect(parsedCrl.version).toBe(1); // v2 is encoded as 1 (RFC 5280 §5.1.2.1)
    expect(parsedCrl.issuer).toBe(new x509.X509Certificate(ca.certificatePem).subject);
    expect(parsedCrl.thisUpdate.getTime()).toBe(revokedAt.getTime());
    expect(parsedCrl.nextUpdate?.getTime()).toBe(revokedAt.getTime() + DAY_MS);
    expect(await parsedCrl.verify({ publicKey: new x509.X509Certificate(ca.certificatePem) })).toBe(true);
    const entry = parsedCrl.findRevoked(first.serial);
    expect(entry?.revocationDate.getTime()).toBe(revokedAt.getTime());
    expect(entry?.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(parsedCrl.findRevoked(second.serial)?.reason).toBeUndefined();
    // Never an empty crlEntryExtensions (RFC 5280: SIZE (1..MAX)): the invalidity date is always there.
    expect(parsedCrl.findRevoked(second.serial)?.invalidity?.getTime()).toBe(revokedAt.getTime());
    expect(parsedCrl.findRevoked(new x509.X509Certificate(first.certificatePem))).not.toBeNull();
    expect(parsedCrl.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(authority.keyIdentifier.keyId);
    const crlNumber = parsedCrl.getExtension('2.5.29.20');
    expect(Buffer.from(crlNumber?.value ?? new ArrayBuffer(0)).toString('hex')).toBe(`0206${(1_764_144_060_000).toString(16).padStart(12, '0')}`);
    expect(crl.pem).toMatch(/^-----BEGIN X509 CRL-----/);
    const empty = new x509.X509Crl((await buildDeviceCrl(authority, { revoked: [], thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + DAY_MS), crlNumber: 0n })).der);
    expect(empty.entries).toEqual([]);
    expect(await empty.verify({ publicKey: new x509.X509Certificate(ca.certificatePem) })).toBe(true);
  });
});

describe('device certificates over mutual TLS', () => {
  let ca: CertificateAuthority;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    ca = await createCertificateAuthority({ commonName: 'Forgeline mTLS CA', validityDays: 365 });
    const tls = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 30 });
    server = createServer({ key: tls.privateKeyPem, cert: tls.chainPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true }, (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate(true);
      response.end(peer.subject?.CN ?? '');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('authenticates a device with a P-256 or Ed25519 key to a server that trusts the CA', async () => {
    const authority = await loadDeviceAuthority(ca);
    for (const algorithm of ['P-256', 'Ed25519'] as const) {
      const keys = algorithm === 'P-256'
        ? await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
        : await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [DEVICE] }], keys, signingAlgorithm: algorithm === 'P-256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' } });
      const issued = await issueDeviceCertificate(authority, { deviceId: DEVICE, workCenterId: WORK_CENTER, csr: await parsed(csr.toString('pem')), now: new Date() });
      const { KeyObject } = await import('node:crypto');
      const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
      const body = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest({ host: '127.0.0.1', servername: 'localhost', port, path: '/', ca: ca.certificatePem, cert: issued.chainPem, key, agent: false }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
        });
        request.on('error', reject);
        request.end();
      });
      expect(body).toBe(DEVICE);
    }
  });
});
