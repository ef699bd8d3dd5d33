import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactSign, calculateJwkThumbprint, compactVerify, importJWK, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ORDER_JWS_TYPE,
  canonicalJson,
  contentHash,
  jwkThumbprint,
  orderPublicJwk,
  publicKeyFromJwk,
  signOrderJws,
  verifyOrderJws,
  verifyOrderJwsAsync,
  type OrderJwsPayload,
  type OrderVerificationKey,
  type VerifyOrderJwsOptions,
} from '../../src/crypto/index.js';
import { ForgelineError, type ErrorCode } from '../../src/domain/index.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const WORK_CENTER = 'wc-milling-1';
const ISSUER = 'https://forgeline.plant-a.example';
const ORDER_ID = '0f8e2a8c-3d7b-4c1e-9a55-6b2d8f1e7c40';
const CONTENT = { product: 'Bracket B-12', quantity: { value: '250', unit: 'pcs' }, steps: [{ op: 10, text: 'Mill ø12 mm — deburr' }] };
const encoder = new TextEncoder();

/** A fresh Ed25519 order-signing key with its public JWK. */
function makeKey(): { kid: string; privateKey: KeyObject; publicKey: KeyObject; jwk: ReturnType<typeof orderPublicJwk> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = orderPublicJwk(publicKey);
  return { kid: jwk.kid, privateKey, publicKey, jwk };
}

function orderPayload(overrides: Partial<OrderJwsPayload> = {}): OrderJwsPayload {
  const hash = contentHash(CONTENT);
  return {
    iss: ISSUER,
    sub: ORDER_ID,
    aud: WORK_CENTER,
    iat: NOW_SECONDS,
    exp: NOW_SECONDS + 30 * 86_400,
    jti: randomUUID(),
    order: { id: ORDER_ID, number: 'PO-2026-0042', revision: 3, contentHash: hash, content: CONTENT },
    signatures: [
      { signer: 'alice', signerId: '5d7c1f0e-0b8a-4f7e-8d2a-1c9e3b4a6f10', action: 'approve', meaning: 'I approve this revision for production', signedAt: '2026-03-01T11:58:00.000Z', contentHash: hash, revision: 3 },
    ],
    ...overrides,
  };
}

const key = makeKey();
const jws = signOrderJws(orderPayload(), key);

function lookup(...keys: OrderVerificationKey[]): VerifyOrderJwsOptions['key'] {
  return (kid) => keys.find((candidate) => candidate.kid === kid);
}

function verify(token: string, options: Partial<VerifyOrderJwsOptions> = {}): ReturnType<typeof verifyOrderJws> {
  return verifyOrderJws(token, { key: lookup(key), now: NOW, audience: WORK_CENTER, ...options });
}

function refusalOf(action: () => unknown): ForgelineError {
  try {
    action();
  } catch (error) {
    if (error instanceof ForgelineError) return error;
    throw error;
  }
  throw new Error('expected a refusal, but it was accepted');
}

