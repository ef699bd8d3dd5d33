/**
 * The shape of a signed device report as the server accepts it (issue 6 point 2): the agent's
 * `SignedReport`, bounded in size, with the data each kind of report carries checked before the
 * signature is. The signature itself is checked against the device's certificate by the report
 * service.
 */
import { z } from 'zod';
import { REPORT_KINDS, type ReportKind } from '../agent/index.js';
import { actionInputSchemas, code, text, timestampSchema } from '../domain/index.js';

/** The most canonical JSON a report's `data` may hold: room for a progress report with 200 material lots. */
export const REPORT_DATA_MAX_BYTES = 16 * 1024;

/** Keys that must never reach an object built from device input (prototype pollution). */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (depth > 8 || typeof value !== 'object' || value === null) return depth > 8;
  if (Array.isArray(value)) return value.some((item) => hasForbiddenKey(item, depth + 1));
  return Object.keys(value).some((key) => FORBIDDEN_KEYS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1));
}

const revisionField = z.number().int().min(1).max(1_000_000);

/** The data of a progress report: the order service's own progress input, less the version the server supplies. */
const progressDataSchema = actionInputSchemas.progress.omit({ version: true });

/** What each kind of report carries; unknown fields are kept (and signed) but not used, except in progress. */
const REPORT_DATA_SCHEMAS: Readonly<Record<ReportKind, z.ZodType>> = {
  accepted: z.looseObject({ revision: revisionField.optional(), jti: z.string().max(200).optional() }),
  refused: z.looseObject({ revision: revisionField.optional(), code: code(64).optional(), reason: text(1000).optional() }),
  started: z.looseObject({}),
  paused: z.looseObject({}),
  resumed: z.looseObject({}),
  progress: progressDataSchema,
  completed: z.looseObject({}),
  aborted: z.looseObject({ stage: z.string().max(64).optional() }),
};

/** The report as signed by the device. */
const deviceReportSchema = z.strictObject({
  idempotencyKey: z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  deviceId: z.string().min(1).max(128),
  orderId: z.string().min(1).max(128),
  kind: z.enum(REPORT_KINDS),
  at: timestampSchema,
  data: z.record(z.string().max(64), z.unknown()),
}).superRefine((report, context) => {
  if (hasForbiddenKey(report.data)) {
    context.addIssue({ code: 'custom', path: ['data'], message: 'nested too deep, or holds a forbidden key (__proto__, constructor, prototype)' });
    return;
  }
  if (Buffer.byteLength(JSON.stringify(report.data), 'utf8') > REPORT_DATA_MAX_BYTES) {
    context.addIssue({ code: 'custom', path: ['data'], message: `larger than ${REPORT_DATA_MAX_BYTES} bytes` });
    return;
  }
  const data = REPORT_DATA_SCHEMAS[report.kind].safeParse(report.data);
  for (const issue of data.success ? [] : data.error.issues) {
    context.addIssue({ code: 'custom', path: ['data', ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))], message: issue.message });
  }
});

/** A signed report: the report and the device's signature over its RFC 8785 canonical JSON (base64url). */
export const signedReportSchema = z.strictObject({
  report: deviceReportSchema,
  // An ECDSA P-256 DER signature is at most 72 bytes, Ed25519's 64: 512 characters is ample.
  signature: z.string().min(1).max(512).regex(/^[A-Za-z0-9_-]+$/, 'base64url'),
});

/** The data of a progress report, as the order service's progress command takes it. */
export function progressInput(data: Readonly<Record<string, unknown>>): z.output<typeof progressDataSchema> {
  return progressDataSchema.parse(data);
}

/** The idempotency key of something that looks like a report, for auditing a refusal of it; undefined otherwise. */
export function claimedIdempotencyKey(input: unknown): string | undefined {
  const key = (input as { report?: { idempotencyKey?: unknown } } | null)?.report?.idempotencyKey;
  return typeof key === 'string' ? key.slice(0, 128) : undefined;
}
