import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptOrder, JtiJournal, type AcceptanceContext } from '../../src/agent/index.js';
import { contentHash, orderPublicJwk, signOrderJws, verificationKeysFromJwks, type OrderJwsPayload } from '../../src/crypto/index.js';

const WORK_CENTER = randomUUID();
const NOW = new Date('2026-11-26T08:00:00.000Z');
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

function newKey(): { kid: string; privateKey: KeyObject; jwk: ReturnType<typeof orderPublicJwk> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = orderPublicJwk(publicKey);
  return { kid: jwk.kid, privateKey, jwk };
}

function payload(overrides: Partial<OrderJwsPayload> = {}): OrderJwsPayload {
  const content = { number: 'PO-7', quantity: { value: '250', unit: 'pcs' }, parameters: { recipe: 'R-1', setpoints: [] } };
  const id = randomUUID();
  const iat = seconds(NOW) - 60;
  return {
    iss: 'forgeline.audit/test', sub: id, aud: WORK_CENTER, iat, exp: iat + 30 * 86_400, jti: randomUUID(),
    order: { id, number: 'PO-7', revision: 1, contentHash: contentHash(content), content },
    signatures: [{ signer: 'alan', signerId: randomUUID(), action: 'release', meaning: 'approved for production', signedAt: NOW.toISOString(), contentHash: contentHash(content), revision: 1 }],
    ...overrides,
  };
}

describe('the edge agent accepting an order', () => {
  let dir: string;
  let journalPath: string;
  let trusted: ReturnType<typeof newKey>;
  let revoked: ReturnType<typeof newKey>;
  let context: AcceptanceContext;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-agent-'));
    journalPath = join(dir, 'accepted-jti.log');
    trusted = newKey();
    revoked = newKey();
    // The JWKS as GET /api/v1/keys answers it: the revoked key stays, marked.
    const keys = verificationKeysFromJwks({ keys: [trusted.jwk, { ...revoked.jwk, revokedSince: '2026-11-25T00:00:00.000Z' }] });
    context = { workCenterId: WORK_CENTER, keys: (kid) => keys.get(kid), journal: await JtiJournal.open(journalPath, NOW), now: NOW };
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a valid release once, records its jti on disk first, and refuses the replay, also after a restart', async () => {
    const order = payload();
    const jws = signOrderJws(order, trusted);
    const accepted = await acceptOrder(jws, context);
    expect(accepted).toMatchObject({ accepted: true, payload: { jti: order.jti, sub: order.sub } });
    expect(await readFile(journalPath, 'utf8')).toBe(`${order.jti} ${order.exp}\n`);
    expect(await acceptOrder(jws, context)).toMatchObject({ accepted: false, code: 'order-replayed', orderId: order.sub });

    const restarted = { ...context, journal: await JtiJournal.open(journalPath, NOW) };
    expect(await acceptOrder(jws, restarted)).toMatchObject({ accepted: false, code: 'order-replayed' });
    expect(await acceptOrder(signOrderJws(payload(), trusted), restarted)).toMatchObject({ accepted: true });
  });

  it('refuses a tampered, unsigned, expired, misaddressed, unknown-key or revoked-key order, and records none of them', async () => {
    const good = signOrderJws(payload(), trusted);
    const [header, body, signature] = good.split('.');
    const changed = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as { order: { content: { quantity: { value: string } } } };
    changed.order.content.quantity.value = '2500';
    const tampered = `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
    const cases: [string, string][] = [
      [tampered, 'jws-invalid'],
      ['{"order":"PO-7","quantity":250}', 'jws-invalid'],
      [`${header}.${body}.`, 'jws-invalid'],
      [signOrderJws(payload({ iat: seconds(NOW) - 40 * 86_400, exp: seconds(NOW) - 10 * 86_400 }), trusted), 'order-expired'],
      [signOrderJws(payload({ aud: randomUUID() }), trusted), 'audience-mismatch'],
      [signOrderJws(payload(), newKey()), 'key-unknown'],
      [signOrderJws(payload(), revoked), 'key-revoked'],
    ];
    for (const [jws, code] of cases) {
      expect(await acceptOrder(jws, context), code).toMatchObject({ accepted: false, code });
    }
    expect(context.journal.size).toBe(0);
    expect(await readFile(journalPath, 'utf8')).toBe('');
  });

  it('forgets expired acceptances when it opens, keeps a line cut by a crash out, and refuses a damaged journal', async () => {
    const live = payload();
    const old = payload({ iat: seconds(NOW) - 40 * 86_400, exp: seconds(NOW) - 10 * 86_400 });
    await writeFile(journalPath, `${old.jti} ${old.exp}\n${live.jti} ${live.exp}\n`);
    // A crash in the middle of an append: the last line is cut short (that order was never acknowledged).
    await appendFile(journalPath, `${randomUUID().slice(0, 20)}`);
    const journal = await JtiJournal.open(journalPath, NOW);
    expect([journal.has(old.jti), journal.has(live.jti), journal.size]).toEqual([false, true, 1]);
    expect(await readFile(journalPath, 'utf8')).toBe(`${live.jti} ${live.exp}\n`);

    await writeFile(journalPath, `not a journal line\n${live.jti} ${live.exp}\n`);
    await expect(JtiJournal.open(journalPath, NOW)).rejects.toMatchObject({ code: 'validation-failed' });
  });

  it('refuses a JWKS whose key is named with another key\'s id', () => {
    const other = newKey();
    expect(() => verificationKeysFromJwks({ keys: [{ ...trusted.jwk, kid: other.kid }] })).toThrow(/not its thumbprint/);
    expect(() => verificationKeysFromJwks({ nokeys: [] })).toThrow(/no "keys" list/);
  });
});