function expectRefused(action: () => unknown, code: ErrorCode, message?: RegExp): ForgelineError {
  const error = refusalOf(action);
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64url');

/** A compact JWS with any header and payload text, signed over the usual signing input by `signer`. */
function forge(header: unknown, payload: string, signer: (input: Buffer) => Buffer = (input) => sign(null, input, key.privateKey)): string {
  const signingInput = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  return `${signingInput}.${b64(signer(Buffer.from(signingInput, 'ascii')))}`;
}

const ourHeader = { alg: 'EdDSA', kid: key.kid, typ: ORDER_JWS_TYPE };

/** Flips bit `bit` of byte `index` of the decoded part `part` (0 header, 1 payload, 2 signature). */
function flip(token: string, part: number, index: number, bit = 0): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ (1 << bit);
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('signOrderJws', () => {
  it('signs the canonical JSON of exactly alg, kid and typ, and of the payload', () => {
    const [header, payload, signature] = jws.split('.');
    expect(Buffer.from(header ?? '', 'base64url').toString()).toBe(`{"alg":"EdDSA","kid":"${key.kid}","typ":"forgeline-order+jws"}`);
    expect(Buffer.from(payload ?? '', 'base64url').toString()).toBe(canonicalJson(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())));
    expect(jws).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(signature ?? '', 'base64url')).toHaveLength(64);
  });

  it('verifies with an independent JOSE implementation, which reads the same payload', async () => {
    const result = await compactVerify(jws, await importJWK(key.jwk, 'EdDSA'), { algorithms: ['EdDSA'] });
    expect(JSON.parse(new TextDecoder().decode(result.payload))).toEqual(orderPayload({ jti: verify(jws).payload.jti }));
    expect(result.protectedHeader).toEqual(ourHeader);
  });

  it('is a JWT that jose jwtVerify accepts for its audience, and refuses for another', async () => {
    const publicKey = await importJWK(key.jwk, 'EdDSA');
    const options = { algorithms: ['EdDSA'], audience: WORK_CENTER, issuer: ISSUER, typ: ORDER_JWS_TYPE, currentDate: NOW };
    const { payload } = await jwtVerify(jws, publicKey, options);
    expect(payload).toEqual(verify(jws).payload);
    await expect(jwtVerify(jws, publicKey, { ...options, audience: 'wc-other' })).rejects.toThrow(/aud/);
  });

  it('refuses to sign a payload whose content does not match its content hash', () => {
    const payload = orderPayload();
    expectRefused(() => signOrderJws({ ...payload, order: { ...payload.order, content: { ...CONTENT, product: 'Other' } } }, key), 'content-mismatch');
  });

  it('refuses to sign a malformed payload or with a key that is not Ed25519', () => {
    expectRefused(() => signOrderJws({ ...orderPayload(), jti: '' }, key), 'jws-invalid', /jti/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectRefused(() => signOrderJws(orderPayload(), { kid: key.kid, privateKey: ec.privateKey }), 'jws-invalid', /not an Ed25519 private key/);
  });
});

