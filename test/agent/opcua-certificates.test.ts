import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureApplicationCertificate, OpcuaCertificateError, opcuaPkiPaths, trustClientCertificate } from '../../src/agent/opcua/index.js';
import { certificateWithoutSan } from '../support/certificates.js';
import { tempFolder } from '../support/temp-folders.js';

const IDENTITY = { applicationUri: 'urn:forgeline:test:agent', applicationName: 'Test agent', dnsNames: ['localhost'] };

describe('OPC UA certificates', () => {
  it('makes a self-signed RSA 2048 application certificate with the ApplicationUri in its SAN, and a private key only the owner reads', async () => {
    const pkiDir = tempFolder('forgeline-opcua-pki-');
    const made = await ensureApplicationCertificate(pkiDir, IDENTITY);
    const certificate = new X509Certificate(made.certificatePem);
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(certificate.subjectAltName).toContain('URI:urn:forgeline:test:agent');
    expect(certificate.subjectAltName).toContain('DNS:localhost');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(made.certificateDer.equals(certificate.raw)).toBe(true);
    expect(statSync(made.privateKeyFile).mode & 0o077).toBe(0);
  });

  it('reuses the certificate on the next start and makes a new one for another ApplicationUri', async () => {
    const pkiDir = tempFolder('forgeline-opcua-pki-');
    const first = await ensureApplicationCertificate(pkiDir, IDENTITY);
    const again = await ensureApplicationCertificate(pkiDir, IDENTITY);
    expect(again.thumbprint).toBe(first.thumbprint);
    const renamed = await ensureApplicationCertificate(pkiDir, { ...IDENTITY, applicationUri: 'urn:forgeline:test:other' });
    expect(renamed.thumbprint).not.toBe(first.thumbprint);
    expect(new X509Certificate(renamed.certificatePem).subjectAltName).toContain('URI:urn:forgeline:test:other');
  });

  it('trusts a machine certificate for the channel and as a user identity, and takes it out of rejected/', async () => {
    const agentPki = tempFolder('forgeline-opcua-agent-');
    const machine = await ensureApplicationCertificate(tempFolder('forgeline-opcua-machine-'), { ...IDENTITY, applicationUri: 'urn:forgeline:test:machine' });
    const { applicationStore, userStore } = opcuaPkiPaths(agentPki);
    mkdirSync(join(applicationStore, 'rejected'), { recursive: true });
    writeFileSync(join(applicationStore, 'rejected', `machine[${machine.thumbprint}].pem`), machine.certificatePem);

    const trusted = await trustClientCertificate(agentPki, `some text before\n${machine.certificatePem}`);
    expect(trusted).toMatchObject({ thumbprint: machine.thumbprint, applicationUri: 'urn:forgeline:test:machine' });
    for (const store of [applicationStore, userStore]) {
      expect(readFileSync(join(store, 'trusted', 'certs', `${machine.thumbprint}.pem`), 'utf8')).toBe(new X509Certificate(machine.certificatePem).toString());
    }
    expect(readdirSync(join(applicationStore, 'rejected'))).toEqual([]);
  });

  it.each([
    ['text that is not a certificate', 'not a pem', /exactly one PEM certificate/],
    ['a PEM block that does not parse', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /does not parse/],
  ])('refuses to trust %s and writes nothing', async (_name, pem, message) => {
    const agentPki = tempFolder('forgeline-opcua-agent-');
    await expect(trustClientCertificate(agentPki, pem)).rejects.toThrow(message);
    expect(existsSync(opcuaPkiPaths(agentPki).applicationStore)).toBe(false);
  });

  it('refuses two certificates at once, a non-RSA key and an expired certificate', async () => {
    const agentPki = tempFolder('forgeline-opcua-agent-');
    const machine = await ensureApplicationCertificate(tempFolder('forgeline-opcua-machine-'), { ...IDENTITY, applicationUri: 'urn:forgeline:test:machine' });
    await expect(trustClientCertificate(agentPki, machine.certificatePem + machine.certificatePem)).rejects.toThrow(/exactly one/);
    const ec = await certificateWithoutSan();
    await expect(trustClientCertificate(agentPki, ec.certificatePem)).rejects.toThrow(OpcuaCertificateError);
    await expect(trustClientCertificate(agentPki, ec.certificatePem)).rejects.toThrow(/RSA key of at least 2048 bits/);
    await expect(trustClientCertificate(agentPki, await expiredRsaCertificate())).rejects.toThrow(/expired/);
    expect(existsSync(join(opcuaPkiPaths(agentPki).applicationStore, 'trusted'))).toBe(false);
  });
});

/** A self-signed RSA 2048 certificate that expired in 2021. */
async function expiredRsaCertificate(): Promise<string> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=old-machine', notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01'), keys, signingAlgorithm: algorithm,
  });
  return certificate.toString('pem');
}
