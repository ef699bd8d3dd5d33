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
    const result = await verifyRelease(jws, jwks, { orderId: order.id });
    expect(result).toMatchObject({
      ok: true, kid, orderId: order.id, orderNumber: order.number, revision: order.revision, contentHash: order.contentHash, workCenterId: order.workCenterId,
      signatures: [{ signer: 'alan.approver', action: 'release', meaning: 'approved for production' }],
    });
  });

  it('refuses a signature changed by one bit', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 0x01;
    expect(await verifyRelease(`${header}.${payload}.${bytes.toString('base64url')}`, jwks, { orderId: order.id })).toEqual({
      ok: false, step: 'signature', message: `The signature does not verify with the key ${kid}.`, kid,
    });
  });

  it('refuses a changed payload (another quantity) under the old signature', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    const changed = decoded(payload);
    (changed.order as { content: { quantity: { value: string } } }).content.quantity.value = '1000';
    expect(await verifyRelease(`${header}.${segment(changed)}.${signature}`, jwks, { orderId: order.id })).toMatchObject({ ok: false, step: 'signature' });
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
    expect(await verifyRelease(forged, { keys: [...jwks.keys, jwk] }, { orderId: order.id })).toEqual({
      ok: false, step: 'content', kid: jwk.kid, contentHash: order.contentHash,
      message: expect.stringMatching(new RegExp(`^The signed content hashes to [0-9a-f]{64}, not to its content hash ${order.contentHash}\\.$`)) as unknown as string,
    });
  });

  it('refuses a kid the JWKS does not hold, a key under another\'s name, and an algorithm from the input', async () => {
    const [header = '', payload = '', signature = ''] = jws.split('.');
    expect(await verifyRelease(jws, { keys: [] }, { orderId: order.id })).toEqual({ ok: false, step: 'key', message: `No order-signing key has the kid ${kid}.`, kid });
    const other = orderPublicJwk(generateKeyPairSync('ed25519').publicKey);
    expect(await verifyRelease(jws, { keys: [{ ...other, kid }] }, { orderId: order.id })).toMatchObject({ ok: false, step: 'key', message: expect.stringMatching(/^The key named .+ is not that key: its thumbprint is .+\.$/) as unknown as string });
    const none = segment({ alg: 'none', kid, typ: 'forgeline-order+jws' });
    expect(await verifyRelease(`${none}.${payload}.${signature}`, jwks, { orderId: order.id })).toEqual({ ok: false, step: 'header', message: 'The JWS header names the algorithm "none"; only EdDSA is accepted.' });
    expect(header).not.toBe(none);
  });

  it('refuses the signature of another order, and a key revoked before the release', async () => {
    expect(await verifyRelease(jws, jwks, { orderId: 'another-order' })).toMatchObject({ ok: false, step: 'payload', message: `The signature is for order ${order.id}, not this one (another-order).` });
    const revoked = { keys: jwks.keys.map((key) => ({ ...key, revokedSince: '2020-01-01T00:00:00.000Z' })) };
    expect(await verifyRelease(jws, revoked, { orderId: order.id })).toMatchObject({ ok: false, step: 'revocation', message: expect.stringMatching(/^The key .+ was revoked from 2020-01-01T00:00:00.000Z, and this order was signed at .+\.$/) as unknown as string });
  });

  /** The payload of `jws` changed by `change`, signed by a new key that the answered JWKS also lists. */
  function resigned(change: (payload: Record<string, unknown>) => void): { forged: string; keys: { keys: Record<string, unknown>[] } } {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = orderPublicJwk(publicKey);
    const changed = decoded(jws.split('.')[1] ?? '');
    change(changed);
    const header = Buffer.from(`{"alg":"EdDSA","kid":"${jwk.kid}","typ":"forgeline-order+jws"}`).toString('base64url');
    const input = `${header}.${segment(changed)}`;
    return { forged: `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`, keys: { keys: [...jwks.keys, jwk] } };
  }

  it('says a release past its exp is expired, though still verified', async () => {
    const exp = decoded(jws.split('.')[1] ?? '').exp as number;
    expect(await verifyRelease(jws, jwks, { orderId: order.id }, new Date((exp - 1) * 1000))).toMatchObject({ ok: true, expired: false });
    expect(await verifyRelease(jws, jwks, { orderId: order.id }, new Date(exp * 1000))).toMatchObject({ ok: true, expired: true, expiresAt: new Date(exp * 1000).toISOString() });
  });

  it('refuses a release addressed to another work center than the order\'s', async () => {
    const { forged, keys } = resigned((payload) => {
      payload.aud = 'another-work-center';
    });
    expect(await verifyRelease(forged, keys, { orderId: order.id })).toMatchObject({
      ok: false, step: 'payload', message: `The signature is addressed to work center "another-work-center", not to the order's work center "${order.workCenterId}".`,
    });
  });

  it('refuses an e-signature over another revision or content hash than the signed one', async () => {
    const { forged, keys } = resigned((payload) => {
      (payload.signatures as { revision: number }[])[0]!.revision = 99;
    });
    expect(await verifyRelease(forged, keys, { orderId: order.id })).toMatchObject({
      ok: false, step: 'payload', message: `E-signature 1 is over revision 99 with content hash ${order.contentHash}, not over the signed revision ${order.revision} with content hash ${order.contentHash}.`,
    });
    const other = resigned((payload) => {
      (payload.signatures as { contentHash: string }[])[0]!.contentHash = '0'.repeat(64);
    });
    expect(await verifyRelease(other.forged, other.keys, { orderId: order.id })).toMatchObject({ ok: false, step: 'payload' });
  });

  it('refuses the release of another revision or content hash than the audit entry records', async () => {
    expect(await verifyRelease(jws, jwks, { orderId: order.id, revision: order.revision, contentHash: order.contentHash })).toMatchObject({ ok: true });
    expect(await verifyRelease(jws, jwks, { orderId: order.id, revision: order.revision + 1, contentHash: order.contentHash })).toMatchObject({
      ok: false, step: 'entry', message: expect.stringMatching(new RegExp(`^The order's signed release is for revision ${order.revision}, not for revision ${order.revision + 1} that this audit entry records`)) as unknown as string,
    });
    expect(await verifyRelease(jws, jwks, { orderId: order.id, revision: order.revision, contentHash: 'f'.repeat(64) })).toMatchObject({
      ok: false, step: 'entry', message: `The order's signed release covers the content hash ${order.contentHash}, not ${'f'.repeat(64)} that this audit entry records.`,
    });
  });

  it('refuses what is not a compact JWS', async () => {
    expect(await verifyRelease('not.a jws', jwks, { orderId: order.id })).toEqual({ ok: false, step: 'form', message: 'The signed order is not three base64url parts separated by dots.' });
  });
});
