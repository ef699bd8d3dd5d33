import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { ephemeralKeyring } from '../../src/keys/index.js';
import { createServices } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

describeEachEngine('confidential fields encrypted at rest', (engine) => {
  let world: TestWorld;
  let planner: Actor;

  const revisionRow = (orderId: string, revision = 1) => engine.store().db.selectFrom('order_revisions').selectAll()
    .where('order_id', '=', orderId).where('revision', '=', revision).executeTakeFirstOrThrow();
  const confidentialOf = async (orderId: string) => (await world.services.orders.queries.get(planner, orderId, { includeConfidential: true, audit: false })).content;

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planner = await world.user('pia.planner', ['planner']);
  });

  it('stores the recipe and customer only as ciphertexts under a per-order data key wrapped by the keyring, and reads them back', async () => {
    const order = await world.createOrder(planner);
    const row = await revisionRow(order.id);
    for (const secret of ['GEAR-12-MILL-v3', 'spindle-rpm', '2400', 'CUST-7781']) expect(row.confidential).not.toContain(secret);
    const sealed = JSON.parse(row.confidential) as { v: number; sealed: Record<string, string> };
    expect(sealed.v).toBe(1);
    expect(Object.keys(sealed.sealed).sort()).toEqual(['customerReference', 'parameters']);
    for (const value of Object.values(sealed.sealed)) expect(value).toMatch(/^fle1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const key = await engine.store().db.selectFrom('order_data_keys').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    expect(key.kek_id).toBe(world.services.keyring.activeKekId);
    // Two orders never share a data key.
    const other = await world.createOrder(planner);
    const otherKey = await engine.store().db.selectFrom('order_data_keys').select('wrapped_key').where('order_id', '=', other.id).executeTakeFirstOrThrow();
    expect(otherKey.wrapped_key).not.toBe(key.wrapped_key);

    expect(await confidentialOf(order.id)).toMatchObject({
      parameters: { recipe: 'GEAR-12-MILL-v3', setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] }, customerReference: 'CUST-7781',
    });
  });

  it('refuses a ciphertext moved to another order, revision or field, and a changed one, with decryption-failed and never garbage', async () => {
    const first = await world.createOrder(planner);
    const second = await world.createOrder(planner, { customerReference: 'CUST-0002' });
    const db = engine.store().db;
    const firstRow = await revisionRow(first.id);
    await db.updateTable('order_revisions').set({ confidential: firstRow.confidential }).where('order_id', '=', second.id).execute();
    await expectCode(confidentialOf(second.id), 'decryption-failed');

    const edited = await world.services.orders.edit(planner, first.id, { version: first.version, notes: 'second revision' });
    expect(edited.revision).toBe(2);
    await db.updateTable('order_revisions').set({ confidential: firstRow.confidential }).where('order_id', '=', first.id).where('revision', '=', 2).execute();
    await expectCode(confidentialOf(first.id), 'decryption-failed');

    const third = await world.createOrder(planner);
    const thirdRow = JSON.parse((await revisionRow(third.id)).confidential) as { v: 1; sealed: Record<string, string> };
    const swapped = { v: 1, sealed: { parameters: thirdRow.sealed.customerReference, customerReference: thirdRow.sealed.parameters } };
    await db.updateTable('order_revisions').set({ confidential: JSON.stringify(swapped) }).where('order_id', '=', third.id).execute();
    await expectCode(confidentialOf(third.id), 'decryption-failed');

    // Each refusal is in the audit log.
    const refusals = await db.selectFrom('audit_entries').select(['outcome', 'detail']).where('kind', '=', 'order.read-confidential').execute();
    expect(refusals.map((entry) => [entry.outcome, (JSON.parse(entry.detail) as { code?: string }).code])).toEqual([
      ['denied', 'decryption-failed'], ['denied', 'decryption-failed'], ['denied', 'decryption-failed'],
    ]);

    const fourth = await world.createOrder(planner);
    const fourthRow = JSON.parse((await revisionRow(fourth.id)).confidential) as { v: 1; sealed: Record<string, string> };
    const ciphertext = fourthRow.sealed.parameters ?? '';
    const flipped = `${ciphertext.slice(0, -3)}${ciphertext.at(-3) === 'A' ? 'B' : 'A'}${ciphertext.slice(-2)}`;
    await db.updateTable('order_revisions').set({ confidential: JSON.stringify({ v: 1, sealed: { ...fourthRow.sealed, parameters: flipped } }) }).where('order_id', '=', fourth.id).execute();
    await expectCode(confidentialOf(fourth.id), 'decryption-failed');
  });

  it('gives a clear error with a missing or wrong key-encryption key', async () => {
    const order = await world.createOrder(planner);
    const activeKekId = world.services.keyring.activeKekId;
    const withoutTheKek = createServices({ store: engine.store(), clock: world.clock, keyring: ephemeralKeyring('kek-somewhere-else') });
    const missing = await expectCode(withoutTheKek.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false }), 'keyring-unavailable');
    expect(missing.message).toContain(activeKekId);
    const sameNameOtherKey = createServices({ store: engine.store(), clock: world.clock, keyring: ephemeralKeyring(activeKekId) });
    await expectCode(sameNameOtherKey.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false }), 'decryption-failed');
    // Reading without the confidential fields needs no key at all.
    expect((await sameNameOtherKey.orders.queries.get(planner, order.id)).number).toBe(order.number);
  });

  it('still reads a revision written before encryption, and seals the next revision of such an order', async () => {
    const order = await world.createOrder(planner);
    const db = engine.store().db;
    await db.deleteFrom('order_data_keys').where('order_id', '=', order.id).execute();
    await db.updateTable('order_revisions').set({ confidential: JSON.stringify({ parameters: { recipe: 'OLD', setpoints: [] }, customerReference: 'LEGACY-1' }) }).where('order_id', '=', order.id).execute();
    const fresh = createServices({ store: engine.store(), clock: world.clock, keyring: world.services.keyring });
    expect(await fresh.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false })).toMatchObject({ content: { customerReference: 'LEGACY-1' } });
    const edited = await fresh.orders.edit(planner, order.id, { version: order.version, customerReference: 'NEW-2' });
    expect(JSON.parse((await revisionRow(order.id, 2)).confidential)).toHaveProperty('v', 1);
    expect((await fresh.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false })).content).toMatchObject({ customerReference: 'NEW-2' });
    expect(edited.revision).toBe(2);
  });
});
