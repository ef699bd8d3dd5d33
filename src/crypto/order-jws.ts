/**
 * Released orders as compact JWS (RFC 7515) signed with Ed25519 (RFC 8037):
 * what a work center checks before it runs an order. The verifier pins EdDSA
 * and the exact header we sign; it never lets the input choose the algorithm.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ForgelineError } from '../domain/index.js';
import { canonicalJson, contentHash } from './canonical-json.js';

/** The `typ` header of a signed order (RFC 7515 §4.1.9), so it is never mistaken for another token. */
export const ORDER_JWS_TYPE = 'forgeline-order+jws';

/** An approver's electronic signature as carried in the JWS. */
export interface JwsElectronicSignature {
  readonly signer: string;
  readonly signerId: string;
  readonly action: string;
  readonly meaning: string;
  readonly signedAt: string;
  readonly contentHash: string;
  readonly revision: number;
}

/** The claims of a signed order: a JWT claims set (RFC 7519) plus the order revision and its e-signatures. */
export interface OrderJwsPayload {
  /** The issuing Forgeline installation (e.g. its audit origin). */
  readonly iss: string;
  /** The order id. */
  readonly sub: string;
  /** The target work center id. */
  readonly aud: string;
  /** Issued at, NumericDate seconds. */
  readonly iat: number;
  /** Expires at, NumericDate seconds. */
  readonly exp: number;
  /** Unique per signature (a UUID). */
  readonly jti: string;
  readonly order: { readonly id: string; readonly number: string; readonly revision: number; readonly contentHash: string; readonly content: Record<string, unknown> };
  readonly signatures: readonly JwsElectronicSignature[];
}

/** The installation's Ed25519 signing key and its kid (the RFC 7638 thumbprint of its public JWK). */
export interface OrderSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A public key the verifier may use, as the key lookup answers it. */
export interface OrderVerificationKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  /** ISO time; signatures with iat at or after it are refused */
  readonly revokedSince?: string | null;
}

/** What {@link verifyOrderJws} checks against: the keys, the clock, and the expected work center. */
export interface VerifyOrderJwsOptions {
  readonly key: (kid: string) => OrderVerificationKey | undefined;
  readonly now: Date;
  /** When given, `aud` must equal it. */
  readonly audience?: string;
  /** Seconds of clock skew allowed on exp (default 60). */
  readonly clockToleranceSeconds?: number;
}

const ALG = 'EdDSA';
const HEADER_MEMBERS: readonly string[] = ['alg', 'kid', 'typ'];
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;
const ED25519_SIGNATURE_BYTES = 64; // RFC 8032 §5.1.6
const ED25519_KEY_BYTES = 32; // RFC 8032 §5.1.5
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const text = z.string().min(1);
const count = z.int().nonnegative();
const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
const jsonObject = z.custom<Record<string, unknown>>(isJsonObject, 'must be a JSON object');
const payloadSchema = z
  .strictObject({
    iss: text,
    sub: text,
    aud: text,
    iat: count,
    exp: count,
    jti: z.uuid(),
    order: z.strictObject({ id: text, number: text, revision: count, contentHash: hexHash, content: jsonObject }),
    signatures: z.array(
      z.strictObject({ signer: text, signerId: text, action: text, meaning: text, signedAt: z.iso.datetime({ offset: true }), contentHash: hexHash, revision: count }),
    ),
  })
  .refine((payload) => payload.sub === payload.order.id, { message: 'sub must be the order id', path: ['sub'] })
  .refine((payload) => payload.exp > payload.iat, { message: 'exp must be after iat', path: ['exp'] });

/**
 * Signs a released order as a compact JWS: header exactly
 * `{"alg":"EdDSA","kid":…,"typ":"forgeline-order+jws"}`, header and payload as
 * RFC 8785 canonical JSON, base64url without padding. Refuses a payload its own
 * verifier would refuse (`jws-invalid`, `content-mismatch`).
 */
