/**
 * Checks, in the browser, a released order's signature: the compact JWS of
 * `GET /api/v1/orders/:id/jws` (RFC 7515, EdDSA with Ed25519, RFC 8037) against the order-signing
 * JWKS of `GET /api/v1/keys`, pinned as the server's src/crypto/order-jws.ts pins it: the
 * algorithm never comes from the input, the kid must be its key's RFC 7638 thumbprint, and the
 * content must hash (SHA-256 over RFC 8785 JSON) to the content hash that was signed. The audience
 * must be the order's work center and every e-signature must be over the signed revision and hash.
 * When an audit entry asks, the release must be the revision and content hash that entry records.
 * The keys come from the same server as the JWS: a pass says the release is consistent with the
 * keys that server publishes, which an auditor compares with the kid they keep.
 */
import { canonicalJson } from './verify-canonical-json.js';
import { decodeBase64url, ed25519Verify, encodeBase64url, sha256, toHex, utf8, type Bytes } from './verify-bytes.js';

/** The steps of the check, in the order they run. */
export const RELEASE_CHECK_STEPS = ['form', 'header', 'key', 'signature', 'payload', 'revocation', 'content', 'entry'] as const;

/** One of {@link RELEASE_CHECK_STEPS}. */
export type ReleaseCheckStep = (typeof RELEASE_CHECK_STEPS)[number];

/** The `typ` of a signed order. */
const ORDER_JWS_TYPE = 'forgeline-order+jws';

/** What the release must be: always its order, and when an audit entry asks, that entry's revision and content hash. */
export interface ExpectedRelease {
  readonly orderId: string;
  readonly revision?: number;
  readonly contentHash?: string;
}

/** An approver's electronic signature carried in the JWS. */
export interface ReleaseSignature {
  readonly signer: string;
  readonly meaning: string;
  readonly signedAt: string;
  readonly action: string;
}

/** A verified release: the key, the order revision and content hash it covers, and who signed. */
export interface ReleaseVerified {
  readonly ok: true;
  readonly kid: string;
  readonly orderId: string;
  readonly orderNumber: string;
  readonly revision: number;
  readonly contentHash: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Past `exp` at the time of the check: still the genuine signed release, but an agent would refuse it now. */
  readonly expired: boolean;
  readonly workCenterId: string;
  readonly signatures: readonly ReleaseSignature[];
}

/** A failed check: the step, a message safe to show, and the kid and content hash when they were read. */
export interface ReleaseFailed {
  readonly ok: false;
  readonly step: ReleaseCheckStep;
  readonly message: string;
  readonly kid?: string;
  readonly contentHash?: string;
}

type Json = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why the release's e-signatures do not all cover `revision` with `contentHash` (the first one
 * that does not), or undefined when they do; `what` names the revision ("signed", "attested").
 */
export function eSignatureMismatch(signatures: readonly unknown[], revision: unknown, contentHash: string, what: string): string | undefined {
  for (const [i, s] of signatures.entries()) {
    if (!isObject(s) || s.contentHash !== contentHash || s.revision !== revision) {
      const over = isObject(s) ? `revision ${String(s.revision)} with content hash ${String(s.contentHash)}` : 'nothing readable';
      return `E-signature ${i + 1} is over ${over}, not over the ${what} revision ${String(revision)} with content hash ${contentHash}.`;
    }
  }
  return undefined;
}

/** The e-signatures as the page shows them. */
export function shownSignatures(signatures: readonly unknown[]): ReleaseSignature[] {
  return signatures.filter(isObject).map((s) => ({ signer: String(s.signer), meaning: String(s.meaning), signedAt: String(s.signedAt), action: String(s.action) }));
}

/** RFC 7638 thumbprint of an OKP key: SHA-256 over {"crv","kty","x"} in canonical JSON, base64url. */
export async function jwkThumbprint(jwk: { readonly crv: string; readonly kty: string; readonly x: string }): Promise<string> {
  return encodeBase64url(await sha256(utf8(canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))));
}

/** A JWS header checked as Forgeline signs it: its kid, or why not. */
export type HeaderCheck = { readonly ok: true; readonly kid: string } | { readonly ok: false; readonly message: string; readonly kid?: string };

