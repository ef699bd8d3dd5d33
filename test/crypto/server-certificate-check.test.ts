import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CERTIFICATE_PROBLEMS, checkServerCertificate } from '../../src/crypto/index.js';
import { certificateWithoutSan, daysFromNow, throwawayServerCertificate, type ThrowawayCertificate } from '../support/certificates.js';

describe('checking a server certificate an operator brings', () => {
  let good: ThrowawayCertificate;
  let other: ThrowawayCertificate;

  beforeAll(async () => {
    good = await throwawayServerCertificate();
    other = await throwawayServerCertificate();
  });

  function problemOf(chainPem: string, keyPem: string, now = new Date()): string {
    const check = checkServerCertificate(chainPem, keyPem, now);
    return check.ok ? 'accepted' : check.problem;
  }

  it('pins the list of refusals', () => {
    expect(SERVER_CERTIFICATE_PROBLEMS).toEqual(['not-a-certificate', 'broken-chain', 'not-a-private-key', 'key-mismatch', 'not-yet-valid', 'expired', 'no-subject-alt-name']);
  });

  it('accepts a valid chain and key, normalized, and summarizes the leaf', () => {
    const check = checkServerCertificate(`Bag Attributes: junk\n${good.chainPem}`, good.privateKeyPem, new Date());
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.chainPem).toBe(good.chainPem);
    expect(check.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(check.leaf).toMatchObject({ subject: 'CN=localhost', subjectAltName: 'DNS:localhost, IP Address:127.0.0.1', issuer: 'CN=Plant PKI Test CA' });
    expect(check.leaf.fingerprint256).toBe(new X509Certificate(good.certificatePem).fingerprint256);
    expect(Date.parse(check.leaf.validTo)).toBeGreaterThan(Date.now());
  });

  it('refuses text that holds no certificate, or one that does not parse', () => {
    expect(problemOf('hello', good.privateKeyPem)).toBe('not-a-certificate');
    expect(problemOf(good.privateKeyPem, good.privateKeyPem)).toBe('not-a-certificate');
    expect(problemOf('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', good.privateKeyPem)).toBe('not-a-certificate');
  });

  it('refuses a chain whose next certificate did not issue the one before', () => {
    expect(problemOf(good.certificatePem + other.ca.certificatePem, good.privateKeyPem)).toBe('broken-chain');
  });

  it('refuses a key that is not a private key, or belongs to another certificate', () => {
    expect(problemOf(good.chainPem, good.certificatePem)).toBe('not-a-private-key');
    expect(problemOf(good.chainPem, 'not a key')).toBe('not-a-private-key');
    expect(problemOf(good.chainPem, other.privateKeyPem)).toBe('key-mismatch');
    // The CA's key does not serve for the leaf either.
    expect(problemOf(good.chainPem, other.ca.privateKeyPem)).toBe('key-mismatch');
  });

  it('refuses a certificate outside its validity period', () => {
    expect(problemOf(good.chainPem, good.privateKeyPem, daysFromNow(31))).toBe('expired');
    expect(problemOf(good.chainPem, good.privateKeyPem, daysFromNow(-1))).toBe('not-yet-valid');
  });

  it('refuses a certificate without a DNS name or IP address in its SAN', async () => {
    const bare = await certificateWithoutSan();
    const check = checkServerCertificate(bare.certificatePem, bare.privateKeyPem, new Date());
    expect(check).toMatchObject({ ok: false, problem: 'no-subject-alt-name' });
  });
});
