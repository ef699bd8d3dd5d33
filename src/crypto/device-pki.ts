/**
 * Device certificates (issue 5 point 6): the Forgeline CA issues short-lived TLS client
 * certificates to devices from their PKCS#10 requests, and checks them when they connect.
 * Pure apart from randomness: no database, no clock (the time is handed in).
 *
 * Profile of a device certificate (RFC 5280):
 * - subject `O=Forgeline device, OU=<work center id>, CN=<device id>`, for brokers and logs that
 *   read names (Mosquitto's `use_identity_as_username` takes the CN);
 * - subjectAltName URIs `urn:forgeline:device:<id>` and `urn:forgeline:work-center:<id>`, the
 *   names software should match on (RFC 6125 §6.4.4: SAN over subject);
 * - extendedKeyUsage clientAuth only, keyUsage digitalSignature (critical), basicConstraints CA:false;
 * - a random serial, 30 days by default, backdated 5 minutes, never outliving the CA;
 * - subject and authority key identifiers. Nothing of the request is copied but its key:
 *   requested extensions and names are ignored.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { Checked, DeviceCsr } from './device-csr.js';
import { CertificateRequestError, loadAuthority, randomSerialNumber, toPem, type CertificateAuthority } from './tls-certificates.js';

x509.cryptoProvider.set(webcrypto);

const CA_SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
// Issued certificates start slightly in the past so peers with a lagging clock accept them.
const BACKDATE_MS = 5 * 60_000;
// Longest lifetime asked for: the CA/Browser Forum's 397 days, far beyond the 30-day default.
const MAX_VALIDITY_DAYS = 397;
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Default lifetime of a device certificate, in days: short, so a lost device stops working soon even unrevoked. */
export const DEVICE_CERTIFICATE_DAYS = 30;

/** `O` of every device certificate's subject. */
export const DEVICE_ORGANIZATION = 'Forgeline device';

/** The SAN URI naming a device. */
export function deviceUri(deviceId: string): string {
  return `urn:forgeline:device:${deviceId}`;
}

/** The SAN URI naming a work center. */
export function workCenterUri(workCenterId: string): string {
  return `urn:forgeline:work-center:${workCenterId}`;
}

/** The CA loaded for signing: its certificate, signing key and key identifier. */
export interface DeviceAuthority {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly signingKey: webcrypto.CryptoKey;
  readonly keyIdentifier: x509.AuthorityKeyIdentifierExtension;
}

/** Loads a CA (certificate and PKCS#8 key, PEM) for issuing device certificates and CRLs; checks the key matches. */
export async function loadDeviceAuthority(ca: CertificateAuthority): Promise<DeviceAuthority> {
  const loaded = await loadAuthority(ca);
  return { ...loaded, certificatePem: toPem(loaded.certificate) };
}

/** What to certify: the device, its work center, the verified request, and when. */
export interface DeviceCertificateRequest {
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly csr: DeviceCsr;
  readonly now: Date;
  /** Lifetime in days (default {@link DEVICE_CERTIFICATE_DAYS}). */
  readonly validityDays?: number;
}

/** A device certificate just issued, with `chainPem` (leaf then CA) for the device's TLS client. */
export interface IssuedDeviceCertificate {
  /** Lowercase hex serial number. */
  readonly serial: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly certificatePem: string;
  readonly chainPem: string;
}