/** Checks a compact JWS header segment against exactly `{"alg":"EdDSA","kid":…,"typ":typ}`, the algorithm pinned. */
export function checkHeader(headerSegment: string, typ: string): HeaderCheck {
  const header = parseSegment(headerSegment);
  if (!isObject(header)) return { ok: false, message: 'The JWS header is not a JSON object.' };
  // RFC 8725 §3.1: the verifier fixes the algorithm; the header only has to agree.
  if (header.alg !== 'EdDSA') return { ok: false, message: `The JWS header names the algorithm ${JSON.stringify(header.alg)}; only EdDSA is accepted.` };
  if (header.typ !== typ) return { ok: false, message: `The JWS header's type is ${JSON.stringify(header.typ)}, not ${typ}.` };
  if (typeof header.kid !== 'string' || header.kid === '') return { ok: false, message: 'The JWS header names no key (kid).' };
  const kid = header.kid;
  // Byte-exact with what the server signs: no extra members (crit included), no other spelling.
  if (canonicalJson({ alg: 'EdDSA', kid, typ }) !== new TextDecoder().decode(decodeBase64url(headerSegment))) {
    return { ok: false, message: 'The JWS header is not in the exact form Forgeline signs.', kid };
  }
  return { ok: true, kid };
}

/** A signing key found in the JWKS: its raw Ed25519 public key and `revokedSince` as listed; or why not. */
export type KeyLookup = { readonly ok: true; readonly publicKey: Bytes; readonly revokedSince: unknown } | { readonly ok: false; readonly message: string };

/** The key `kid` of `jwks`: an Ed25519 public JWK whose RFC 7638 thumbprint is `kid`, as the server names its keys. */
export async function findSigningKey(jwks: unknown, kid: string): Promise<KeyLookup> {
  const keys = isObject(jwks) && Array.isArray(jwks.keys) ? (jwks.keys as unknown[]) : undefined;
  if (keys === undefined) return { ok: false, message: 'The signing keys (JWKS) hold no "keys" list.' };
  const jwk = keys.find((candidate): candidate is Json => isObject(candidate) && candidate.kid === kid);
  if (jwk === undefined) return { ok: false, message: `No order-signing key has the kid ${kid}.` };
  const publicKey = typeof jwk.x === 'string' ? decodeBase64url(jwk.x) : undefined;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || publicKey?.length !== 32 || Object.hasOwn(jwk, 'd')) {
    return { ok: false, message: `The key ${kid} is not a public Ed25519 key.` };
  }
  const thumbprint = await jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x: jwk.x as string });
  if (thumbprint !== kid) return { ok: false, message: `The key named ${kid} is not that key: its thumbprint is ${thumbprint}.` };
  return { ok: true, publicKey, revokedSince: jwk.revokedSince };
}

/**
 * Why a key listed as revoked refuses a signature made at `iat` (NumericDate seconds), or undefined
 * when it does not. iat has one-second resolution: a signature in the revocation's second counts as
 * after it; an unreadable time fails closed.
 */
export function revokedMessage(kid: string, revokedSince: unknown, iat: number, what: string): string | undefined {
  const since = typeof revokedSince === 'string' ? Date.parse(revokedSince) : undefined;
  if (since === undefined || (!Number.isNaN(since) && iat < Math.floor(since / 1000))) return undefined;
  return `The key ${kid} was revoked from ${String(revokedSince)}, and ${what} was signed at ${new Date(iat * 1000).toISOString()}.`;
}

/** The JSON of a base64url segment, or undefined. */
export function parseSegment(segment: string): unknown {
  const bytes = decodeBase64url(segment);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** What a compact JWS is called in the messages of the steps {@link verifySignedCompact} runs. */
export interface CompactJwsNames {
  /** The whole token, e.g. "The signed order". */
  readonly token: string;
  /** Its signature, e.g. "The signature". */
  readonly signature: string;
}

/** The steps every release token shares: the verified key's kid and the payload's segment, or the step that failed. */
export type SignedCompact =
  | { readonly ok: true; readonly kid: string; readonly payloadSegment: string; readonly revokedSince: unknown }
  | { readonly ok: false; readonly step: 'form' | 'header' | 'key' | 'signature'; readonly message: string; readonly kid?: string };

/**
 * The form, header (with `typ` pinned), key and signature steps of a release token: three
 * base64url parts, the pinned header, a key of `jwks` under its thumbprint kid, and an Ed25519
 * signature over ASCII(header '.' payload) (RFC 7515 §5.2).
 */
export async function verifySignedCompact(token: string, jwks: unknown, typ: string, names: CompactJwsNames): Promise<SignedCompact> {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((part) => decodeBase64url(part) === undefined)) {
    return { ok: false, step: 'form', message: `${names.token} is not three base64url parts separated by dots.` };
  }
  const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = parts;
  const header = checkHeader(headerSegment, typ);
  if (!header.ok) return { ok: false, step: 'header', message: header.message, ...(header.kid === undefined ? {} : { kid: header.kid }) };
  const { kid } = header;
  const key = await findSigningKey(jwks, kid);
  if (!key.ok) return { ok: false, step: 'key', message: key.message, kid };
  if (!(await ed25519Verify(key.publicKey, decodeBase64url(signatureSegment) as Bytes, utf8(`${headerSegment}.${payloadSegment}`)))) {
    return { ok: false, step: 'signature', message: `${names.signature} does not verify with the key ${kid}.`, kid };
  }
  return { ok: true, kid, payloadSegment, revokedSince: key.revokedSince };
}

