import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { contentHash } from '../../src/crypto/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, TEST_PASSWORD, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

const DAY_MS = 86_400_000;

describeEachEngine('signed released orders (JWS)', (engine) => {
  let world: TestWorld;
  let planner: Actor;
  let approver: Actor;
  let operator: Actor;

  const act = (actor: Actor, order: OrderDetail, command: 'submit' | 'release' | 'dispatch', body: Record<string, unknown> = {}) =>
    world.services.orders.perform(actor, order.id, command, { version: order.version, ...body });
  const released = async (): Promise<OrderDetail> => {
    const submitted = await act(planner, await world.createOrder(planner), 'submit');
    return act(approver, submitted, 'release', { password: TEST_PASSWORD, meaning: 'approved for production' });
  };
  const entries = (kind: string) => engine.store().db.selectFrom('audit_entries').selectAll().where('kind', '=', kind).orderBy('idx').execute();

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planner = await world.user('pia.planner', ['planner']);
    approver = await world.user('alan.approver', ['approver']);
    operator = await world.user('otto.operator', ['operator']);
  });

  it('signs the released revision with its content, hash and e-signatures; an independent JOSE library verifies it', async () => {
    const order = await released();
    const jws = await world.services.orders.queries.jws(planner, order.id);
    const jwks = createLocalJWKSet(await world.services.signingKeys.jwks() as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(jws, jwks, { algorithms: ['EdDSA'], audience: order.workCenterId, currentDate: world.clock.now() });
    const [active] = await world.services.signingKeys.list();
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: active?.kid, typ: 'forgeline-order+jws' });
    const signed = payload as unknown as { sub: string; order: { id: string; revision: number; contentHash: string; content: Record<string, unknown> }; signatures: { signer: string; action: string; meaning: string }[]; exp: number; iat: number; jti: string };
    expect(signed.sub).toBe(order.id);
    expect(signed.order.revision).toBe(1);
    expect(signed.order.contentHash).toBe(order.contentHash);
    // The whole revision, recipe included, hashes to the content hash the e-signature binds.
    expect(contentHash(signed.order.content)).toBe(order.contentHash);
    expect(signed.order.content).toHaveProperty('parameters');
    expect(signed.signatures).toEqual([expect.objectContaining({ signer: 'alan.approver', action: 'release', meaning: 'approved for production' })]);
    expect(signed.exp - signed.iat).toBe(30 * 86_400);

    const [release] = await entries('order.release');
    expect(JSON.parse(release?.detail ?? '{}').jws).toEqual({ kid: active?.kid, jti: signed.jti, audience: order.workCenterId, expiresAt: new Date(signed.exp * 1000).toISOString() });
    const [read] = await entries('order.read-jws');
    expect(read).toMatchObject({ outcome: 'ok', actor: 'pia.planner', order_id: order.id });
  });

  it('refuses the JWS to a reader who may not see all of its confidential fields, and audits it', async () => {
    const order = await act(planner, await released(), 'dispatch');
    await expectCode(world.services.orders.queries.jws(operator, order.id), 'forbidden');
    const [denied] = await entries('order.read-jws');
    expect(denied).toMatchObject({ outcome: 'denied', actor: 'otto.operator', order_id: order.id });
    // A draft has no signed release.
    const draft = await world.createOrder(planner);
    await expectCode(world.services.orders.queries.jws(planner, draft.id), 'not-found');
  });

  it('signs new releases with the rotated key while what the old one signed still verifies', async () => {
    const before = await released();
    const rotated = await world.services.signingKeys.rotate(SETUP_ADMIN);
    const after = await released();
    const kidOf = async (order: OrderDetail) => JSON.parse(Buffer.from((await world.services.orders.queries.jws(planner, order.id)).split('.')[0] ?? '', 'base64url').toString()).kid as string;
    expect(await kidOf(after)).toBe(rotated.active.kid);
    expect(await kidOf(before)).toBe(rotated.retired);
    expect((await world.services.signingKeys.list()).map((key) => key.status).sort()).toEqual(['active', 'retired']);
    await act(planner, before, 'dispatch');
    const [rotation] = await entries('key.rotate');
    expect(JSON.parse(rotation?.detail ?? '{}')).toMatchObject({ kid: rotated.active.kid, retired: rotated.retired });
  });

  it('refuses everywhere what a revoked key signed at or after the revocation time, and keeps releasing with a new key', async () => {
    const early = await released();
    world.clock.advance(60_000);
    const late = await released();
    const [key] = await world.services.signingKeys.list();
    const since = new Date(world.clock.now().getTime() - 1_000).toISOString();
    const result = await world.services.signingKeys.revoke(SETUP_ADMIN, key?.kid ?? '', { since, reason: 'key file copied to a USB stick' });
    expect(result.revoked).toMatchObject({ status: 'revoked', revokedSince: since });
    expect(result.active).not.toBe(key?.kid);

    await expectCode(world.services.orders.queries.jws(planner, late.id), 'key-revoked');
    await expectCode(act(planner, late, 'dispatch'), 'key-revoked');
    // Signed before the compromise: still good.
    await world.services.orders.queries.jws(planner, early.id);
    await act(planner, early, 'dispatch');
    const refused = await entries('order.jws-refused');
    expect(refused.map((entry) => [entry.outcome, JSON.parse(entry.detail).attempted, JSON.parse(entry.detail).code])).toEqual([
      ['denied', 'order.read-jws', 'key-revoked'], ['denied', 'order.dispatch', 'key-revoked'],
    ]);
    // The JWKS still lists the revoked key, marked, so devices refuse it too.
    expect((await world.services.signingKeys.jwks()).keys.find((jwk) => jwk.kid === key?.kid)).toMatchObject({ revokedSince: since });
    const next = await released();
    await act(planner, next, 'dispatch');
  });

  it('refuses a JWS changed in the database, and an expired order at dispatch', async () => {
    const tampered = await released();
    const db = engine.store().db;
    const row = await db.selectFrom('order_jws').select('jws').where('order_id', '=', tampered.id).executeTakeFirstOrThrow();
    const [header, payload, signature] = row.jws.split('.');
    const changed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { order: { content: { quantity: { value: string } } } };
    changed.order.content.quantity.value = '9999';
    await db.updateTable('order_jws').set({ jws: `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}` }).where('order_id', '=', tampered.id).execute();
    await expectCode(world.services.orders.queries.jws(planner, tampered.id), 'jws-invalid');
    await expectCode(act(planner, tampered, 'dispatch'), 'jws-invalid');

    const old = await released();
    world.clock.advance(31 * DAY_MS);
    await expectCode(act(planner, old, 'dispatch'), 'order-expired');
    // An auditor reading an old order still gets it.
    expect((await world.services.orders.queries.jws(planner, old.id)).split('.')).toHaveLength(3);
  });

  it('lets only admins rotate and revoke, refuses an unknown key and a bad time, and audits each refusal', async () => {
    await expectCode(world.services.signingKeys.rotate(planner), 'forbidden');
    await expectCode(world.services.signingKeys.revoke(SETUP_ADMIN, 'no-such-kid', { since: '2026-11-26T08:00:00Z', reason: 'test' }), 'key-unknown');
    await expectCode(world.services.signingKeys.revoke(SETUP_ADMIN, 'no-such-kid', { since: 'yesterday', reason: 'test' }), 'validation-failed');
    await expectCode(world.services.signingKeys.revoke(approver, 'no-such-kid', { since: '2026-11-26T08:00:00Z', reason: 'test' }), 'forbidden');
    expect((await entries('key.rotate')).map((entry) => entry.outcome)).toEqual(['denied']);
    expect((await entries('key.revoke')).map((entry) => [entry.outcome, entry.actor])).toEqual([['denied', 'setup'], ['denied', 'alan.approver']]);
  });
});