/** Issues a device's client certificate (see the profile at the top of this file). */
export async function issueDeviceCertificate(authority: DeviceAuthority, request: DeviceCertificateRequest): Promise<IssuedDeviceCertificate> {
  const days = request.validityDays ?? DEVICE_CERTIFICATE_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) throw new CertificateRequestError(`device certificate validity must be 1 to ${MAX_VALIDITY_DAYS} days`);
  for (const [what, id] of [['device id', request.deviceId], ['work center id', request.workCenterId]] as const) {
    // RFC 5280 Appendix A: ub-common-name and ub-organizational-unit-name are 64; ids are UUIDs.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) throw new CertificateRequestError(`${what} is not a Forgeline id`);
  }
  const notBefore = new Date(request.now.getTime() - BACKDATE_MS);
  // A certificate past its CA is useless to every verifier, so it ends with the CA at the latest.
  const wanted = new Date(request.now.getTime() + days * DAY_MS);
  const notAfter = wanted > authority.certificate.notAfter ? authority.certificate.notAfter : wanted;
  if (notAfter.getTime() <= request.now.getTime()) throw new CertificateRequestError('the certificate authority has expired');
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    // Structured form, so the names are data, never parsed text.
    subject: [{ O: [DEVICE_ORGANIZATION] }, { OU: [request.workCenterId] }, { CN: [request.deviceId] }],
    // The issuer's encoded name is reused verbatim so path building matches it (RFC 5280 §7.1).
    issuer: authority.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: request.csr.publicKey,
    signingKey: authority.signingKey,
    signingAlgorithm: CA_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // RFC 8446 §4.4.3: a TLS client key only signs the handshake (CertificateVerify).
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: x509.URL, value: deviceUri(request.deviceId) },
        { type: x509.URL, value: workCenterUri(request.workCenterId) },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(request.csr.publicKey),
      // RFC 5280 §4.2.1.1: the keyIdentifier equals the issuer's subject key identifier.
      authority.keyIdentifier,
    ],
  });
  const certificatePem = toPem(certificate);
  return {
    serial: normalizeSerial(certificate.serialNumber),
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    certificatePem,
    chainPem: certificatePem + authority.certificatePem,
  };
}

/** A presented client certificate that chains to the CA and is a device certificate valid now. */
export interface VerifiedDeviceCertificate {
  readonly serial: string;
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER, to compare with the stored copy. */
  readonly der: Buffer;
}

function fail<T>(reason: string): Checked<T> {
  return { ok: false, reason };
}

/** Why a certificate is not valid at `now` (before its window, or expired), or undefined when it is. */
export function validityProblem(certificate: { readonly notBefore: Date; readonly notAfter: Date }, now: Date): string | undefined {
  if (now < certificate.notBefore) return `the client certificate is not valid before ${certificate.notBefore.toISOString()}`;
  if (now >= certificate.notAfter) return `the client certificate expired at ${certificate.notAfter.toISOString()}; enrol again`;
  return undefined;
}

/**
 * Checks a presented client certificate (DER, as TLS hands it over, or PEM): issued by this CA
 * (issuer name and an ECDSA SHA-256 signature by its key), valid at `now`, not a CA, extended
 * key usage clientAuth, and naming a device. Revocation is the caller's to check (by serial).
 */
export async function verifyDeviceCertificate(authority: DeviceAuthority, presented: Uint8Array | string, now: Date): Promise<Checked<VerifiedDeviceCertificate>> {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(typeof presented === 'string' ? presented : Buffer.from(presented));
  } catch {
    return fail('the client certificate does not parse as X.509');
  }
  if (!Buffer.from(certificate.issuerName.toArrayBuffer()).equals(Buffer.from(authority.certificate.subjectName.toArrayBuffer()))) {
    return fail('the client certificate was not issued by this Forgeline\'s certificate authority');
  }
  const algorithm = certificate.signatureAlgorithm as { name: string; hash?: { name: string } };
  if (algorithm.name !== 'ECDSA' || algorithm.hash?.name !== 'SHA-256') return fail('the client certificate is not signed with ECDSA and SHA-256');
  let signed = false;
  try {
    signed = await certificate.verify({ publicKey: authority.certificate.publicKey, signatureOnly: true });
  } catch {
    signed = false;
  }
  if (!signed) return fail('the client certificate\'s signature does not verify with this Forgeline\'s certificate authority');
  const outside = validityProblem(certificate, now);
  if (outside !== undefined) return fail(outside);
  if (certificate.getExtension(x509.BasicConstraintsExtension)?.ca) return fail('a CA certificate is not a device certificate');
  const usages = certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
  if (!usages.includes(OID_CLIENT_AUTH)) return fail('the certificate is not for TLS clients (extended key usage clientAuth)');
  const deviceId = certificate.subjectName.getField('CN');
  const workCenterId = certificate.subjectName.getField('OU');
  const organization = certificate.subjectName.getField('O');
  if (deviceId.length !== 1 || workCenterId.length !== 1 || organization[0] !== DEVICE_ORGANIZATION) return fail('the certificate does not name a Forgeline device');
  return {
    ok: true,
    value: {
      serial: normalizeSerial(certificate.serialNumber),
      deviceId: deviceId[0] ?? '',
      workCenterId: workCenterId[0] ?? '',
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      der: Buffer.from(certificate.rawData),
    },
  };
}

/** Serial numbers compare as lowercase hex without leading zero octets. */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