export function signOrderJws(payload: OrderJwsPayload, key: OrderSigningKey): string {
  requirePayloadShape(payload, 'the order to sign');
  requireContentHash(payload);
  if (key.kid === '') throw invalid('the signing key has no kid');
  requireEd25519(key.privateKey, 'private', `the signing key ${quote(key.kid)}`);
  const header = { alg: ALG, kid: key.kid, typ: ORDER_JWS_TYPE };
  // RFC 7515 §5.1: the signing input is ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
  const signingInput = `${encode(canonicalJson(header))}.${encode(canonicalJson(payload))}`;
  // RFC 8037 §3.1: Ed25519 signs the signing input itself; no prehash, hence the null digest.
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Verifies a signed order, in this order: form and header (`jws-invalid`), key
 * lookup (`key-unknown`), signature and payload shape (`jws-invalid`), revocation
 * (`key-revoked`), expiry (`order-expired`), audience (`audience-mismatch`) and
 * content hash (`content-mismatch`). Returns the header and payload on success.
 */
export function verifyOrderJws(jws: string, options: VerifyOrderJwsOptions): VerifiedOrderJws {
  const parts = jwsToVerify(jws, options);
  if (!signatureVerifies(parts.signingInput, parts.key.publicKey, parts.signature)) throw invalid(`the JWS signature does not verify with key ${quote(parts.key.kid)}`);
  return checkedClaims(parts, options);
}

/**
 * {@link verifyOrderJws}, the signature checked on the libuv thread pool: the same checks in the
 * same order, leaving the caller's event loop free while Ed25519 runs (a server verifying at every
 * dispatch).
 */
export async function verifyOrderJwsAsync(jws: string, options: VerifyOrderJwsOptions): Promise<VerifiedOrderJws> {
  const parts = jwsToVerify(jws, options);
  if (!(await signatureVerifiesOffThread(parts.signingInput, parts.key.publicKey, parts.signature))) throw invalid(`the JWS signature does not verify with key ${quote(parts.key.kid)}`);
  return checkedClaims(parts, options);
}

/** A verified order: its header and claims. */
export interface VerifiedOrderJws {
  readonly header: { alg: 'EdDSA'; kid: string; typ: string };
  readonly payload: OrderJwsPayload;
}

/** A JWS taken apart for its signature check: form, header and key already checked. */
interface JwsParts {
  readonly header: { alg: 'EdDSA'; kid: string; typ: string };
  readonly key: OrderVerificationKey;
  readonly signingInput: string;
  readonly payloadSegment: string;
  readonly signature: Buffer;
}

function jwsToVerify(jws: string, options: VerifyOrderJwsOptions): JwsParts {
  const [headerSegment, payloadSegment, signatureSegment] = splitCompact(jws);
  const header = parseHeader(headerSegment);
  const key = options.key(header.kid);
  if (key === undefined || key.kid !== header.kid) throw new ForgelineError('key-unknown', `No verification key has kid ${quote(header.kid)}.`);
  requireEd25519(key.publicKey, 'public', `the verification key ${quote(key.kid)}`);
  return { header, key, signingInput: `${headerSegment}.${payloadSegment}`, payloadSegment, signature: Buffer.from(signatureSegment, 'base64url') };
}

/** What follows a good signature: payload shape, revocation, expiry, audience, content hash. */
function checkedClaims(parts: JwsParts, options: VerifyOrderJwsOptions): VerifiedOrderJws {
  const payload = requirePayloadShape(parseJson(parts.payloadSegment, 'payload'), 'the JWS payload');
  requireNotRevoked(payload, parts.key);
  requireNotExpired(payload, options);
  if (options.audience !== undefined && payload.aud !== options.audience) {
    throw new ForgelineError('audience-mismatch', `The order is for work center ${quote(payload.aud)}, expected ${quote(options.audience)}.`);
  }
  requireContentHash(payload);
  return { header: parts.header, payload };
}

/** The RFC 8037 public JWK of an Ed25519 key, with kid (the RFC 7638 thumbprint), alg EdDSA, use sig. */
export function orderPublicJwk(publicKey: KeyObject): { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' } {
  // A private key is reduced to its public half; only `x` is ever copied out, never `d`.
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  requireEd25519(key, 'public', 'the key');
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw invalid('the key has no Ed25519 public value');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x }), alg: ALG, use: 'sig' };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP key: over {"crv","kty","x"} in that order. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string }): string {
  // RFC 7638 §3.2 with RFC 8037 §2: only the required members, sorted, no whitespace — exactly RFC 8785 output.
  const members = canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(members, 'utf8').digest('base64url');
}

