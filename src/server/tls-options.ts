/**
 * The server's TLS policy in one place: TLS 1.3 unless the operator explicitly
 * allows 1.2, and then only forward-secret AEAD suites; client certificates asked
 * for (devices) but not required (browsers, the CLI).
 */
import type { TlsOptions } from 'node:tls';

/** The lowest TLS versions an operator may choose; anything older is never offered. */
export const TLS_MIN_VERSIONS = ['1.3', '1.2'] as const;

/** One of {@link TLS_MIN_VERSIONS}. */
export type TlsMinVersion = (typeof TLS_MIN_VERSIONS)[number];

/**
 * The cipher suites offered. TLS 1.3 suites are all AEAD with ephemeral key exchange
 * (RFC 8446 §9.1); they must be named here, or Node.js caps the server at TLS 1.2.
 * The TLS 1.2 suites are ECDHE with AES-GCM or ChaCha20-Poly1305 only
 * (RFC 9325 §4.2, NIST SP 800-52r2 §3.3.1): no static RSA, no CBC, no SHA-1.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** What the server's TLS needs: its key and chain, the CA whose client certificates it asks for, and the lowest version. */
export interface HttpsMaterial {
  readonly key: string;
  readonly cert: string;
  /** The Forgeline CA (PEM): client certificates it issued are checked against it. */
  readonly ca?: string | undefined;
  /** Default '1.3'. */
  readonly minVersion?: TlsMinVersion | undefined;
}

/**
 * The node:tls server options for {@link HttpsMaterial}. With a CA, a client certificate
 * is requested but not required: the handshake never fails for want of one, and routes
 * that need a device read `socket.authorized` and `getPeerCertificate()` themselves.
 */
export function tlsServerOptions(material: HttpsMaterial): TlsOptions {
  return {
    key: material.key,
    cert: material.cert,
    minVersion: material.minVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    ...(material.ca === undefined ? {} : { ca: material.ca, requestCert: true, rejectUnauthorized: false }),
  };
}