describe('order JWKs', () => {
  it('uses the RFC 7638 thumbprint as kid, as jose computes it', async () => {
    expect(key.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, kid: key.kid, alg: 'EdDSA', use: 'sig' });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x }));
  });

  it('matches the thumbprint vector of RFC 8037 appendix A.3', () => {
    expect(jwkThumbprint({ crv: 'Ed25519', kty: 'OKP', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('never copies the private part, even when handed the private key', () => {
    const fromPrivate = orderPublicJwk(key.privateKey);
    expect(fromPrivate).toEqual(key.jwk);
    expect(fromPrivate).not.toHaveProperty('d');
  });

  it('reads back a published JWK (with its revokedSince member) as the same public key', () => {
    const publicKey = publicKeyFromJwk({ ...key.jwk, revokedSince: '2026-01-01T00:00:00.000Z' });
    expect(publicKey.equals(key.publicKey)).toBe(true);
  });

  it.each([
    ['not an object', null],
    ['an array', [key.jwk]],
    ['an EC key', { kty: 'EC', crv: 'P-256', x: key.jwk.x }],
    ['an X25519 key', { kty: 'OKP', crv: 'X25519', x: key.jwk.x }],
    ['x of 31 bytes', { kty: 'OKP', crv: 'Ed25519', x: b64(Buffer.alloc(31, 7)) }],
    ['x with padding', { kty: 'OKP', crv: 'Ed25519', x: `${key.jwk.x}=` }],
    ['x missing', { kty: 'OKP', crv: 'Ed25519' }],
    ['a private key', { ...key.privateKey.export({ format: 'jwk' }) }],
    ['another alg', { ...key.jwk, alg: 'RS256' }],
  ])('refuses a JWK that is %s', (_name, jwk) => {
    expectRefused(() => publicKeyFromJwk(jwk), 'jws-invalid', /JWK/);
  });
});

describe('verifyOrderJws', () => {
  it('returns the pinned header and the payload of a valid order', () => {
    const result = verify(jws);
    expect(result.header).toEqual(ourHeader);
    expect(result.payload.order.content).toEqual(CONTENT);
  });

  it('accepts a JWS made by jose CompactSign with our header', async () => {
    const payload = orderPayload();
    const token = await new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader(ourHeader).sign(key.privateKey);
    expect(verify(token).payload).toEqual(payload);
  });

  it('refuses every one-bit change of the header', () => {
    const kidStart = '{"alg":"EdDSA","kid":"'.length;
    const codes = new Set<string>();
    for (let index = 0; index < canonicalJson(ourHeader).length; index += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const { code } = refusalOf(() => verify(flip(jws, 0, index, bit)));
        codes.add(code);
        // Only a changed kid may get as far as the key lookup (and find no key); anything else breaks the pinned header.
        if (index < kidStart || index >= kidStart + key.kid.length) expect(code).toBe('jws-invalid');
      }
    }
    expect([...codes].sort()).toEqual(['jws-invalid', 'key-unknown']);
  });

  it('refuses a one-byte change anywhere in the payload or the signature, naming the kid and not the key', () => {
    const payloadLength = Buffer.from(jws.split('.')[1] ?? '', 'base64url').length;
    for (let index = 0; index < payloadLength; index += 1) expectRefused(() => verify(flip(jws, 1, index)), 'jws-invalid', /signature does not verify/);
    for (let index = 0; index < 64; index += 1) expectRefused(() => verify(flip(jws, 2, index)), 'jws-invalid', /signature does not verify/);
    const error = refusalOf(() => verify(flip(jws, 2, 0)));
    expect(error.message).toContain(key.kid);
    expect(error.message).not.toContain(key.jwk.x);
  });

  it('refuses another base64url spelling of the same signature', () => {
    // The last of 86 characters carries 4 bits and 2 unused ones; setting those changes the text, not the bytes.
    const last = jws.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) + 1] ?? 'B';
    const token = `${jws.slice(0, -1)}${twin}`;
    expect(Buffer.from(token.split('.')[2] ?? '', 'base64url').equals(Buffer.from(jws.split('.')[2] ?? '', 'base64url'))).toBe(true);
    expectRefused(() => verify(token), 'jws-invalid', /three base64url parts/);
  });

  it('refuses a kid the lookup does not know', () => {
    const stranger = makeKey();
    expectRefused(() => verify(signOrderJws(orderPayload(), stranger)), 'key-unknown', new RegExp(stranger.kid));
  });

  it('refuses alg none with an empty signature', () => {
    const token = `${b64(JSON.stringify({ ...ourHeader, alg: 'none' }))}.${b64(canonicalJson(orderPayload()))}.`;
    expectRefused(() => verify(token), 'jws-invalid', /alg is "none"/);
  });

  it('refuses the algorithm-confusion forgery: HS256 keyed with the public key', () => {
    const raw = Buffer.from(key.jwk.x, 'base64url');
    const pem = key.publicKey.export({ format: 'pem', type: 'spki' });
    for (const secret of [raw, pem]) {
      const token = forge({ ...ourHeader, alg: 'HS256' }, canonicalJson(orderPayload()), (input) => createHmac('sha256', secret).update(input).digest());
      expectRefused(() => verify(token), 'jws-invalid', /alg is "HS256"; only EdDSA/);
    }
  });

  it('refuses ES256 and RS256 even when signed with a key of that type', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = forge({ ...ourHeader, alg: 'ES256' }, canonicalJson(orderPayload()), (input) => sign('sha256', input, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }));
    const ecKey: OrderVerificationKey = { kid: key.kid, publicKey: ec.publicKey };
    expectRefused(() => verify(es256, { key: lookup(ecKey) }), 'jws-invalid', /alg is "ES256"/);
    expectRefused(() => verify(forge({ ...ourHeader, alg: 'RS256' }, canonicalJson(orderPayload()))), 'jws-invalid', /alg is "RS256"/);
  });

  it('refuses a verification key that is not Ed25519, whatever the header says', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectRefused(() => verify(jws, { key: lookup({ kid: key.kid, publicKey: ec.publicKey }) }), 'jws-invalid', /not an Ed25519 public key/);
  });

  it.each([
    ['no alg', { kid: key.kid, typ: ORDER_JWS_TYPE }, /alg is \(missing\)/],
    ['a crit member', { ...ourHeader, crit: ['exp'], exp: NOW_SECONDS + 60 }, /has a crit member; no critical extensions/],
    ['no kid', { alg: 'EdDSA', typ: ORDER_JWS_TYPE }, /no kid/],
    ['an empty kid', { ...ourHeader, kid: '' }, /no kid/],
    ['typ JWT', { ...ourHeader, typ: 'JWT' }, /typ is "JWT"/],
    ['an embedded jwk', { ...ourHeader, jwk: key.jwk }, /unexpected members \["jwk"\]/],
    ['members in another order', { typ: ORDER_JWS_TYPE, kid: key.kid, alg: 'EdDSA' }, /canonical form/],
  ])('refuses a header with %s, though signed with the real key', (_name, header, message) => {
    expectRefused(() => verify(forge(header, canonicalJson(orderPayload()))), 'jws-invalid', message);
  });

  it.each([
    ['empty', ''],
    ['two parts', jws.split('.').slice(0, 2).join('.')],
    ['four parts', `${jws}.e30`],
    ['padding', `${jws}==`],
    ['spaces', jws.replace('.', ' .')],
  ])('refuses a JWS that is not three base64url parts: %s', (_name, token) => {
    expectRefused(() => verify(token), 'jws-invalid', /three base64url parts/);
  });

  it('refuses a header that is not JSON', () => {
    expectRefused(() => verify(`${b64('{"alg":"EdDSA"')}.${jws.split('.').slice(1).join('.')}`), 'jws-invalid', /header is not JSON/);
  });

  it('refuses a validly signed payload that is not JSON', () => {
    expectRefused(() => verify(forge(ourHeader, 'release order PO-2026-0042')), 'jws-invalid', /payload is not JSON/);
  });

  it.each([
    ['an extra claim', { ...orderPayload(), admin: true }, /Unrecognized key: "admin"/],
    ['no order', { ...orderPayload(), order: undefined }, /at order: /],
    ['a sub that is not the order id', { ...orderPayload(), sub: 'another-order' }, /at sub: sub must be the order id/],
    ['content that is an array', { ...orderPayload(), order: { ...orderPayload().order, content: [] } }, /at order\.content: must be a JSON object/],
    ['a __proto__ member in the content', '"__proto__"', /__proto__/],
    ['a __proto__ member spelled with escapes', '"\\u005f\\u005fproto\\u005f_"', /__proto__/],
  ])('refuses a validly signed payload with %s', (_name, payload, message) => {
    const text = typeof payload === 'string' ? canonicalJson(orderPayload()).replace('"content":{', `"content":{${payload}:{"admin":true},`) : JSON.stringify(payload);
    expectRefused(() => verify(forge(ourHeader, text)), 'jws-invalid', message);
  });

  it('refuses an order past exp plus the clock tolerance, and accepts one within it', () => {
    const token = signOrderJws(orderPayload({ iat: NOW_SECONDS - 3600, exp: NOW_SECONDS - 30 }), key);
    expect(verify(token).payload.exp).toBe(NOW_SECONDS - 30);
    expectRefused(() => verify(token, { clockToleranceSeconds: 10 }), 'order-expired', /expired at 2026-03-01T11:59:30\.000Z/);
    const expired = signOrderJws(orderPayload({ iat: NOW_SECONDS - 3600, exp: NOW_SECONDS - 61 }), key);
    expectRefused(() => verify(expired), 'order-expired');
    expectRefused(() => verify(jws, { now: new Date(Number.NaN) }), 'order-expired');
  });

  it('refuses an order for another work center, naming both', () => {
    expectRefused(() => verify(jws, { audience: 'wc-lathe-2' }), 'audience-mismatch', /"wc-milling-1", expected "wc-lathe-2"/);
    expect(verify(jws, { audience: undefined }).payload.aud).toBe(WORK_CENTER);
  });

  it('refuses what a revoked key signed at or after its revocation, and keeps what it signed before', () => {
    const revokedSince = '2026-03-01T10:00:00.000Z';
    const revokedAt = Date.parse(revokedSince) / 1000;
    const revoked: OrderVerificationKey = { kid: key.kid, publicKey: key.publicKey, revokedSince };
    const signedAt = (iat: number): string => signOrderJws(orderPayload({ iat }), key);
    expectRefused(() => verify(signedAt(revokedAt + 1), { key: lookup(revoked) }), 'key-revoked', new RegExp(`${key.kid}.*revoked at "${revokedSince}"`));
    expectRefused(() => verify(signedAt(revokedAt), { key: lookup(revoked) }), 'key-revoked');
    expect(verify(signedAt(revokedAt - 1), { key: lookup(revoked) }).payload.iat).toBe(revokedAt - 1);
    expect(verify(signedAt(revokedAt + 1), { key: lookup({ ...revoked, revokedSince: null }) }).payload.iat).toBe(revokedAt + 1);
    expectRefused(() => verify(signedAt(revokedAt - 1), { key: lookup({ ...revoked, revokedSince: 'yesterday-ish' }) }), 'key-revoked');
  });

  it('refuses content that was altered and re-signed with the real key', () => {
    const payload = orderPayload();
    const altered = { ...payload, order: { ...payload.order, content: { ...CONTENT, quantity: { value: '2500', unit: 'pcs' } } } };
    expectRefused(() => verify(forge(ourHeader, canonicalJson(altered))), 'content-mismatch', /order "PO-2026-0042" revision 3/);
  });

  it('checks in order: key, signature, shape, revocation, expiry, audience, content', () => {
    const payload = orderPayload({ iat: NOW_SECONDS - 3600, exp: NOW_SECONDS - 3000, aud: 'wc-other' });
    const bad = { ...payload, order: { ...payload.order, content: { altered: true } } };
    const token = forge(ourHeader, canonicalJson(bad));
    const revoked = lookup({ kid: key.kid, publicKey: key.publicKey, revokedSince: new Date((NOW_SECONDS - 7200) * 1000).toISOString() });
    expect(refusalOf(() => verify(flip(token, 2, 0), { key: () => undefined })).code).toBe('key-unknown');
    expect(refusalOf(() => verify(flip(forge(ourHeader, '{'), 2, 0))).message).toMatch(/signature/);
    expect(refusalOf(() => verify(forge(ourHeader, canonicalJson({ ...bad, iss: '' })), { key: revoked })).code).toBe('jws-invalid');
    expect(refusalOf(() => verify(token, { key: revoked })).code).toBe('key-revoked');
    expect(refusalOf(() => verify(token)).code).toBe('order-expired');
    expect(refusalOf(() => verify(token, { clockToleranceSeconds: Number.POSITIVE_INFINITY })).code).toBe('audience-mismatch');
    expect(refusalOf(() => verify(token, { clockToleranceSeconds: Number.POSITIVE_INFINITY, audience: 'wc-other' })).code).toBe('content-mismatch');
  });
});

