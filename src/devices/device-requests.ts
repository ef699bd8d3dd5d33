/**
 * What the device API takes (issue 5 point 6), and the format of enrolment tokens. Pure: no I/O.
 */
import { z } from 'zod';
import { CRL_REASONS, randomToken } from '../crypto/index.js';
import { code, idSchema, text } from '../domain/index.js';

/** What `POST /api/v1/devices` takes. */
export const newDeviceSchema = z.strictObject({
  name: text(100).describe('What the plant calls the device, unique within its work center (e.g. "Mill 3 edge agent")'),
  kind: code(40).describe('What sort of device it is, e.g. cnc, plc, edge-agent, scanner'),
  workCenterId: idSchema.describe('The work center (plant node) the device belongs to'),
});

/** Enrolment tokens live minutes: long enough to walk to the machine, short enough to be worthless when lost. */
export const ENROLMENT_TOKEN_DEFAULT_MINUTES = 15;

/** Longest lifetime of an enrolment token: a day. */
export const ENROLMENT_TOKEN_MAX_MINUTES = 1440;

/** What `POST /api/v1/devices/{id}/enrolment-tokens` takes. */
export const enrolmentTokenRequestSchema = z.strictObject({
  ttlMinutes: z.number().int().min(1).max(ENROLMENT_TOKEN_MAX_MINUTES).default(ENROLMENT_TOKEN_DEFAULT_MINUTES)
    .describe(`Minutes the token stays usable (default ${ENROLMENT_TOKEN_DEFAULT_MINUTES}, at most ${ENROLMENT_TOKEN_MAX_MINUTES})`),
});

/** Largest CSR the API reads; the CSR parser refuses anything bigger anyway. */
const CSR_MAX = 16_384;

/** What `POST /api/v1/pki/enrol` takes: the token is the credential, the CSR names the device. */
export const enrolRequestSchema = z.strictObject({
  token: z.string().min(1).max(200).describe('The one-time enrolment token (fle_…)'),
  csr: z.string().min(1).max(CSR_MAX).describe('A PEM PKCS#10 request, subject CN=<device id>, key ECDSA P-256 or Ed25519'),
});

/** What `POST /api/v1/pki/renew` takes; the caller is the device of the client certificate. */
export const renewRequestSchema = z.strictObject({
  csr: z.string().min(1).max(CSR_MAX).describe('A PEM PKCS#10 request for the new key, subject CN=<device id>'),
});

/** What `POST /api/v1/devices/{id}/revoke` takes. */
export const revokeDeviceSchema = z.strictObject({
  reason: text(500).describe('Why the device is revoked (recorded in the audit log)'),
  reasonCode: z.enum(CRL_REASONS).default('unspecified').describe('The RFC 5280 CRL reason of its certificates (default unspecified)'),
});

/** Validated input of the device service. */
export type NewDeviceRequest = z.output<typeof newDeviceSchema>;

/**
 * What every enrolment token starts with: tells it from session and API tokens, and lets secret
 * scanners find leaked ones with `fle_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}`.
 */
export const ENROLMENT_TOKEN_PREFIX = 'fle_';

const ENROLMENT_TOKEN_PATTERN = /^fle_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

/**
 * A fresh enrolment token: the prefix, the device id (not secret: it is what the device puts in its
 * CSR, so `device enrol` needs nothing else) and 256 random bits from the OS CSPRNG.
 */
export function newEnrolmentToken(deviceId: string): string {
  return `${ENROLMENT_TOKEN_PREFIX}${deviceId}_${randomToken(32)}`;
}

/** The device id an enrolment token names, or undefined when the value is not shaped like one. */
export function enrolmentTokenDevice(token: string): string | undefined {
  return ENROLMENT_TOKEN_PATTERN.exec(token)?.[1];
}
