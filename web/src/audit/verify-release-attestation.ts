/**
 * Checks, in the browser, a release attestation (`GET /api/v1/orders/:id/release-attestation`, made
 * by src/crypto/release-attestation.ts): a compact JWS signed with the order-signing key at release,
 * over the order's id, number, revision, content hash and e-signatures and the SHA-256 of the order
 * JWS, without the order's content. So a plain auditor, who may not fetch the JWS (it carries the
 * recipe and customer), checks the release's signature: the same key lookup and pins as
 * verify-release.ts, then the revision and content hash against the audit entry. A reader who may
 * fetch the JWS also checks it hashes to what the attestation names ({@link checkJwsBinding}).
 */
import { eSignatureMismatch, isObject, parseSegment, revokedMessage, shownSignatures, verifySignedCompact, type ExpectedRelease, type ReleaseSignature } from './verify-release.js';
import { sha256, toHex, utf8 } from './verify-bytes.js';

/** The steps of the check, in the order they run. */
export const ATTESTATION_CHECK_STEPS = ['form', 'header', 'key', 'signature', 'payload', 'revocation', 'entry'] as const;

/** One of {@link ATTESTATION_CHECK_STEPS}. */
export type AttestationCheckStep = (typeof ATTESTATION_CHECK_STEPS)[number];

/** The `typ` of a release attestation; an order JWS has `forgeline-order+jws`. */
export const RELEASE_ATTESTATION_TYPE = 'forgeline-release-attestation+jws';

/** A verified attestation: the key, the release it attests, and the order JWS it names. */
export interface AttestationVerified {
  readonly ok: true;
  readonly kid: string;
  readonly orderId: string;
  readonly orderNumber: string;
  readonly revision: number;
  readonly contentHash: string;
  readonly issuedAt: string;
  readonly workCenterId: string;
  /** The lowercase hex SHA-256 of the order JWS's compact bytes, and its jti. */
  readonly orderJwsSha256: string;
  readonly orderJwsJti: string;
  readonly signatures: readonly ReleaseSignature[];
}

/** A failed check: the step, a message safe to show, and the kid and content hash when they were read. */
export interface AttestationFailed {
  readonly ok: false;
  readonly step: AttestationCheckStep;
  readonly message: string;
  readonly kid?: string;
  readonly contentHash?: string;
}

const isHash = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);

/** Verifies `attestation` as the release `expected` with the keys of `jwks`; the first failing step ends the check. */
export async function verifyReleaseAttestation(attestation: string, jwks: unknown, expected: ExpectedRelease): Promise<AttestationVerified | AttestationFailed> {
  const { orderId } = expected;
  const failed = (step: AttestationCheckStep, message: string, extra: { kid?: string; contentHash?: string } = {}): AttestationFailed => ({ ok: false, step, message, ...extra });

  // Its own typ: an order JWS offered here is refused, as an attestation offered to a device is.
  const signed = await verifySignedCompact(attestation, jwks, RELEASE_ATTESTATION_TYPE, { token: 'The release attestation', signature: 'The attestation\'s signature' });
  if (!signed.ok) return failed(signed.step, signed.message, signed.kid === undefined ? {} : { kid: signed.kid });
  const { kid } = signed;

  const payload = parseSegment(signed.payloadSegment);
  const order = isObject(payload) ? payload.order : undefined;
  const orderJws = isObject(payload) ? payload.orderJws : undefined;
  if (
    !isObject(payload) || !isObject(order) || !isObject(orderJws) || !isHash(order.contentHash) || typeof order.revision !== 'number'
    || typeof order.number !== 'string' || !isHash(orderJws.sha256) || typeof orderJws.jti !== 'string' || typeof payload.iat !== 'number' || typeof payload.aud !== 'string'
  ) {
    return failed('payload', 'The signed payload is not a Forgeline release attestation.', { kid });
  }
  const contentHash = order.contentHash;
  if (payload.sub !== orderId || order.id !== orderId) {
    return failed('payload', `The attestation is for order ${String(order.id)}, not this one (${orderId}).`, { kid, contentHash });
  }
  // The e-signatures are what a release is: a payload without their list attests no approval at all.
  const { signatures } = payload;
  if (!Array.isArray(signatures)) {
    return failed('payload', 'The signed payload carries no list of e-signatures, so it does not attest who approved the release.', { kid, contentHash });
  }
  const mismatch = eSignatureMismatch(signatures, order.revision, contentHash, 'attested');
  if (mismatch !== undefined) return failed('payload', mismatch, { kid, contentHash });

  const revoked = revokedMessage(kid, signed.revokedSince, payload.iat, 'this attestation');
  if (revoked !== undefined) return failed('revocation', revoked, { kid, contentHash });

  // Verified means "this entry's release": an entry that records no revision or content hash gives nothing to match, so it cannot be.
  if (expected.revision === undefined || expected.contentHash === undefined) {
    const missing = expected.revision === undefined ? (expected.contentHash === undefined ? 'no revision and no content hash' : 'no revision') : 'no content hash';
    return failed('entry', `This audit entry records ${missing}, so the attestation cannot be matched with the release it records.`, { kid, contentHash });
  }
  if (order.revision !== expected.revision) {
    return failed('entry', `The attestation is for revision ${order.revision}, not for revision ${expected.revision} that this audit entry records: it was released again since, so this entry's release cannot be checked here.`, { kid, contentHash });
  }
  if (contentHash !== expected.contentHash) {
    return failed('entry', `The attestation covers the content hash ${contentHash}, not ${expected.contentHash} that this audit entry records.`, { kid, contentHash });
  }
  return {
    ok: true,
    kid,
    orderId,
    orderNumber: order.number,
    revision: order.revision,
    contentHash,
    issuedAt: new Date(payload.iat * 1000).toISOString(),
    workCenterId: payload.aud,
    orderJwsSha256: orderJws.sha256,
    orderJwsJti: orderJws.jti,
    signatures: shownSignatures(signatures),
  };
}

/** Whether the order JWS a reader fetched is the one the verified attestation names, by the SHA-256 of its exact bytes. */
export interface JwsBinding {
  readonly ok: boolean;
  readonly sha256: string;
  readonly message: string;
}

/** Compares the SHA-256 of `jws` (its compact bytes, as fetched) with the one `attestation` names. */
export async function checkJwsBinding(jws: string, attestation: AttestationVerified): Promise<JwsBinding> {
  const digest = toHex(await sha256(utf8(jws.trim())));
  return digest === attestation.orderJwsSha256
    ? { ok: true, sha256: digest, message: `The signed order's SHA-256 is ${digest}, the one the release attestation names.` }
    : { ok: false, sha256: digest, message: `The signed order's SHA-256 is ${digest}, not ${attestation.orderJwsSha256} that the release attestation names.` };
}
