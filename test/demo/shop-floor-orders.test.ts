import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentHash, signOrderJws, verifyOrderJws, type OrderJwsPayload } from '../../src/crypto/index.js';
import { orderDraftInputSchema } from '../../src/domain/index.js';
import { findMosquitto } from '../../src/demo/shop-floor-broker.js';
import { Closers } from '../../src/demo/shop-floor-closers.js';
import { shopFloorOrderInput, tamperQuantity } from '../../src/demo/shop-floor-orders.js';

const workCenter = { id: '7d1f3c52-1111-4a4a-9b9b-0123456789ab', name: 'Draw bench 1' };
const now = new Date('2030-03-01T08:00:00Z');

/** A delivery as an agent receives it: the order released and signed with a fresh key. */
function signedDelivery() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const content = orderDraftInputSchema.parse(shopFloorOrderInput(0, workCenter, now)) as unknown as Record<string, unknown>;
  const orderId = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const payload: OrderJwsPayload = {
    iss: 'forgeline-test', sub: orderId, aud: workCenter.id, iat, exp: iat + 3600, jti: randomUUID(),
    order: { id: orderId, number: 'NW-0051', revision: 1, contentHash: contentHash(content), content }, signatures: [],
  };
  const jws = signOrderJws(payload, { kid: 'k1', privateKey });
  const verify = (candidate: string) => verifyOrderJws(candidate, { key: (kid) => (kid === 'k1' ? { kid, publicKey } : undefined), now, audience: workCenter.id });
  return { delivery: { orderId, revision: 1, number: 'NW-0051', jws }, verify };
}

describe('the shop floor order', () => {
  it('is a valid order with the one operation the machine reports on', () => {
    const input = orderDraftInputSchema.parse(shopFloorOrderInput(2, workCenter, now));
    expect(input.number).toBe('NW-0053');
    expect(input.workCenterId).toBe(workCenter.id);
    expect(input.quantity).toEqual({ value: '250', unit: 'm' });
    expect(input.operations.map((operation) => operation.seq)).toEqual([10]);
    expect(input.materials.every((material) => material.operationSeq === 10)).toBe(true);
  });
});

describe('the tampered copy', () => {
  it('changes only the quantity, keeps the header and signature, and no longer verifies', () => {
    const { delivery, verify } = signedDelivery();
    expect(verify(delivery.jws).payload.order.number).toBe('NW-0051');

    const tampered = tamperQuantity(delivery);
    expect(tampered).toMatchObject({ field: 'quantity', from: '250', to: '2500' });
    const [header, payload, signature] = delivery.jws.split('.');
    const [forgedHeader, forgedPayload, forgedSignature] = tampered.delivery.jws.split('.');
    expect([forgedHeader, forgedSignature]).toEqual([header, signature]);
    const decode = (segment: string | undefined) => JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as OrderJwsPayload;
    const original = decode(payload);
    const forged = decode(forgedPayload);
    expect(forged.order.content.quantity).toEqual({ value: '2500', unit: 'm' });
    expect({ ...forged, order: { ...forged.order, content: { ...forged.order.content, quantity: original.order.content.quantity } } }).toEqual(original);
    expect(tampered.delivery).toMatchObject({ orderId: delivery.orderId, revision: 1, number: 'NW-0051' });

    expect(() => verify(tampered.delivery.jws)).toThrow(expect.objectContaining({ code: 'jws-invalid' }));
  });

  it('refuses a delivery that is not a compact JWS with a quantity', () => {
    const { delivery } = signedDelivery();
    expect(() => tamperQuantity({ ...delivery, jws: 'not-a-jws' })).toThrow('not a compact JWS');
    const [header, , signature] = delivery.jws.split('.');
    const empty = Buffer.from(JSON.stringify({ order: { content: {} } })).toString('base64url');
    expect(() => tamperQuantity({ ...delivery, jws: `${header}.${empty}.${signature}` })).toThrow('carries no quantity');
  });
});

describe('the demo broker and its cleanup', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('finds Mosquitto at the first location that exists, and nowhere when none does', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'forgeline-mosquitto-'));
    folders.push(folder);
    await writeFile(join(folder, 'second'), '');
    await writeFile(join(folder, 'third'), '');
    expect(findMosquitto([join(folder, 'first'), join(folder, 'second'), join(folder, 'third')])).toBe(join(folder, 'second'));
    expect(findMosquitto([join(folder, 'missing')])).toBeUndefined();
  });

  it('closes the last started first, and closes the rest when one fails', async () => {
    const closers = new Closers();
    const closed: string[] = [];
    closers.defer(async () => void closed.push('broker'));
    closers.defer(() => Promise.reject(new Error('server would not close')));
    closers.defer(async () => void closed.push('agents'));
    const failures = await closers.closeAll();
    expect(closed).toEqual(['agents', 'broker']);
    expect(failures).toEqual([new Error('server would not close')]);
    // Each runs once.
    expect(await closers.closeAll()).toEqual([]);
    expect(closed).toEqual(['agents', 'broker']);
  });
});