/** The Ed25519 public key of a JWK (e.g. from `GET /api/v1/keys`); `jws-invalid` unless kty OKP, crv Ed25519, x 32 bytes, no `d`. */
export function publicKeyFromJwk(jwk: unknown): KeyObject {
  if (!isJsonObject(jwk)) throw invalid('the JWK is not a JSON object');
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw invalid(`the JWK is not an Ed25519 key (kty ${quote(jwk.kty)}, crv ${quote(jwk.crv)})`);
  if (Object.hasOwn(jwk, 'd')) throw invalid('the JWK holds a private key; only public keys are accepted');
  if (jwk.alg !== undefined && jwk.alg !== ALG) throw invalid(`the JWK alg is ${quote(jwk.alg)}, expected EdDSA`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw invalid(`the JWK use is ${quote(jwk.use)}, expected sig`);
  const { x } = jwk;
  if (typeof x !== 'string' || !isBase64url(x) || Buffer.from(x, 'base64url').length !== ED25519_KEY_BYTES) {
    throw invalid('the JWK x is not 32 base64url-encoded bytes');
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    throw invalid('the JWK x is not an Ed25519 public key');
  }
}

function splitCompact(jws: unknown): [string, string, string] {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  // RFC 7515 §7.1: exactly three base64url parts; canonical encoding only, so no two strings carry one signature.
  if (parts.length !== 3 || !parts.every(isBase64url)) throw invalid('the JWS is not three base64url parts separated by dots');
  return parts as [string, string, string];
}

function parseHeader(segment: string): { alg: 'EdDSA'; kid: string; typ: string } {
  const header = parseJson(segment, 'header');
  if (!isJsonObject(header)) throw invalid('the JWS header is not a JSON object');
  // RFC 8725 §3.1: the verifier fixes the algorithm; the header only has to agree with it.
  if (header.alg !== ALG) throw invalid(`the JWS header alg is ${quote(header.alg)}; only EdDSA is accepted`);
  // RFC 7515 §4.1.11: we implement no extensions, so any `crit` must be refused.
  if (Object.hasOwn(header, 'crit')) throw invalid('the JWS header has a crit member; no critical extensions are accepted');
  if (header.typ !== ORDER_JWS_TYPE) throw invalid(`the JWS header typ is ${quote(header.typ)}, expected ${ORDER_JWS_TYPE}`);
  if (typeof header.kid !== 'string' || header.kid === '') throw invalid('the JWS header has no kid');
  const extra = Object.keys(header).filter((name) => !HEADER_MEMBERS.includes(name));
  if (extra.length > 0) throw invalid(`the JWS header has unexpected members ${quote(extra)}`);
  const expected = { alg: ALG, kid: header.kid, typ: ORDER_JWS_TYPE } as const;
  // Byte-exact with what we sign: refuses duplicate members and any other spelling of the same header.
  if (decode(segment, 'header') !== canonicalOrUndefined(expected)) throw invalid('the JWS header is not in the canonical form Forgeline signs');
  return expected;
}

function signatureVerifiesOffThread(signingInput: string, publicKey: KeyObject, signature: Buffer): Promise<boolean> {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, Buffer.from(signingInput, 'ascii'), publicKey, signature, (error, valid) => resolve(error === null && valid));
    } catch {
      resolve(false);
    }
  });
}