describe('verifyOrderJwsAsync (the signature checked on the thread pool)', () => {
  it('answers every case exactly as verifyOrderJws: the same payload, or the same refusal and message', async () => {
    const payload = orderPayload({ iat: NOW_SECONDS - 3600, exp: NOW_SECONDS - 3000 });
    const revoked = lookup({ kid: key.kid, publicKey: key.publicKey, revokedSince: new Date((NOW_SECONDS - 7200) * 1000).toISOString() });
    const cases: [string, string, Partial<VerifyOrderJwsOptions>][] = [
      ['valid', jws, {}],
      ['a payload byte changed', flip(jws, 1, 10), {}],
      ['a signature byte changed', flip(jws, 2, 5), {}],
      ['a short signature', `${jws.split('.').slice(0, 2).join('.')}.${b64('short')}`, {}],
      ['an unknown kid', jws, { key: () => undefined }],
      ['a revoked key', signOrderJws(payload, key), { key: revoked }],
      ['expired', signOrderJws(payload, key), {}],
      ['another work center', jws, { audience: 'wc-lathe-2' }],
      ['altered content re-signed', forge(ourHeader, canonicalJson({ ...orderPayload(), order: { ...orderPayload().order, content: { altered: true } } })), {}],
      ['not three parts', 'a.b', {}],
    ];
    const outcome = async (run: () => unknown): Promise<unknown> => {
      try {
        return { payload: ((await run()) as { payload: unknown }).payload };
      } catch (error) {
        if (!(error instanceof ForgelineError)) throw error;
        return { code: error.code, message: error.message };
      }
    };
    const codes = new Set<unknown>();
    for (const [what, token, options] of cases) {
      const both = { key: lookup(key), now: NOW, audience: WORK_CENTER, ...options };
      const sync = await outcome(() => verifyOrderJws(token, both));
      expect(await outcome(() => verifyOrderJwsAsync(token, both)), what).toEqual(sync);
      codes.add((sync as { code?: string }).code ?? 'ok');
    }
    expect([...codes].sort()).toEqual(['audience-mismatch', 'content-mismatch', 'jws-invalid', 'key-revoked', 'key-unknown', 'ok', 'order-expired']);
  });
});

