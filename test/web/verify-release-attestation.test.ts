/**
 * The browser's check of a release attestation (web/src/audit/verify-release-attestation.ts) against
 * one made by the real order service, with the JWKS of the real signing keys; and the binding of the
 * order JWS to it. Node 20's WebCrypto stands in for the browser's.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { orderPublicJwk } from '../../src/crypto/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { createWorld, TEST_PASSWORD, type TestWorld } from '../support/factories.js';
import { tempFolder } from '../support/temp-folders.js';
import { checkJwsBinding, verifyReleaseAttestation, type AttestationVerified } from '../../web/src/audit/verify-release-attestation.js';

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decoded = (part: string | undefined): Record<string, unknown> => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('verifying a release attestation in the browser', () => {
  let store: Store;
  let world: TestWorld;
  let order: OrderDetail;
  let attestation: string;
  let jws: string;
  let jwks: { keys: Record<string, unknown>[] };
  let kid: string;
  let auditor: Actor;

  beforeAll(async () => {
    store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-web-attestation-'), 'forgeline.db') });
    world = await createWorld(store);
    const planner = await world.user('pia.planner', ['planner']);
    const approver = await world.user('alan.approver', ['approver']);
    auditor = await world.user('aldo.auditor', ['auditor']);
    const created = await world.createOrder(planner);
    const submitted = await world.services.orders.perform(planner, created.id, 'submit', { version: created.version });
    order = await world.services.orders.perform(approver, created.id, 'release', { version: submitted.version, password: TEST_PASSWORD, meaning: 'approved for production' });
    attestation = await world.services.orders.queries.releaseAttestation(auditor, order.id);
    jws = await world.services.orders.queries.jws(planner, order.id);
    jwks = (await world.services.signingKeys.jwks()) as unknown as { keys: Record<string, unknown>[] };
    kid = String(jwks.keys[0]?.kid);
  });

  afterAll(async () => {
    await store?.close();
  });

  const expected = () => ({ orderId: order.id, revision: order.revision, contentHash: order.contentHash });

  /** The attestation's payload changed by `change`, signed by a new key that the answered JWKS also lists. */
  function resigned(change: (payload: Record<string, unknown>) => void, typ = 'forgeline-release-attestation+jws') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = orderPublicJwk(publicKey);
    const payload = decoded(attestation.split('.')[1]);
    change(payload);
    const input = `${Buffer.from(`{"alg":"EdDSA","kid":"${jwk.kid}","typ":"${typ}"}`).toString('base64url')}.${segment(payload)}`;
    return { forged: `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`, keys: { keys: [...jwks.keys, jwk] }, kid: jwk.kid };
  }

  it('verifies the attestation a plain auditor reads: kid, order, revision, content hash and e-signature, as the audit entry records', async () => {
    expect(await verifyReleaseAttestation(attestation, jwks, expected())).toMatchObject({
      ok: true, kid, orderId: order.id, orderNumber: order.number, revision: order.revision, contentHash: order.contentHash, workCenterId: order.workCenterId,
      signatures: [{ signer: 'alan.approver', action: 'release', meaning: 'approved for production' }],
    });
  });

  it('refuses a tampered payload under the old signature', async () => {
    const [header, payload, signature] = attestation.split('.');
    const changed = decoded(payload);
    (changed.order as { revision: number }).revision = 7;
    expect(await verifyReleaseAttestation(`${header}.${segment(changed)}.${signature}`, jwks, expected())).toEqual({
      ok: false, step: 'signature', message: `The attestation's signature does not verify with the key ${kid}.`, kid,
    });
  });

  it('refuses the order JWS offered as an attestation: the wrong typ', async () => {
    expect(await verifyReleaseAttestation(jws, jwks, expected())).toEqual({
      ok: false, step: 'header', message: 'The JWS header\'s type is "forgeline-order+jws", not forgeline-release-attestation+jws.',
    });
  });

  it('refuses a kid the JWKS does not hold, and a key revoked before the attestation', async () => {
    expect(await verifyReleaseAttestation(attestation, { keys: [] }, expected())).toEqual({ ok: false, step: 'key', message: `No order-signing key has the kid ${kid}.`, kid });
    // Another key listed under this kid: its thumbprint gives it away.
    const other = orderPublicJwk(generateKeyPairSync('ed25519').publicKey);
    expect(await verifyReleaseAttestation(attestation, { keys: [{ ...other, kid }] }, expected())).toEqual({
      ok: false, step: 'key', message: `The key named ${kid} is not that key: its thumbprint is ${other.kid}.`, kid,
    });
    const revoked = { keys: jwks.keys.map((key) => ({ ...key, revokedSince: '2020-01-01T00:00:00.000Z' })) };
    const iat = decoded(attestation.split('.')[1]).iat as number;
    expect(await verifyReleaseAttestation(attestation, revoked, expected())).toEqual({
      ok: false, step: 'revocation', kid, contentHash: order.contentHash,
      message: `The key ${kid} was revoked from 2020-01-01T00:00:00.000Z, and this attestation was signed at ${new Date(iat * 1000).toISOString()}.`,
    });
  });

  it('refuses an attestation of another content hash or revision than the audit entry records', async () => {
    const other = 'f'.repeat(64);
    expect(await verifyReleaseAttestation(attestation, jwks, { ...expected(), contentHash: other })).toEqual({
      ok: false, step: 'entry', kid, contentHash: order.contentHash,
      message: `The attestation covers the content hash ${order.contentHash}, not ${other} that this audit entry records.`,
    });
    expect(await verifyReleaseAttestation(attestation, jwks, { ...expected(), revision: order.revision + 1 })).toMatchObject({
      ok: false, step: 'entry', message: expect.stringMatching(new RegExp(`^The attestation is for revision ${order.revision}, not for revision ${order.revision + 1} that this audit entry records`)) as unknown as string,
    });
  });

  it('refuses to call an attestation verified when the audit entry records no revision or no content hash to match it with', async () => {
    const { orderId, revision, contentHash } = expected();
    const refusal = (missing: string) => ({
      ok: false, step: 'entry', kid, contentHash: order.contentHash, message: `This audit entry records ${missing}, so the attestation cannot be matched with the release it records.`,
    });
    expect(await verifyReleaseAttestation(attestation, jwks, { orderId, contentHash })).toEqual(refusal('no revision'));
    expect(await verifyReleaseAttestation(attestation, jwks, { orderId, revision })).toEqual(refusal('no content hash'));
    expect(await verifyReleaseAttestation(attestation, jwks, { orderId })).toEqual(refusal('no revision and no content hash'));
  });

  it('refuses a genuinely signed attestation whose e-signatures are missing or not a list', async () => {
    const refusal = (keyId: string) => ({
      ok: false, step: 'payload', kid: keyId, contentHash: order.contentHash,
      message: 'The signed payload carries no list of e-signatures, so it does not attest who approved the release.',
    });
    const missing = resigned((payload) => {
      delete payload.signatures;
    });
    expect(await verifyReleaseAttestation(missing.forged, missing.keys, expected())).toEqual(refusal(missing.kid));
    for (const value of [null, {}, 'alan.approver', 1]) {
      const other = resigned((payload) => {
        payload.signatures = value;
      });
      expect(await verifyReleaseAttestation(other.forged, other.keys, expected()), JSON.stringify(value)).toEqual(refusal(other.kid));
    }
  });

  it('refuses a genuinely signed attestation of another order or without the order JWS it names', async () => {
    expect(await verifyReleaseAttestation(attestation, jwks, { orderId: 'another-order' })).toMatchObject({
      ok: false, step: 'payload', message: `The attestation is for order ${order.id}, not this one (another-order).`,
    });
    const bare = resigned((payload) => {
      delete payload.orderJws;
    });
    expect(await verifyReleaseAttestation(bare.forged, bare.keys, expected())).toEqual({ ok: false, step: 'payload', message: 'The signed payload is not a Forgeline release attestation.', kid: bare.kid });
    expect(await verifyReleaseAttestation('not an attestation', jwks, expected())).toEqual({ ok: false, step: 'form', message: 'The release attestation is not three base64url parts separated by dots.' });
  });

  it('tells a reader of the JWS that it is the one the attestation names, and when it is not', async () => {
    const verified = (await verifyReleaseAttestation(attestation, jwks, expected())) as AttestationVerified;
    const binding = await checkJwsBinding(jws, verified);
    expect(binding).toMatchObject({ ok: true, message: expect.stringMatching(/^The signed order's SHA-256 is [0-9a-f]{64}, the one the release attestation names\.$/) as unknown as string });
    // Any other compact JWS (here the attestation itself) is not the one it names.
    const other = await checkJwsBinding(attestation, verified);
    expect(other).toEqual({ ok: false, sha256: other.sha256, message: `The signed order's SHA-256 is ${other.sha256}, not ${binding.sha256} that the release attestation names.` });
  });
});