function signatureVerifies(signingInput: string, publicKey: KeyObject, signature: Buffer): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, Buffer.from(signingInput, 'ascii'), publicKey, signature);
  } catch {
    return false;
  }
}

function requirePayloadShape(value: unknown, what: string): OrderJwsPayload {
  const result = payloadSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  throw invalid(`${what} is not a valid signed order${where}: ${clip(issue?.message ?? 'invalid')}`);
}

function requireNotRevoked(payload: OrderJwsPayload, key: OrderVerificationKey): void {
  if (key.revokedSince === undefined || key.revokedSince === null) return;
  const revokedAt = Date.parse(key.revokedSince);
  // iat has one-second resolution, so a signature in the revocation's second counts as after it;
  // an unreadable revocation time fails closed.
  if (Number.isNaN(revokedAt) || payload.iat >= Math.floor(revokedAt / 1000)) {
    throw new ForgelineError('key-revoked', `Key ${quote(key.kid)} was revoked at ${quote(key.revokedSince)}, and this order was signed at ${isoTime(payload.iat)}.`);
  }
}

function requireNotExpired(payload: OrderJwsPayload, options: VerifyOrderJwsOptions): void {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const now = options.now.getTime() / 1000;
  // RFC 7519 §4.1.4: not accepted on or after exp (plus skew). Written negated so an invalid date fails closed.
  if (!(now < payload.exp + tolerance)) throw new ForgelineError('order-expired', `The order expired at ${isoTime(payload.exp)}.`);
}

function requireContentHash(payload: OrderJwsPayload): void {
  let actual: string | undefined;
  try {
    actual = contentHash(payload.order.content);
  } catch {
    actual = undefined; // content with no canonical form cannot match any hash
  }
  if (actual !== payload.order.contentHash) {
    throw new ForgelineError('content-mismatch', `The content of order ${quote(payload.order.number)} revision ${payload.order.revision} does not match its contentHash.`);
  }
}

function requireEd25519(key: KeyObject, type: 'public' | 'private', what: string): void {
  // node:crypto picks the algorithm from the key, so pinning EdDSA means pinning the key type.
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') throw invalid(`${what} is not an Ed25519 ${type} key`);
}

function parseJson(segment: string, what: 'header' | 'payload'): unknown {
  const json = decode(segment, what);
  try {
    // A reviver slows JSON.parse several times over: used only when a __proto__ key could be there,
    // spelled out or escaped (JSON.parse unescapes keys, so any \u escape takes the careful path).
    if (!json.includes('__proto__') && !json.includes('\\u')) return JSON.parse(json) as unknown;
    return JSON.parse(json, (name, value: unknown) => {
      if (name === '__proto__') throw new ForgelineError('jws-invalid', `The JWS ${what} contains a __proto__ member.`);
      return value;
    }) as unknown;
  } catch (error) {
    if (error instanceof ForgelineError) throw error;
    throw invalid(`the JWS ${what} is not JSON`);
  }
}

function decode(segment: string, what: 'header' | 'payload'): string {
  try {
    return utf8.decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw invalid(`the JWS ${what} is not UTF-8`);
  }
}

function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalJson(value);
  } catch {
    return undefined;
  }
}

function isBase64url(segment: string): boolean {
  return BASE64URL.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function encode(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64url');
}

function invalid(reason: string): ForgelineError {
  return new ForgelineError('jws-invalid', `${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}.`);
}

/** Input echoed in a message is JSON-quoted and clipped, so a hostile header cannot flood a log. */
function quote(value: unknown): string {
  return value === undefined ? '(missing)' : clip(JSON.stringify(value) ?? String(value));
}

function clip(message: string): string {
  return message.length > 80 ? `${message.slice(0, 77)}...` : message;
}

function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
