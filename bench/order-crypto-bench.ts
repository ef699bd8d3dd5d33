/**
 * Section 7: signed and encrypted orders (issue 5 point 8). Order JWS signing and verification
 * per second beside the machine's raw Ed25519 sign and verify rates on the same bytes, measured
 * in the same run; and what envelope encryption costs an order create and a confidential read,
 * beside raw AES-256-GCM on the same bytes and beside the real service calls on SQLite.
 */
import { createCipheriv, generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, contentHash, createFileKeyring, orderPublicJwk, signOrderJws, verifyOrderJws, type OrderJwsPayload } from '../src/crypto/index.js';
import { OrderSecrets } from '../src/orders/index.js';
import type { BenchConfig } from './bench-config.js';
import { openBenchStore } from './bench-stores.js';
import { createBenchWorld } from './bench-world.js';
import { section, type Figure, type Limit, type Section } from './report.js';
import { measureAsync, measureSync, type Throughput } from './timing.js';

function detail(rate: Throughput): Record<string, number> {
  return { n: rate.count, p50ms: rate.p50Ms, p95ms: rate.p95Ms };
}

function limitOf(figure: Figure): Limit {
  return { id: figure.id, label: figure.label, value: figure.value ?? 0 };
}

/** A released order's JWS payload as the service builds it, around a bench order's content. */
function samplePayload(content: Record<string, unknown>): OrderJwsPayload {
  const iat = Math.floor(Date.now() / 1000);
  const id = randomUUID();
  const hash = contentHash(content);
  return {
    iss: 'forgeline.audit/bench', sub: id, aud: randomUUID(), iat, exp: iat + 30 * 86_400, jti: randomUUID(),
    order: { id, number: String(content.number), revision: 1, contentHash: hash, content },
    signatures: [{ signer: 'alan.approver', signerId: randomUUID(), action: 'release', meaning: 'approved for production', signedAt: new Date().toISOString(), contentHash: hash, revision: 1 }],
  };
}