/** Verifies `jws` as the release `expected` with the keys of `jwks` at `now`; the first failing step ends the check. */
export async function verifyRelease(jws: string, jwks: unknown, expected: ExpectedRelease, now: Date = new Date()): Promise<ReleaseVerified | ReleaseFailed> {
  const { orderId } = expected;
  const failed = (step: ReleaseCheckStep, message: string, extra: { kid?: string; contentHash?: string } = {}): ReleaseFailed => ({ ok: false, step, message, ...extra });

  const signed = await verifySignedCompact(jws, jwks, ORDER_JWS_TYPE, { token: 'The signed order', signature: 'The signature' });
  if (!signed.ok) return failed(signed.step, signed.message, signed.kid === undefined ? {} : { kid: signed.kid });
  const { kid } = signed;

  const payload = parseSegment(signed.payloadSegment);
  const order = isObject(payload) ? payload.order : undefined;
  if (!isObject(payload) || !isObject(order) || typeof order.contentHash !== 'string' || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') {
    return failed('payload', 'The signed payload is not a Forgeline order.', { kid });
  }
  const contentHash = order.contentHash;
  if (payload.sub !== orderId || order.id !== orderId) {
    return failed('payload', `The signature is for order ${String(order.id)}, not this one (${orderId}).`, { kid, contentHash });
  }

  const revoked = revokedMessage(kid, signed.revokedSince, payload.iat, 'this order');
  if (revoked !== undefined) return failed('revocation', revoked, { kid, contentHash });

  let actual: string;
  try {
    actual = toHex(await sha256(utf8(canonicalJson(order.content))));
  } catch {
    actual = '(none: the content has no canonical form)';
  }
  if (actual !== contentHash) return failed('content', `The signed content hashes to ${actual}, not to its content hash ${contentHash}.`, { kid, contentHash });

  const workCenterId = isObject(order.content) ? order.content.workCenterId : undefined;
  // The audience is the work center whose agents may run the order (src/crypto/order-jws.ts); it must be the order's own.
  if (typeof workCenterId !== 'string' || payload.aud !== workCenterId) {
    return failed('payload', `The signature is addressed to work center ${JSON.stringify(payload.aud)}, not to the order's work center ${JSON.stringify(workCenterId)}.`, { kid, contentHash });
  }
  const signatures = Array.isArray(payload.signatures) ? payload.signatures : [];
  const mismatch = eSignatureMismatch(signatures, order.revision, contentHash, 'signed');
  if (mismatch !== undefined) return failed('payload', mismatch, { kid, contentHash });

  if (expected.revision !== undefined && order.revision !== expected.revision) {
    return failed('entry', `The order's signed release is for revision ${String(order.revision)}, not for revision ${expected.revision} that this audit entry records: it was released again since, so this entry's release cannot be checked here.`, { kid, contentHash });
  }
  if (expected.contentHash !== undefined && contentHash !== expected.contentHash) {
    return failed('entry', `The order's signed release covers the content hash ${contentHash}, not ${expected.contentHash} that this audit entry records.`, { kid, contentHash });
  }
  return {
    ok: true,
    kid,
    orderId,
    orderNumber: String(order.number),
    revision: Number(order.revision),
    contentHash,
    issuedAt: new Date(payload.iat * 1000).toISOString(),
    expiresAt: new Date(payload.exp * 1000).toISOString(),
    // RFC 7519 §4.1.4: not accepted on or after exp.
    expired: now.getTime() >= payload.exp * 1000,
    workCenterId,
    signatures: shownSignatures(signatures),
  };
}
