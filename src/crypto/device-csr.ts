/**
 * Certificate signing requests of devices (PKCS#10, RFC 2986): made by a device for its own key,
 * parsed and checked by the CA before it certifies the key (issue 5 point 6).
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, webcrypto } from 'node:crypto';
import { sha256Hex } from './sha256.js';

x509.cryptoProvider.set(webcrypto);

/** The key types a device may certify: ECDSA on P-256 (with SHA-256) or Ed25519 (RFC 8410). */
export const DEVICE_KEY_TYPES = ['ECDSA-P256', 'Ed25519'] as const;

/** One of {@link DEVICE_KEY_TYPES}. */
export type DeviceKeyType = (typeof DEVICE_KEY_TYPES)[number];

/** The answer of a check: the value, or why not (a message safe to show). */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** A PKCS#10 request whose self-signature verified: its subject and its key. */
export interface DeviceCsr {
  readonly subject: string;
  readonly commonNames: readonly string[];
  readonly organizationalUnits: readonly string[];
  readonly keyType: DeviceKeyType;
  readonly publicKey: x509.PublicKey;
  /** Hex SHA-256 of the SubjectPublicKeyInfo DER: names the key in audit entries. */
  readonly publicKeySha256: string;
}

/** Largest CSR accepted, in characters of PEM: a P-256 or Ed25519 request is well under 1 KB. */
const MAX_CSR_PEM_LENGTH = 16_384;
const PEM_CSR = /^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\s*$/;
const ECDSA_SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

function fail<T>(reason: string): Checked<T> {
  return { ok: false, reason };
}

/** The key type of a public key, or undefined when it is not one devices may use. */
function keyTypeOf(algorithm: webcrypto.Algorithm): DeviceKeyType | undefined {
  if (algorithm.name === 'ECDSA' && (algorithm as webcrypto.EcKeyAlgorithm).namedCurve === 'P-256') return 'ECDSA-P256';
  if (algorithm.name === 'Ed25519') return 'Ed25519';
  return undefined;
}

/**
 * Parses a PEM PKCS#10 request (RFC 2986) and verifies its self-signature, the proof that the
 * requester holds the private key. The signature algorithm is pinned by the key type (ECDSA
 * P-256 with SHA-256, or Ed25519), never taken from the request alone.
 */
export async function parseDeviceCsr(pem: string): Promise<Checked<DeviceCsr>> {
  if (pem.length > MAX_CSR_PEM_LENGTH || !PEM_CSR.test(pem)) return fail('the CSR must be one PEM "CERTIFICATE REQUEST" (PKCS#10)');
  let csr: x509.Pkcs10CertificateRequest;
  let publicKey: x509.PublicKey;
  let keyAlgorithm: webcrypto.Algorithm;
  let signatureAlgorithm: { name: string; hash?: { name: string } };
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
    publicKey = csr.publicKey;
    keyAlgorithm = publicKey.algorithm;
    signatureAlgorithm = csr.signatureAlgorithm as { name: string; hash?: { name: string } };
  } catch {
    return fail('the CSR does not parse as PKCS#10 with a key and signature algorithm this CA knows');
  }
  const keyType = keyTypeOf(keyAlgorithm);
  if (keyType === undefined) return fail('the CSR\'s key must be ECDSA P-256 or Ed25519');
  const pinned = keyType === 'Ed25519'
    ? signatureAlgorithm.name === 'Ed25519'
    : signatureAlgorithm.name === 'ECDSA' && signatureAlgorithm.hash?.name === 'SHA-256';
  if (!pinned) return fail(`a ${keyType} CSR must be signed with ${keyType === 'Ed25519' ? 'Ed25519' : 'ECDSA with SHA-256'}`);
  let verified = false;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) return fail('the CSR\'s self-signature does not verify with its own key');
  return {
    ok: true,
    value: {
      subject: csr.subject,
      commonNames: csr.subjectName.getField('CN'),
      organizationalUnits: csr.subjectName.getField('OU'),
      keyType,
      publicKey,
      publicKeySha256: sha256Hex(Buffer.from(publicKey.rawData)),
    },
  };
}

/**
 * Why `csr` may not be certified for this device, or undefined when it may: its subject must name
 * the device as its one CN; an OU, if present, must be the device's work center. Other attributes
 * are ignored: the CA writes the certificate's subject itself.
 */
export function csrSubjectMismatch(csr: DeviceCsr, device: { readonly deviceId: string; readonly workCenterId: string }): string | undefined {
  if (csr.commonNames.length !== 1 || csr.commonNames[0] !== device.deviceId) {
    return `the CSR's subject must be CN=${device.deviceId} (the device's id), not ${csr.subject === '' ? 'empty' : csr.subject}`;
  }
  if (csr.organizationalUnits.some((unit) => unit !== device.workCenterId)) {
    return `the CSR's subject names another work center (OU); the device belongs to ${device.workCenterId}`;
  }
  return undefined;
}

/** A fresh key pair (ECDSA P-256) and a CSR for it naming the device: what a device makes before it enrols. */
export async function createDeviceCsr(deviceId: string): Promise<{ csrPem: string; privateKeyPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [deviceId] }], keys, signingAlgorithm: ECDSA_SHA256 });
  return {
    csrPem: `${csr.toString('pem').trimEnd()}\n`,
    // PKCS#8 (RFC 5208) in PEM with the "PRIVATE KEY" label (RFC 7468 §10).
    privateKeyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