/** Section 7. */
export async function orderCryptoSection(config: BenchConfig): Promise<Section> {
  const part = section('7. Signed and encrypted orders');
  const loopMs = config.limitMs;
  const bench = await openBenchStore('sqlite', config.postgresUrl, 'order_crypto');
  const folder = await mkdtemp(join(tmpdir(), 'forgeline-bench-keyring-'));
  try {
    const world = await createBenchWorld(bench.store);
    const input = world.orderInput();
    const payload = samplePayload(input);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = orderPublicJwk(publicKey);
    const key = { kid: jwk.kid, privateKey };

    // JWS: the same signing input bytes for the raw loops as the JWS signs.
    const jws = signOrderJws(payload, key);
    const signingInput = Buffer.from(jws.slice(0, jws.lastIndexOf('.')), 'ascii');
    const signature = sign(null, signingInput, privateKey);
    const rawSign: Figure = { id: 'crypto.limit.ed25519_sign', label: `raw Ed25519 sign (${signingInput.length} B)`, value: measureSync(loopMs, () => sign(null, signingInput, privateKey)).perSecond, unit: 'signs/s', note: 'node:crypto sign(null, …) on the JWS signing input: the limit' };
    const rawVerify: Figure = { id: 'crypto.limit.ed25519_verify', label: `raw Ed25519 verify (${signingInput.length} B)`, value: measureSync(loopMs, () => verify(null, signingInput, publicKey, signature)).perSecond, unit: 'verifies/s', note: 'the limit' };
    const signing = measureSync(loopMs, () => signOrderJws(payload, key));
    const lookup = () => ({ kid: key.kid, publicKey, revokedSince: null });
    const at = new Date();
    const verifying = measureSync(loopMs, () => verifyOrderJws(jws, { key: lookup, now: at, audience: payload.aud }));
    part.figures.push(
      rawSign,
      { id: 'crypto.jws.sign', label: 'order JWS signed (signOrderJws)', value: signing.perSecond, unit: 'signs/s', limit: limitOf(rawSign), detail: { ...detail(signing), bytes: jws.length }, note: 'canonical JSON, content-hash check, base64url, Ed25519' },
      rawVerify,
      { id: 'crypto.jws.verify', label: 'order JWS verified (verifyOrderJws)', value: verifying.perSecond, unit: 'verifies/s', limit: limitOf(rawVerify), detail: detail(verifying), note: 'parse, pinned EdDSA, signature, claims, revocation, expiry, audience, content hash' },
    );

    // Envelope encryption: what a create and a confidential read add, beside raw AES-256-GCM on the same bytes.
    const keyring = await createFileKeyring(join(folder, 'keyring.json'));
    const secrets = new OrderSecrets(keyring);
    const confidential = { parameters: input.parameters as never, customerReference: input.customerReference as never };
    const plaintext = Buffer.from(canonicalJson(confidential), 'utf8');
    const aesKey = randomBytes(32);
    const rawAes: Figure = {
      id: 'crypto.limit.aes_gcm', label: `raw AES-256-GCM seal (${plaintext.length} B)`, unit: 'seals/s', note: 'the limit: one createCipheriv, update, final, tag',
      value: measureSync(loopMs, () => {
        const cipher = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
        cipher.update(plaintext);
        cipher.final();
        cipher.getAuthTag();
      }).perSecond,
    };
    const orderId = randomUUID();
    const createCrypto = await measureAsync({ concurrency: 1, durationMs: loopMs, next: () => true, op: async () => {
      const made = await secrets.newDataKey(orderId, new Date().toISOString());
      secrets.seal(made.key, orderId, 1, confidential);
    } });
    const dataKey = (await secrets.newDataKey(orderId, new Date().toISOString())).key;
    const column = secrets.seal(dataKey, orderId, 1, confidential);
    const readCrypto = measureSync(loopMs, () => secrets.open(dataKey, orderId, 1, column));
    part.figures.push(
      rawAes,
      { id: 'crypto.envelope.create', label: 'encryption per order create (new data key, wrap, seal 2 fields)', value: createCrypto.perSecond, unit: 'creates/s', limit: limitOf(rawAes), detail: { ...detail(createCrypto), usPerCreate: 1e6 / createCrypto.perSecond } },
      { id: 'crypto.envelope.read', label: 'decryption per confidential read (cached data key, open 2 fields)', value: readCrypto.perSecond, unit: 'reads/s', limit: limitOf(rawAes), detail: { ...detail(readCrypto), usPerRead: 1e6 / readCrypto.perSecond } },
    );

    // The same work inside the real calls, for scale: a create and a confidential read on SQLite.
    const { orders } = world.services;
    const { planner } = world.actors;
    const ids: string[] = [];
    const creates = await measureAsync({ concurrency: 1, durationMs: loopMs, next: () => world.orderInput(), op: async (order) => {
      ids.push((await orders.create(planner, order)).id);
    } });
    let turn = 0;
    const reads = await measureAsync({ concurrency: 1, durationMs: loopMs, next: () => ids[turn++ % ids.length], op: (id) => orders.queries.get(planner, id ?? '', { includeConfidential: true, audit: false }) });
    const createShare = (1e6 / createCrypto.perSecond) / (1e6 / creates.perSecond);
    const readShare = (1e6 / readCrypto.perSecond) / (1e6 / reads.perSecond);
    part.figures.push(
      { id: 'crypto.service.create', label: 'sqlite orders.create (encryption included)', value: creates.perSecond, unit: 'ops/s', detail: detail(creates), note: `encryption is ${(createShare * 100).toFixed(1)}% of a create's wall time` },
      { id: 'crypto.service.read', label: 'sqlite orders.get with confidential fields', value: reads.perSecond, unit: 'ops/s', detail: detail(reads), note: `decryption is ${(readShare * 100).toFixed(1)}% of a read's wall time (data key cached; a first read also unwraps it)` },
    );
    part.notes.push(
      `Each loop ${(loopMs / 1000).toFixed(2)} s, one caller. The JWS payload is a bench order's full content (${payload.order.content ? canonicalJson(payload.order.content).length : 0} B of canonical JSON) with one e-signature; the raw Ed25519 loops sign and verify exactly its signing input.`,
      'Encryption per create: a random 256-bit data key wrapped by a file keyring\'s KEK (AES-256-GCM), then both confidential fields sealed (AES-256-GCM, additional data = canonical JSON of order, revision, field).',
    );
    return part;
  } finally {
    await rm(folder, { recursive: true, force: true });
    await bench.dispose();
  }
}
