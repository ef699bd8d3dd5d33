/**
 * The browser's check of a released order's signature (web/src/audit/verify-release.ts)
 * against a release made by the real order service and the JWKS of the real signing keys.
 * Node 20's WebCrypto stands in for the browser's.
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
import { verifyRelease } from '../../web/src/audit/verify-release.js';

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decoded = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('verifying a released order\'s signature in the browser', () => {
  let store: Store;
  let world: TestWorld;
  let order: OrderDetail;
  let jws: string;
  let jwks: { keys: Record<string, unknown>[] };
  let kid: string;

  beforeAll(async () => {
    store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-web-release-'), 'forgeline.db') });
    world = await createWorld(store);
    const planner: Actor = await world.user('pia.planner', ['planner']);
    const approver: Actor = await world.user('alan.approver', ['approver']);
    const created = await world.createOrder(planner);
    const submitted = await world.services.orders.perform(planner, created.id, 'submit', { version: created.version });
    order = await world.services.orders.perform(approver, created.id, 'release', { version: submitted.version, password: TEST_PASSWORD, meaning: 'approved for production' });
    jws = await world.services.orders.queries.jws(planner, order.id);
    jwks = (await world.services.signingKeys.jwks()) as unknown as { keys: Record<string, unknown>[] };
    kid = String(jwks.keys[0]?.kid);
  });

  afterAll(async () => {
    await store?.close();
  });

  it('verifies the release: kid, content hash, revision and the approver\'s e-signature', async () => {
    const result = await verifyRelease(jws, jwks, order.id);
    expect(result).toMatchObject({
      ok: true, kid, orderId: order.id, orderNumber: order.number, revision: order.revision, contentHash: order.contentHash, workCenterId: order.workCenterId,
      signatures: [{ signer: 'alan.approver', action: 'release', meaning: 'approved for production' }],
    });
  });

  it('refuses a signature changed by one bit', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 0x01;
    expect(await verifyRelease(`${header}.${payload}.${bytes.toString('base64url')}`, jwks, order.id)).toEqual({
      ok: false, step: 'signature', message: `The signature does not verify with the key ${kid}.`, kid,
    });
  });

  it('refuses a changed payload (another quantity) under the old signature', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    const changed = decoded(payload);
    (changed.order as { content: { quantity: { value: string } } }).content.quantity.value = '1000';
    expect(await verifyRelease(`${header}.${segment(changed)}.${signature}`, jwks, order.id)).toMatchObject({ ok: false, step: 'signature' });
  });

  it('refuses content that does not hash to the signed content hash, though signed', async () => {
    // Signed by a key the JWKS lists, over content that does not match its hash: the last step catches it.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = orderPublicJwk(publicKey);
    const [, payload = ''] = jws.split('.');
    const changed = decoded(payload);
    (changed.order as { content: { quantity: { value: string } } }).content.quantity.value = '1000';
    const header = Buffer.from(`{"alg":"EdDSA","kid":"${jwk.kid}","typ":"forgeline-order+jws"}`).toString('base64url');
    const input = `${header}.${segment(changed)}`;
    const forged = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    expect(await verifyRelease(forged, { keys: [...jwks.keys, jwk] }, order.id)).toEqual({
      ok: false, step: 'content', kid: jwk.kid, contentHash: order.contentHash,
      message: expect.stringMatching(new RegExp(`^The signed content hashes to [0-9a-f]{64}, not to its content hash ${order.contentHash}\\.$`)) as unknown as string,
    });
  });

  it('refuses a kid the JWKS does not hold, a key under another\'s name, and an algorithm from the input', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    expect(await verifyRelease(jws, { keys: [] }, order.id)).toEqual({ ok: false, step: 'key', message: `No order-signing key has the kid ${kid}.`, kid });
    const other = orderPublicJwk(generateKeyPairSync('ed25519').publicKey);
    expect(await verifyRelease(jws, { keys: [{ ...other, kid }] }, order.id)).toMatchObject({ ok: false, step: 'key', message: expect.stringMatching(/^The key named .+ is not that key: its thumbprint is .+\.$/) as unknown as string });
    const none = segment({ alg: 'none', kid, typ: 'forgeline-order+jws' });
    expect(await verifyRelease(`${none}.${payload}.${signature}`, jwks, order.id)).toEqual({ ok: false, step: 'header', message: 'The JWS header names the algorithm "none"; only EdDSA is accepted.' });
    expect(header).not.toBe(none);
  });

  it('refuses the signature of another order, and a key revoked before the release', async () => {
    expect(await verifyRelease(jws, jwks, 'another-order')).toMatchObject({ ok: false, step: 'payload', message: `The signature is for order ${order.id}, not this one (another-order).` });
    const revoked = { keys: jwks.keys.map((key) => ({ ...key, revokedSince: '2020-01-01T00:00:00.000Z' })) };
    expect(await verifyRelease(jws, revoked, order.id)).toMatchObject({ ok: false, step: 'revocation', message: expect.stringMatching(/^The key .+ was revoked from 2020-01-01T00:00:00.000Z, and this order was signed at .+\.$/) as unknown as string });
  });

  it('refuses what is not a compact JWS', async () => {
    expect(await verifyRelease('not.a jws', jwks, order.id)).toEqual({ ok: false, step: 'form', message: 'The signed order is not three base64url parts separated by dots.' });
  });
});
