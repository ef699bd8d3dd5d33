/**
 * Release attestations (src/crypto/release-attestation.ts): signed with the order-signing key under
 * their own typ, bound to the exact order JWS, refused as an order by the device-side verifier.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RELEASE_ATTESTATION_TYPE,
  attestRelease,
  compactJwsSha256,
  contentHash,
  orderPublicJwk,
  signOrderJws,
  signReleaseAttestation,
  verifyOrderJws,
  verifyReleaseAttestation,
  type OrderJwsPayload,
  type OrderVerificationKey,
} from '../../src/crypto/index.js';
import { ForgelineError, type ErrorCode } from '../../src/domain/index.js';

const NOW_SECONDS = Date.parse('2026-03-01T12:00:00.000Z') / 1000;
const ORDER_ID = '0f8e2a8c-3d7b-4c1e-9a55-6b2d8f1e7c40';
const CONTENT = { product: 'Bracket B-12', parameters: { recipe: 'SECRET-RECIPE-7' }, customerReference: 'CUST-SECRET-1' };

function makeKey(): { kid: string; privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { kid: orderPublicJwk(publicKey).kid, privateKey, publicKey };
}

const key = makeKey();
const hash = contentHash(CONTENT);
const claims: OrderJwsPayload = {
  iss: 'https://forgeline.plant-a.example', sub: ORDER_ID, aud: 'wc-milling-1', iat: NOW_SECONDS, exp: NOW_SECONDS + 30 * 86_400, jti: randomUUID(),
  order: { id: ORDER_ID, number: 'PO-2026-0042', revision: 3, contentHash: hash, content: CONTENT },
  signatures: [{ signer: 'alice', signerId: '5d7c1f0e-0b8a-4f7e-8d2a-1c9e3b4a6f10', action: 'release', meaning: 'approved for production', signedAt: '2026-03-01T11:58:00.000Z', contentHash: hash, revision: 3 }],
};
const jws = signOrderJws(claims, key);
const attestation = attestRelease(jws, claims, key);
const lookup = (...keys: OrderVerificationKey[]) => (kid: string) => keys.find((candidate) => candidate.kid === kid);
const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decoded = (part: string | undefined): Record<string, unknown> => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

function refusal(action: () => unknown, code: ErrorCode): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ForgelineError);
    expect((error as ForgelineError).code).toBe(code);
    return (error as ForgelineError).message;
  }
  throw new Error(`expected the refusal ${code}, but it was accepted`);
}

describe('release attestations', () => {
  it('signs the release without its content, with the order key\'s kid and its own typ, bound to the order JWS bytes', () => {
    const [header, payload, signature] = attestation.split('.');
    expect(decoded(header)).toEqual({ alg: 'EdDSA', kid: key.kid, typ: RELEASE_ATTESTATION_TYPE });
    expect(decoded(payload)).toEqual({
      iss: claims.iss, sub: ORDER_ID, aud: 'wc-milling-1', iat: claims.iat, exp: claims.exp, jti: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      order: { id: ORDER_ID, number: 'PO-2026-0042', revision: 3, contentHash: hash },
      orderJws: { jti: claims.jti, sha256: createHash('sha256').update(jws).digest('hex') },
      signatures: claims.signatures,
    });
    expect(compactJwsSha256(jws)).toBe(createHash('sha256').update(jws).digest('hex'));
    // Nothing confidential rides along.
    expect(Buffer.from(payload ?? '', 'base64url').toString()).not.toMatch(/SECRET/);
    // Plain Ed25519 over the signing input: node:crypto alone verifies it.
    expect(verify(null, Buffer.from(`${header}.${payload}`), key.publicKey, Buffer.from(signature ?? '', 'base64url'))).toBe(true);
    expect(verifyReleaseAttestation(attestation, lookup(key)).payload.orderJws.jti).toBe(claims.jti);
  });

  it('is refused as an order by the device-side verifier: its typ is not the order\'s', () => {
    const message = refusal(() => verifyOrderJws(attestation, { key: lookup(key), now: new Date(NOW_SECONDS * 1000) }), 'jws-invalid');
    expect(message).toBe(`The JWS header typ is "${RELEASE_ATTESTATION_TYPE}", expected forgeline-order+jws.`);
    // And the other way round: an order JWS is no attestation.
    expect(refusal(() => verifyReleaseAttestation(jws, lookup(key)), 'jws-invalid')).toMatch(/^The attestation header is not/);
  });

  it('refuses a changed payload, an unknown kid and a key revoked at or before the attestation', () => {
    const [header, payload, signature] = attestation.split('.');
    const changed = decoded(payload);
    (changed.order as { revision: number }).revision = 4;
    expect(refusal(() => verifyReleaseAttestation(`${header}.${segment(changed)}.${signature}`, lookup(key)), 'jws-invalid')).toBe(`The attestation signature does not verify with key ${JSON.stringify(key.kid)}.`);
    expect(refusal(() => verifyReleaseAttestation(attestation, lookup(makeKey())), 'key-unknown')).toBe(`No verification key has kid ${JSON.stringify(key.kid)}.`);
    const revoked = { ...key, revokedSince: new Date(NOW_SECONDS * 1000).toISOString() };
    expect(refusal(() => verifyReleaseAttestation(attestation, lookup(revoked)), 'key-revoked')).toMatch(/was revoked at .+, and this release was attested at 2026-03-01T12:00:00.000Z\.$/);
    // Revoked only after it signed: still good.
    expect(verifyReleaseAttestation(attestation, lookup({ ...key, revokedSince: new Date((NOW_SECONDS + 1) * 1000).toISOString() })).header.kid).toBe(key.kid);
  });

  it('pins the header: no other algorithm, no crit, no other spelling', () => {
    const [, payload] = attestation.split('.');
    const resigned = (header: string) => {
      const input = `${Buffer.from(header).toString('base64url')}.${payload}`;
      return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
    };
    for (const header of [
      `{"alg":"none","kid":"${key.kid}","typ":"${RELEASE_ATTESTATION_TYPE}"}`,
      `{"alg":"EdDSA","crit":["x"],"kid":"${key.kid}","typ":"${RELEASE_ATTESTATION_TYPE}"}`,
      `{"kid":"${key.kid}","alg":"EdDSA","typ":"${RELEASE_ATTESTATION_TYPE}"}`,
    ]) {
      expect(refusal(() => verifyReleaseAttestation(resigned(header), lookup(key)), 'jws-invalid')).toMatch(/^The attestation header is not/);
    }
    expect(refusal(() => verifyReleaseAttestation('a.b', lookup(key)), 'jws-invalid')).toBe('The attestation is not three base64url parts separated by dots.');
  });

  it('refuses to sign or accept claims that are not an attestation (content slipped in, sub not the order)', () => {
    const [, payload] = attestation.split('.');
    const withContent = { ...decoded(payload), content: CONTENT } as unknown as Parameters<typeof signReleaseAttestation>[0];
    expect(refusal(() => signReleaseAttestation(withContent, key), 'jws-invalid')).toMatch(/^The attestation is not a valid release attestation: /);
    const otherSub = { ...decoded(payload), sub: 'another-order' } as unknown as Parameters<typeof signReleaseAttestation>[0];
    expect(refusal(() => signReleaseAttestation(otherSub, key), 'jws-invalid')).toBe('The attestation is not a valid release attestation at sub: sub must be the order id.');
  });
});
