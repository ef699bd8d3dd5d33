/** Helpers of the device tests: CSRs made as a device would, and certificates from other CAs. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import {
  createCertificateAuthority, createDeviceCsr, issueDeviceCertificate, loadDeviceAuthority, parseDeviceCsr,
} from '../../src/crypto/index.js';

/** A CSR for a fresh key: P-256 (default) or Ed25519, with the subject given. */
export async function csrFor(name: x509.JsonName, algorithm: 'P-256' | 'Ed25519' = 'P-256'): Promise<string> {
  const keys = algorithm === 'P-256'
    ? await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    : await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name, keys, signingAlgorithm: algorithm === 'P-256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' },
  });
  return csr.toString('pem');
}

/** A CSR naming the device as its CN. */
export function deviceCsr(deviceId: string, algorithm: 'P-256' | 'Ed25519' = 'P-256'): Promise<string> {
  return csrFor([{ CN: [deviceId] }], algorithm);
}

/** `pem` with one bit of its signature flipped: it parses, but its self-signature no longer verifies. */
export function brokenSignature(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A device certificate and its key for `deviceId` from a CA of its own (same name as the services' throw-away CA, same profile). */
export async function foreignDevice(deviceId: string, workCenterId: string, now: Date): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const ca = await createCertificateAuthority({ commonName: 'Forgeline throw-away device CA', validityDays: 3650, now: new Date(now.getTime() - 86_400_000) });
  const made = await createDeviceCsr(deviceId);
  const csr = await parseDeviceCsr(made.csrPem);
  if (!csr.ok) throw new Error(csr.reason);
  const issued = await issueDeviceCertificate(await loadDeviceAuthority(ca), { deviceId, workCenterId, csr: csr.value, now });
  return { certificatePem: issued.certificatePem, privateKeyPem: made.privateKeyPem };
}

/** The certificate of {@link foreignDevice}. */
export async function foreignCertificate(deviceId: string, workCenterId: string, now: Date): Promise<string> {
  return (await foreignDevice(deviceId, workCenterId, now)).certificatePem;
}

/** The DER of a PEM certificate, as TLS hands a peer certificate over. */
export function derOf(pem: string): Buffer {
  return Buffer.from(new x509.X509Certificate(pem).rawData);
}