const SCRIPT = fileURLToPath(new URL('../../docs/verify-order-with-openssl.sh', import.meta.url));
const opensslMissing = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0;
const skipOpenssl = opensslMissing && process.env.FORGELINE_REQUIRE_SERVICES !== '1';
const skipNote = skipOpenssl ? ' (skipped: openssl is not on PATH; set FORGELINE_REQUIRE_SERVICES=1 to fail instead)' : '';

describe(`docs/verify-order-with-openssl.sh${skipNote}`, () => {
  const folder = mkdtempSync(join(tmpdir(), 'forgeline-order-jws-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  function runScript(token: string, x: string): { status: number | null; output: string } {
    if (opensslMissing) throw new Error('openssl is required (FORGELINE_REQUIRE_SERVICES=1) but is not on PATH');
    const file = join(folder, `${randomUUID()}.jws`);
    writeFileSync(file, `${token}\n`);
    const result = spawnSync('bash', [SCRIPT, file, x], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it.skipIf(skipOpenssl)(`verifies a signed order with openssl alone${skipNote}`, () => {
    const result = runScript(jws, key.jwk.x);
    expect(result.output).toMatch(/Verified OK\s*$/);
    expect(result.output).toContain(`"aud":"${WORK_CENTER}"`);
    expect(result.status).toBe(0);
  });

  it.skipIf(skipOpenssl)(`verifies the Ed25519 vector of RFC 8037 appendix A.4${skipNote}`, () => {
    const vector = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
    expect(runScript(vector, '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo').status).toBe(0);
  });

  it.skipIf(skipOpenssl)(`fails on a tampered order, another key, or a malformed JWS${skipNote}`, () => {
    for (const [token, x] of [[flip(jws, 1, 10), key.jwk.x], [flip(jws, 2, 5), key.jwk.x], [jws, makeKey().jwk.x], [jws.split('.').slice(0, 2).join('.'), key.jwk.x], [jws, 'AAAA']] as const) {
      const result = runScript(token, x);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/Verification FAILED/);
      expect(result.output).not.toMatch(/Verified OK/);
    }
  });

});
