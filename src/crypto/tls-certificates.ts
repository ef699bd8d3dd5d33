/**
 * The plant's own TLS PKI: a private certificate authority and the server
 * certificates it issues (RFC 5280 profiles, ECDSA P-256 with SHA-256).
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, X509Certificate, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

x509.cryptoProvider.set(webcrypto);

/** A certificate authority as stored on disk: its self-signed certificate and PKCS#8 private key, both PEM. */
export interface CertificateAuthority {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** What to put in a new certificate authority. `now` replaces the clock in tests. */
export interface CertificateAuthorityOptions {
  readonly commonName: string;
  readonly validityDays: number;
  readonly now?: Date;
}

/** What to put in a server certificate: at least one DNS name or IP address for the SAN. */
export interface ServerCertificateOptions {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validityDays: number;
  readonly now?: Date;
}

/** An issued server certificate, its PKCS#8 key, and `chainPem` (leaf then CA) ready for node:tls `cert`. */
export interface ServerCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly chainPem: string;
}

/** Thrown when certificate options or the CA handed in cannot produce a valid certificate. */
export class CertificateRequestError extends Error {
  /** Stable code for callers that map errors to responses. */
  readonly code = 'certificate_request_invalid';

  constructor(message: string) {
    super(message);
    this.name = 'CertificateRequestError';
  }
}

const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
const MAX_VALIDITY_DAYS = 36_500;
// Issued certificates start slightly in the past so peers with a lagging clock accept them.
const BACKDATE_MS = 5 * 60_000;
// RFC 1034 §3.5 preferred name syntax, optionally with a leftmost wildcard label (RFC 6125 §6.4.3).
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Creates a self-signed certificate authority (ECDSA P-256): basicConstraints
 * CA with pathLen 0, keyUsage keyCertSign and cRLSign, a subject key identifier.
 */
export async function createCertificateAuthority(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
  const { notBefore, notAfter } = validity(options.validityDays, options.now);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: subjectName(options.commonName),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      // RFC 5280 §4.2.1.9: MUST be critical in CA certificates; pathLen 0 forbids intermediates.
      new x509.BasicConstraintsExtension(true, 0, true),
      // RFC 5280 §4.2.1.3: SHOULD be critical.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      // RFC 5280 §4.2.1.2: MUST appear in CA certificates.
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: toPem(certificate), privateKeyPem: exportPrivateKey(keys.privateKey) };
}

/**
 * Issues a server certificate signed by `ca` (ECDSA P-256): SAN with the DNS
 * names and IP addresses, extendedKeyUsage serverAuth, authority key
 * identifier, random serial. It may not outlive the CA.
 */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  options: ServerCertificateOptions,
): Promise<ServerCertificate> {
  const subjectAltNames = alternativeNames(options.dnsNames, options.ipAddresses);
  const { notBefore, notAfter } = validity(options.validityDays, options.now);
  const authority = await loadAuthority(ca);
  if (notAfter > authority.certificate.notAfter) {
    throw new CertificateRequestError('server certificate would outlive its certificate authority');
  }
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: subjectName(options.commonName),
    // The issuer's encoded name is reused verbatim so path building matches it (RFC 5280 §7.1).
    issuer: authority.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: authority.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // RFC 5480 §3 / RFC 8446 §4.4.2.4: an ECDSA TLS key only signs the handshake.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      // RFC 5280 §4.2.1.6; TLS clients match hosts against SAN only (RFC 6125 §6.4.4).
      new x509.SubjectAlternativeNameExtension(subjectAltNames),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // RFC 5280 §4.2.1.1: the keyIdentifier equals the issuer's subject key identifier.
      authority.keyIdentifier,
    ],
  });
  const certificatePem = toPem(certificate);
  return {
    certificatePem,
    privateKeyPem: exportPrivateKey(keys.privateKey),
    chainPem: certificatePem + toPem(authority.certificate),
  };
}

/** A CA ready to sign: its certificate, its key as a WebCrypto signing key, and its key identifier for issued certificates. */
export interface LoadedAuthority {
  readonly certificate: x509.X509Certificate;
  readonly signingKey: webcrypto.CryptoKey;
  readonly keyIdentifier: x509.AuthorityKeyIdentifierExtension;
}

/** Loads a CA (certificate and PKCS#8 key, PEM); refuses one that does not parse, is not a CA, or whose key does not match. */
export async function loadAuthority(ca: CertificateAuthority): Promise<LoadedAuthority> {
  let certificate: x509.X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new x509.X509Certificate(ca.certificatePem);
    privateKey = createPrivateKey(ca.privateKeyPem);
  } catch {
    throw new CertificateRequestError('certificate authority PEM does not parse');
  }
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new CertificateRequestError('certificate authority is not a CA certificate');
  if (!createPublicKey(privateKey).equals(new X509Certificate(ca.certificatePem).publicKey)) {
    throw new CertificateRequestError('certificate authority key does not match its certificate');
  }
  let signingKey: webcrypto.CryptoKey;
  try {
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, KEY_ALGORITHM, false, ['sign']);
  } catch {
    throw new CertificateRequestError('certificate authority key must be ECDSA P-256');
  }
  const subjectKeyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyIdentifier = subjectKeyId
    ? new x509.AuthorityKeyIdentifierExtension(subjectKeyId.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(certificate.publicKey);
  return { certificate, signingKey, keyIdentifier };
}

function subjectName(commonName: string): x509.JsonName {
  // RFC 5280 Appendix A: ub-common-name is 64.
  if (commonName.trim() === '' || commonName.length > 64) {
    throw new CertificateRequestError('common name must be 1 to 64 characters');
  }
  // Structured form, so commas or "O=" inside the name are data, not extra attributes.
  return [{ CN: [commonName] }];
}

function alternativeNames(dnsNames: readonly string[], ipAddresses: readonly string[]): x509.JsonGeneralNames {
  if (dnsNames.length + ipAddresses.length === 0) {
    throw new CertificateRequestError('a server certificate needs at least one DNS name or IP address');
  }
  for (const name of dnsNames) {
    if (name.length > 253 || !DNS_NAME.test(name)) throw new CertificateRequestError(`not a DNS name: ${JSON.stringify(name)}`);
  }
  for (const address of ipAddresses) {
    if (isIP(address) === 0 || address.includes('%')) {
      throw new CertificateRequestError(`not an IP address: ${JSON.stringify(address)}`);
    }
  }
  return [
    ...dnsNames.map((value): x509.JsonGeneralName => ({ type: x509.DNS, value })),
    ...ipAddresses.map((value): x509.JsonGeneralName => ({ type: x509.IP, value })),
  ];
}

function validity(validityDays: number, now = new Date()): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
    throw new CertificateRequestError(`validity must be an integer from 1 to ${MAX_VALIDITY_DAYS} days`);
  }
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
  };
}

/** A certificate serial number, hex: RFC 5280 §4.1.2.2, for every certificate the Forgeline CA issues. */
export function randomSerialNumber(): string {
  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets; 126 random bits,
  // top bit cleared (positive) and next bit set (no leading zero octet to strip).
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial.toString('hex');
}

/** A certificate in PEM with one trailing newline. */
export function toPem(certificate: x509.X509Certificate): string {
  return `${certificate.toString('pem').trimEnd()}\n`;
}

function exportPrivateKey(key: webcrypto.CryptoKey): string {
  // PKCS#8 (RFC 5208) in PEM with the "PRIVATE KEY" label (RFC 7468 §10).
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}
