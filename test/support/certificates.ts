/** Certificates for tests: a plant's own PKI stand-in, and the broken certificates operators sometimes bring. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, webcrypto } from 'node:crypto';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority, type ServerCertificate } from '../../src/crypto/index.js';

const DAY_MS = 86_400_000;

/** A server certificate with the throw-away CA that issued it. */
export type ThrowawayCertificate = ServerCertificate & { readonly ca: CertificateAuthority };

/** A server certificate for `localhost` from a throw-away CA (not a Forgeline one), issued as if at `now`. */
export async function throwawayServerCertificate(options: { now?: Date; validityDays?: number } = {}): Promise<ThrowawayCertificate> {
  const ca = await createCertificateAuthority({ commonName: 'Plant PKI Test CA', validityDays: 3650, now: options.now });
  const server = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: options.validityDays ?? 30, now: options.now });
  return { ...server, ca };
}

/** A self-signed certificate for CN=localhost with no subject alternative name (what RFC 6125 clients refuse). */
export async function certificateWithoutSan(): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=localhost',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    keys,
    signingAlgorithm: algorithm,
  });
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Days from now, as a Date. */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}
