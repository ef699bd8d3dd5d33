/**
 * Checks a server certificate chain and key that an operator brings (issue 5 point 5),
 * and describes certificates for people: subject, SAN, issuer, validity, SHA-256
 * fingerprint. Parsing is node:crypto's X509Certificate (OpenSSL); nothing of our own.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/** Why an operator's certificate and key are refused, in the order they are checked. */
export const SERVER_CERTIFICATE_PROBLEMS = [
  'not-a-certificate',
  'broken-chain',
  'not-a-private-key',
  'key-mismatch',
  'not-yet-valid',
  'expired',
  'no-subject-alt-name',
] as const;

/** One of {@link SERVER_CERTIFICATE_PROBLEMS}. */
export type ServerCertificateProblem = (typeof SERVER_CERTIFICATE_PROBLEMS)[number];

/** What a person needs to recognise a certificate. Times are ISO 8601 (UTC). */
export interface CertificateSummary {
  readonly subject: string;
  /** The SAN as OpenSSL prints it (`DNS:localhost, IP Address:127.0.0.1`), or '' when there is none. */
  readonly subjectAltName: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** SHA-256 of the DER certificate, colon-separated hex: what browsers and `openssl x509 -fingerprint -sha256` show. */
  readonly fingerprint256: string;
}

/** A chain and key fit to serve, in normalized PEM (certificates only; the key as PKCS#8). */
export interface AcceptedServerCertificate {
  readonly ok: true;
  readonly chainPem: string;
  readonly privateKeyPem: string;
  readonly leaf: CertificateSummary;
}

/** A refusal: which check failed and a one-line message safe to show. */
export interface RefusedServerCertificate {
  readonly ok: false;
  readonly problem: ServerCertificateProblem;
  readonly message: string;
}

/** The outcome of {@link checkServerCertificate}. */
export type ServerCertificateCheck = AcceptedServerCertificate | RefusedServerCertificate;

// RFC 7468 §2: textual encoding of a certificate; other blocks (keys, "Bag Attributes") are not certificates.
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses every certificate in PEM text, in order; null when there is none or one does not parse. */
export function parseCertificateChain(pem: string): X509Certificate[] | null {
  const blocks = pem.match(PEM_CERTIFICATE);
  if (!blocks) return null;
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    return null;
  }
}

function isoTime(openSslTime: string): string {
  const time = new Date(openSslTime);
  return Number.isNaN(time.getTime()) ? openSslTime : time.toISOString();
}

/** The summary of one certificate. */
export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  return {
    // OpenSSL gives one attribute per line; one line reads better and prints safely.
    subject: certificate.subject.split('\n').join(', '),
    subjectAltName: certificate.subjectAltName ?? '',
    issuer: certificate.issuer.split('\n').join(', '),
    validFrom: isoTime(certificate.validFrom),
    validTo: isoTime(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
  };
}

function refuse(problem: ServerCertificateProblem, message: string): RefusedServerCertificate {
  return { ok: false, problem, message };
}

function parsePrivateKey(pem: string): KeyObject | null {
  try {
    return createPrivateKey(pem);
  } catch {
    // Unparseable, a public key, or encrypted (a server must start unattended, so no passphrase).
    return null;
  }
}

function keyMatches(leaf: X509Certificate, key: KeyObject): boolean {
  try {
    return leaf.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/**
 * Checks that `chainPem` holds a certificate chain (leaf first, each certificate
 * issued and signed by the next), that `keyPem` is an unencrypted private key
 * for the leaf's public key, that the leaf is valid at `now`, and that its SAN
 * names a DNS name or IP address (TLS clients match only those, RFC 6125 §6.4.4).
 */
export function checkServerCertificate(chainPem: string, keyPem: string, now: Date): ServerCertificateCheck {
  const chain = parseCertificateChain(chainPem);
  const leaf = chain?.[0];
  if (!chain || !leaf) return refuse('not-a-certificate', 'the certificate file holds no PEM certificate that parses');
  for (let index = 0; index + 1 < chain.length; index += 1) {
    const [child, parent] = [chain[index], chain[index + 1]];
    // RFC 5280 §6.1: each certificate's issuer is the next one's subject, and the next one's key signed it.
    if (!child || !parent || !child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return refuse('broken-chain', `certificate ${index + 2} of the chain did not issue certificate ${index + 1} (the chain must run leaf first, then each issuer)`);
    }
  }
  const key = parsePrivateKey(keyPem);
  if (!key) return refuse('not-a-private-key', 'the key file holds no unencrypted PEM private key');
  if (!keyMatches(leaf, key)) return refuse('key-mismatch', "the private key does not match the certificate's public key");
  const summary = summarizeCertificate(leaf);
  const validFrom = Date.parse(summary.validFrom);
  const validTo = Date.parse(summary.validTo);
  if (!(validFrom <= now.getTime())) return refuse('not-yet-valid', `the certificate is not valid before ${summary.validFrom}`);
  if (!(now.getTime() <= validTo)) return refuse('expired', `the certificate expired at ${summary.validTo}`);
  if (!/(^|, )(DNS|IP Address):/.test(summary.subjectAltName)) {
    return refuse('no-subject-alt-name', 'the certificate names no DNS name or IP address in its subject alternative names, which clients match the server against');
  }
  return {
    ok: true,
    chainPem: chain.map((certificate) => `${certificate.toString().trimEnd()}\n`).join(''),
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    leaf: summary,
  };
}
