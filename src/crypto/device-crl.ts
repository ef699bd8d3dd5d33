/**
 * The certificate revocation list of device certificates (RFC 5280 §5), signed by the Forgeline CA
 * and served at `GET /api/v1/pki/crl` for brokers and gateways that check devices themselves.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { CertificateRequestError } from './tls-certificates.js';
import type { DeviceAuthority } from './device-pki.js';

x509.cryptoProvider.set(webcrypto);

/** The CRL reason codes (RFC 5280 §5.3.1) an operator may give when revoking a device. */
export const CRL_REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'] as const;

/** One of {@link CRL_REASONS}. */
export type CrlReason = (typeof CRL_REASONS)[number];

/** A revoked certificate as the CRL lists it. */
export interface RevokedSerial {
  /** Hex serial number. */
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: CrlReason;
}

/** What goes in a CRL besides its entries. */
export interface DeviceCrlOptions {
  readonly revoked: readonly RevokedSerial[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** RFC 5280 §5.2.3: a number that grows with every CRL the CA issues. */
  readonly crlNumber: bigint;
}

/** A CRL signed by the CA, DER (for `application/pkix-crl`, RFC 2585 §4.2) and PEM. */
export interface DeviceCrl {
  readonly der: Buffer;
  readonly pem: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

// RFC 5280 §5.2.3 cRLNumber.
const OID_CRL_NUMBER = '2.5.29.20';

/**
 * Builds an X.509 v2 CRL (RFC 5280 §5) signed by the CA with ECDSA and SHA-256: the authority key
 * identifier (§5.2.1) and cRLNumber (§5.2.3) extensions, and per entry the serial, revocation
 * date, invalidity date and the reason code, left out when unspecified (§5.3.1: it SHOULD then be absent).
 */
export async function buildDeviceCrl(authority: DeviceAuthority, options: DeviceCrlOptions): Promise<DeviceCrl> {
  if (options.nextUpdate <= options.thisUpdate) throw new CertificateRequestError('a CRL\'s nextUpdate must follow its thisUpdate');
  const crl = await x509.X509CrlGenerator.create({
    issuer: authority.certificate.subjectName,
    thisUpdate: wholeSeconds(options.thisUpdate),
    nextUpdate: wholeSeconds(options.nextUpdate),
    signingKey: authority.signingKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
    extensions: [authority.keyIdentifier, new x509.Extension(OID_CRL_NUMBER, false, derInteger(options.crlNumber))],
    entries: options.revoked.map((entry) => ({
      serialNumber: entry.serial,
      revocationDate: wholeSeconds(entry.revokedAt),
      // Every entry carries the invalidity date (§5.3.2), the revocation time: crlEntryExtensions,
      // when present, is SIZE (1..MAX), and the generator writes an empty one for an entry without any.
      invalidity: wholeSeconds(entry.revokedAt),
      ...(entry.reason === 'unspecified' ? {} : { reason: x509.X509CrlReason[entry.reason] }),
    })),
  });
  const der = Buffer.from(crl.rawData);
  // RFC 7468 §5: the PEM label of a CRL is "X509 CRL".
  return { der, pem: x509.PemConverter.encode(der, 'X509 CRL').replace(/\r\n/g, '\n').trimEnd() + '\n', thisUpdate: crl.thisUpdate, nextUpdate: wholeSeconds(options.nextUpdate) };
}

/** RFC 5280 §4.1.2.5.2 and §5.1.2.4: times carry no fractional seconds. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** DER of a non-negative ASN.1 INTEGER (X.690 §8.3): minimal two's complement, big-endian, at most 20 octets (RFC 5280 §5.2.3). */
function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new CertificateRequestError('the CRL number must not be negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  if (body.length > 20) throw new CertificateRequestError('the CRL number must fit in 20 octets');
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}
