/**
 * Release attestations: a second compact JWS (RFC 7515, EdDSA, RFC 8037) made at release with the
 * same order-signing key as the order's JWS, over what the release IS without what the order SAYS:
 * order id, number, revision, content hash, the e-signatures, and the SHA-256 of the order JWS's
 * exact compact bytes. It carries no confidential field, so any reader of the order (a plain
 * auditor) can check a release's signature; a reader allowed the full JWS can confirm both match.
 * Its own `typ` keeps it from ever being taken for an order: the device-side verifier refuses it.
 */
import { randomUUID, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { ForgelineError } from '../domain/index.js';
import { canonicalJson } from './canonical-json.js';
import type { JwsElectronicSignature, OrderSigningKey, OrderVerificationKey } from './order-jws.js';
import { sha256Hex } from './sha256.js';

/** The `typ` header of a release attestation (RFC 7515 §4.1.9); an order JWS has `forgeline-order+jws`. */
export const RELEASE_ATTESTATION_TYPE = 'forgeline-release-attestation+jws';

/** The claims of a release attestation: no content, no recipe, no customer. */
export interface ReleaseAttestationPayload {
  /** The issuing installation, as in the order JWS. */
  readonly iss: string;
  /** The order id. */
  readonly sub: string;
  /** The work center the order JWS is addressed to. */
  readonly aud: string;
  /** The order JWS's iat and exp (NumericDate seconds). */
  readonly iat: number;
  readonly exp: number;
  /** Unique per attestation (a UUID). */
  readonly jti: string;
  readonly order: { readonly id: string; readonly number: string; readonly revision: number; readonly contentHash: string };
  /** The order JWS this attests: its jti and the lowercase hex SHA-256 of its compact serialization. */
  readonly orderJws: { readonly jti: string; readonly sha256: string };
  /** The e-signatures of the released revision, as the order JWS carries them. */
  readonly signatures: readonly JwsElectronicSignature[];
}

/** A verified attestation: its header and claims. */
export interface VerifiedReleaseAttestation {
  readonly header: { alg: 'EdDSA'; kid: string; typ: typeof RELEASE_ATTESTATION_TYPE };
  readonly payload: ReleaseAttestationPayload;
}

const text = z.string().min(1);
const count = z.int().nonnegative();
const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
const payloadSchema = z
  .strictObject({
    iss: text, sub: text, aud: text, iat: count, exp: count, jti: z.uuid(),
    order: z.strictObject({ id: text, number: text, revision: count, contentHash: hexHash }),
    orderJws: z.strictObject({ jti: z.uuid(), sha256: hexHash }),
    signatures: z.array(z.strictObject({ signer: text, signerId: text, action: text, meaning: text, signedAt: z.iso.datetime({ offset: true }), contentHash: hexHash, revision: count })),
  })
  .refine((payload) => payload.sub === payload.order.id, { message: 'sub must be the order id', path: ['sub'] });

/** The lowercase hex SHA-256 of a compact JWS's bytes (ASCII), as an attestation binds it. */
export function compactJwsSha256(jws: string): string {
  return sha256Hex(Buffer.from(jws, 'ascii'));
}

/**
 * The attestation of `orderJws` (already signed, whose claims are `claims`) with `key`, the key that
 * signed it: the same iss, sub, aud, iat, exp, revision, content hash and e-signatures.
 */
export function attestRelease(
  orderJws: string,
  claims: { readonly iss: string; readonly sub: string; readonly aud: string; readonly iat: number; readonly exp: number; readonly jti: string; readonly order: ReleaseAttestationPayload['order']; readonly signatures: readonly JwsElectronicSignature[] },
  key: OrderSigningKey,
): string {
  const { id, number, revision, contentHash } = claims.order;
  return signReleaseAttestation({
    iss: claims.iss, sub: claims.sub, aud: claims.aud, iat: claims.iat, exp: claims.exp, jti: randomUUID(),
    order: { id, number, revision, contentHash },
    orderJws: { jti: claims.jti, sha256: compactJwsSha256(orderJws) },
    signatures: claims.signatures,
  }, key);
}

/**
 * Signs an attestation as a compact JWS, header exactly `{"alg":"EdDSA","kid":…,"typ":RELEASE_ATTESTATION_TYPE}`,
 * header and payload as RFC 8785 canonical JSON. Refuses a payload its verifier would refuse (`jws-invalid`).
 */
export function signReleaseAttestation(payload: ReleaseAttestationPayload, key: OrderSigningKey): string {
  requireShape(payload);
  if (key.kid === '' || key.privateKey.type !== 'private' || key.privateKey.asymmetricKeyType !== 'ed25519') throw invalid('the signing key is not an Ed25519 private key with a kid');
  const signingInput = `${encode({ alg: 'EdDSA', kid: key.kid, typ: RELEASE_ATTESTATION_TYPE })}.${encode(payload)}`;
  // RFC 8037 §3.1: Ed25519 over the signing input itself, no prehash.
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), key.privateKey).toString('base64url')}`;
}

/**
 * Verifies an attestation: form and header, pinned to EdDSA and this `typ` (`jws-invalid`), key
 * (`key-unknown`), signature and claims (`jws-invalid`), revocation (`key-revoked`). No expiry: it
 * is evidence of a release, read long after the order JWS stopped being runnable.
 */
export function verifyReleaseAttestation(attestation: string, keyOf: (kid: string) => OrderVerificationKey | undefined): VerifiedReleaseAttestation {
  const parts = attestation.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part)) {
    throw invalid('the attestation is not three base64url parts separated by dots');
  }
  const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = parts;
  const header = parseJson(headerSegment) as { kid?: unknown } | undefined;
  const kid = typeof header?.kid === 'string' ? header.kid : '';
  // Byte-exact with what we sign: pins alg and typ, refuses crit, extra members and other spellings (RFC 8725 §3.1, §3.11).
  if (kid === '' || Buffer.from(headerSegment, 'base64url').toString('utf8') !== canonicalJson({ alg: 'EdDSA', kid, typ: RELEASE_ATTESTATION_TYPE })) {
    throw invalid(`the attestation header is not {"alg":"EdDSA","kid":…,"typ":"${RELEASE_ATTESTATION_TYPE}"}`);
  }
  const key = keyOf(kid);
  if (key === undefined || key.kid !== kid) throw new ForgelineError('key-unknown', `No verification key has kid ${JSON.stringify(kid)}.`);
  let verified = false;
  try {
    verified = verify(null, Buffer.from(`${headerSegment}.${payloadSegment}`, 'ascii'), key.publicKey, Buffer.from(signatureSegment, 'base64url'));
  } catch {
    verified = false; // a key of another type cannot verify an Ed25519 signature
  }
  if (!verified) throw invalid(`the attestation signature does not verify with key ${JSON.stringify(kid)}`);
  const payload = requireShape(parseJson(payloadSegment));
  const revokedAt = key.revokedSince === undefined || key.revokedSince === null ? undefined : Date.parse(key.revokedSince);
  // As for orders: iat has one-second resolution, and an unreadable revocation time fails closed.
  if (revokedAt !== undefined && (Number.isNaN(revokedAt) || payload.iat >= Math.floor(revokedAt / 1000))) {
    throw new ForgelineError('key-revoked', `Key ${JSON.stringify(kid)} was revoked at ${JSON.stringify(key.revokedSince)}, and this release was attested at ${new Date(payload.iat * 1000).toISOString()}.`);
  }
  return { header: { alg: 'EdDSA', kid, typ: RELEASE_ATTESTATION_TYPE }, payload };
}

function requireShape(value: unknown): ReleaseAttestationPayload {
  const result = payloadSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalid(`the attestation is not a valid release attestation${issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`}: ${issue?.message ?? 'invalid'}`);
}

function parseJson(segment: string): unknown {
  try {
    // No reviver needed: the result only reaches zod's strict objects, which refuse unknown members (__proto__ included).
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(segment, 'base64url'))) as unknown;
  } catch {
    return undefined;
  }
}

function encode(value: unknown): string {
  return Buffer.from(canonicalJson(value), 'utf8').toString('base64url');
}

function invalid(reason: string): ForgelineError {
  return new ForgelineError('jws-invalid', `${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}.`);
}
