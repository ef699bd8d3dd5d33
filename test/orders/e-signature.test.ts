import { randomUUID } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { totpAt, type Actor } from '../../src/access/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, TEST_PASSWORD, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

// An RFC 6238 secret the approver "scanned"; the tests compute its codes on the world's clock.
const SECRET = Buffer.from('3132333435363738393031323334353637383930', 'hex');

describeEachEngine('electronic signatures', (engine) => {
  let world: TestWorld;
  let planner: Actor;
  let approver: Actor;

  const act = (actor: Actor, order: OrderDetail, command: 'submit' | 'release' | 'close' | 'cancel' | 'unhold' | 'hold', body: Record<string, unknown> = {}) =>
    world.services.orders.perform(actor, order.id, command, { version: order.version, ...body });
  const submitted = async (): Promise<OrderDetail> => act(planner, await world.createOrder(planner), 'submit');
  const code = (offsetMs = 0): string => totpAt(SECRET, world.clock.now().getTime() + offsetMs);
  const lastEntry = async (orderId: string) => {
    const entries = await engine.store().db.selectFrom('audit_entries').selectAll().where('order_id', '=', orderId).orderBy('idx').execute();
    const entry = entries.at(-1);
    return { ...entry, detail: JSON.parse(entry?.detail ?? '{}') as Record<string, unknown> };
  };

  /** The approver with an enrolled second factor and a signed-in session. */
  const enrolApprover = async (): Promise<Actor> => {
    const db = engine.store().db;
    await db.updateTable('users').set({ mfa_secret: SECRET.toString('hex'), mfa_enabled_at: world.clock.now().toISOString() }).where('id', '=', approver.subject.userId).execute();
    const sessionId = randomUUID();
    const now = world.clock.now();
    await db.insertInto('sessions').values({
      id: sessionId, token_hash: randomUUID(), user_id: approver.subject.userId, source: '127.0.0.1', created_at: now.toISOString(), expires_at: new Date(now.getTime() + 8 * 3600_000).toISOString(), revoked_at: null,
    }).execute();
    return { ...approver, subject: { ...approver.subject, sessionId } };
  };

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planner = await world.user('pia.planner', ['planner']);
    approver = await world.user('alan.approver', ['approver']);
  });

  it('binds a release to the exact revision, with signer, time, meaning and method, in the order and the audit log', async () => {
    const order = await submitted();
    const released = await act(approver, order, 'release', { password: TEST_PASSWORD, meaning: 'approved for production, rush' });
    expect(released.signatures).toEqual([{
      signerId: approver.subject.userId, signer: 'alan.approver', action: 'release', meaning: 'approved for production, rush', revision: 1, contentHash: order.contentHash, signedAt: world.clock.now().toISOString(),
    }]);
    const entry = await lastEntry(order.id);
    expect(entry.kind).toBe('order.release');
    expect(entry.detail.signature).toEqual({ action: 'release', meaning: 'approved for production, rush', revision: 1, contentHash: order.contentHash, signedAt: world.clock.now().toISOString(), method: 'password' });
    expect(JSON.stringify(entry.detail)).not.toContain(TEST_PASSWORD);
  });

  it('asks a signer with a second factor for a fresh code, spends each code once, and never records it', async () => {
    const signer = { ...approver, subject: { ...approver.subject } };
    await enrolApprover();
    const first = await submitted();
    const second = await submitted();

    const missing = await expectCode(act(signer, first, 'release', { password: TEST_PASSWORD }), 'signature-failed');
    expect(missing.message).toMatch(/one-time code/);
    await expectCode(act(signer, first, 'release', { password: TEST_PASSWORD, totp: '000000' === code() ? '111111' : '000000' }), 'signature-failed');
    await expectCode(act(signer, first, 'release', { password: 'wrong password entirely', totp: code() }), 'signature-failed');
    expect((await lastEntry(first.id))).toMatchObject({ kind: 'order.release', outcome: 'denied' });

    const used = code();
    const released = await act(signer, first, 'release', { password: TEST_PASSWORD, totp: used });
    expect(released.state).toBe('released');
    const entry = await lastEntry(first.id);
    expect(entry.detail.signature).toMatchObject({ method: 'password+totp' });
    expect(JSON.stringify(entry)).not.toContain(used);
    // The same code again (another order, no session to carry a signing window): refused as a replay.
    await expectCode(act(signer, second, 'release', { password: TEST_PASSWORD, totp: used }), 'signature-failed');
    expect((await world.services.orders.queries.detail(second.id)).state).toBe('submitted');
  });

  it('lets one session sign with its password alone for a few minutes after a full signature, then asks for a code again', async () => {
    const signer = await enrolApprover();
    const orders = [await submitted(), await submitted(), await submitted()];
    await act(signer, orders[0] as OrderDetail, 'release', { password: TEST_PASSWORD, totp: code() });
    world.clock.advance(60_000);
    const second = await act(signer, orders[1] as OrderDetail, 'release', { password: TEST_PASSWORD });
    expect((await lastEntry(second.id)).detail.signature).toMatchObject({ method: 'password (signing window)' });
    // Still the password every time.
    await expectCode(act(signer, orders[2] as OrderDetail, 'release', { password: 'not my password at all' }), 'signature-failed');
    // Another session of the same user has no window of its own.
    const otherSession = { ...signer, subject: { ...signer.subject, sessionId: randomUUID() } };
    await expectCode(act(otherSession, orders[2] as OrderDetail, 'release', { password: TEST_PASSWORD }), 'signature-failed');
    world.clock.advance(5 * 60_000);
    await expectCode(act(signer, orders[2] as OrderDetail, 'release', { password: TEST_PASSWORD }), 'signature-failed');
    const third = await act(signer, orders[2] as OrderDetail, 'release', { password: TEST_PASSWORD, totp: code() });
    expect(third.state).toBe('released');
  });

  it('asks a code for every signature when the site policy closes the signing window', async () => {
    await world.services.policy.update(SETUP_ADMIN, { signingWindowMinutes: 0 });
    const signer = await enrolApprover();
    const [first, second] = [await submitted(), await submitted()];
    await act(signer, first, 'release', { password: TEST_PASSWORD, totp: code() });
    await expectCode(act(signer, second, 'release', { password: TEST_PASSWORD }), 'signature-failed');
    // The next time step's code is still inside the verification window, and not yet spent.
    expect((await act(signer, second, 'release', { password: TEST_PASSWORD, totp: code(30_000) })).state).toBe('released');
  });

  it('signs release from hold, cancel after release and close, but not cancel of a draft', async () => {
    const quality = await world.user('quinn.quality', ['quality']);
    const draft = await world.createOrder(planner);
    expect((await act(planner, draft, 'cancel', { reason: 'duplicate' })).signatures).toEqual([]);

    let order = await act(approver, await submitted(), 'release', { password: TEST_PASSWORD });
    order = await act(quality, order, 'hold', { reason: 'lot under review' });
    await expectCode(act(quality, order, 'unhold', {}), 'validation-failed');
    order = await act(quality, order, 'unhold', { password: TEST_PASSWORD });
    await expectCode(act(approver, order, 'cancel', { reason: 'customer withdrew' }), 'validation-failed');
    order = await act(approver, order, 'cancel', { reason: 'customer withdrew', password: TEST_PASSWORD, meaning: 'cancelled: customer withdrew' });
    expect(order.signatures.map((signature) => [signature.signer, signature.action, signature.meaning])).toEqual([
      ['alan.approver', 'release', 'approved for production'],
      ['quinn.quality', 'unhold', 'released from hold'],
      ['alan.approver', 'cancel', 'cancelled: customer withdrew'],
    ]);
  });
});
