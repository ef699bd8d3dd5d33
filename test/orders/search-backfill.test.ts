import { expect, it } from 'vitest';
import { expectCode } from '../support/expect-code.js';
import { describeBackfill, SearchIndexBackfill, UNREADABLE_CUSTOMER_TAG, type SearchBackfillReport } from '../../src/orders/index.js';
import { createServices } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';

/** Orders as they were before migration 0015: their search columns not yet filled. */
async function forgetTags(store: Store): Promise<void> {
  await store.db.updateTable('orders').set({ customer_tag: null }).execute();
}

const untagged = async (store: Store): Promise<string[]> =>
  (await store.db.selectFrom('orders').select('id').where('customer_tag', 'is', null).orderBy('id').execute()).map((row) => row.id);

/** A fill over `world`'s orders, collecting its report lines. */
function backfillOf(world: TestWorld, options: { batchSize?: number; pauseMs?: number } = {}): { backfill: SearchIndexBackfill; lines: SearchBackfillReport[] } {
  const lines: SearchBackfillReport[] = [];
  return { backfill: new SearchIndexBackfill(world.services.orders.searchIndex, (line) => lines.push(line), options), lines };
}

describeEachEngine('the search index fill at server start', (engine) => {
  it('tags every older order in batches, so a customer search finds them, and reports the count in one line', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    const acme = [await world.createOrder(planner, { customerReference: 'ACME-42' }), await world.createOrder(planner, { customerReference: 'acme-42 ' })];
    await world.createOrder(planner, { customerReference: 'Globex' });
    await world.createOrder(planner, { customerReference: null });
    await world.createOrder(planner);
    await forgetTags(engine.store());
    expect((await world.services.orders.queries.list(planner, { customer: 'ACME-42' })).items).toEqual([]);

    const { backfill, lines } = backfillOf(world, { batchSize: 2, pauseMs: 0 });
    expect(await backfill.start()).toEqual({ indexed: 5, failed: [], stopped: false });
    expect(await untagged(engine.store())).toEqual([]);
    const page = await world.services.orders.queries.list(planner, { customer: 'Acme-42' });
    expect(page.items.map((order) => order.id).sort()).toEqual(acme.map((order) => order.id).sort());
    expect(page.customerIndexComplete).toBe(true);
    expect(lines).toEqual([{ level: 'info', message: 'order search index: 5 older order(s) indexed in the background', fields: { indexed: 5, failed: 0, failedOrders: [] } }]);

    // Nothing left to fill: a later start says nothing.
    const again = backfillOf(world);
    expect(await again.backfill.start()).toBeUndefined();
    expect(again.lines).toEqual([]);
  });

  it('marks an order it cannot decrypt, names it in a warning and fills the others; the next start passes it by', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    const good = await world.createOrder(planner, { customerReference: 'ACME-42' });
    const damaged = await world.createOrder(planner, { customerReference: 'ACME-42' });
    const db = engine.store().db;
    // Another order's sealed fields: authenticated for that order (AES-GCM associated data), so they do not open here.
    const { confidential } = await db.selectFrom('order_revisions').select('confidential').where('order_id', '=', good.id).executeTakeFirstOrThrow();
    const { confidential: own } = await db.selectFrom('order_revisions').select('confidential').where('order_id', '=', damaged.id).executeTakeFirstOrThrow();
    await db.updateTable('order_revisions').set({ confidential }).where('order_id', '=', damaged.id).execute();
    await forgetTags(engine.store());

    const { backfill, lines } = backfillOf(world, { pauseMs: 0 });
    expect(await backfill.start()).toEqual({ indexed: 1, failed: [damaged.id], stopped: false });
    expect(await untagged(engine.store())).toEqual([]);
    expect(await db.selectFrom('orders').select(['customer_tag', 'item_code']).where('id', '=', damaged.id).executeTakeFirst()).toEqual({ customer_tag: UNREADABLE_CUSTOMER_TAG, item_code: 'GEAR-12' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.message).toBe(`order search index: 1 older order(s) indexed in the background; 1 could not be decrypted and stay out of customer search: ${damaged.id} (forgeline order reindex lists them all)`);

    // Looked at: nothing pending, so the next start does not scan it again, and the index counts as complete.
    expect(await world.services.orders.searchIndex.pending()).toBe(false);
    const again = backfillOf(world, { pauseMs: 0 });
    expect(await again.backfill.start()).toBeUndefined();
    expect(again.lines).toEqual([]);
    // A customer search says it cannot find the marked order.
    const page = await world.services.orders.queries.list(planner, { customer: 'ACME-42' });
    expect(page).toMatchObject({ items: [expect.objectContaining({ id: good.id })], customerIndexComplete: true, customerIndexUnreadable: 1 });

    // The manual reindex tries it again and names it while it stays unreadable; once the row is put right, indexes it.
    expect(await world.services.orders.searchIndex.reindex(SETUP_ADMIN, {})).toEqual({ indexed: 0, failed: [damaged.id], next: null });
    await db.updateTable('order_revisions').set({ confidential: own }).where('order_id', '=', damaged.id).execute();
    expect(await world.services.orders.searchIndex.reindex(SETUP_ADMIN, {})).toEqual({ indexed: 1, failed: [], next: null });
    const restored = await world.services.orders.queries.list(planner, { customer: 'ACME-42' });
    expect(restored.items.map((order) => order.id).sort()).toEqual([good.id, damaged.id].sort());
    expect(restored.customerIndexUnreadable).toBe(0);
  });

  it('fails the call on any error but an order not decrypting, and marks nothing: the orders wait for the next call', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    const first = await world.createOrder(planner, { customerReference: 'ACME-42' });
    const second = await world.createOrder(planner, { customerReference: 'Globex' });
    const db = engine.store().db;
    await forgetTags(engine.store());
    // The keyring lacks the KEK of one order's own data key (the search key opens): keyring-unavailable, not the order's fault.
    const { kek_id: kekId } = await db.selectFrom('order_data_keys').select('kek_id').where('order_id', '=', second.id).executeTakeFirstOrThrow();
    await db.updateTable('order_data_keys').set({ kek_id: 'kek-not-in-this-keyring' }).where('order_id', '=', second.id).execute();
    const refusal = await expectCode(world.services.orders.searchIndex.reindex(SETUP_ADMIN, {}), 'keyring-unavailable');
    expect(refusal.message).toContain(`the data key of order ${second.id}`);
    expect((await untagged(engine.store())).sort()).toEqual([first.id, second.id].sort());
    // The fill at start reports it as the keyring matter it is, and marks nothing either.
    const { backfill, lines } = backfillOf(world, { pauseMs: 0 });
    expect(await backfill.start()).toBeUndefined();
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', fields: { code: 'keyring-unavailable' } })]);
    expect((await untagged(engine.store())).sort()).toEqual([first.id, second.id].sort());

    // Anything unexpected (here content that is no JSON) fails the call as itself.
    await db.updateTable('order_data_keys').set({ kek_id: kekId }).where('order_id', '=', second.id).execute();
    await db.updateTable('order_revisions').set({ content: '{not json' }).where('order_id', '=', second.id).execute();
    await expect(world.services.orders.searchIndex.reindex(SETUP_ADMIN, {})).rejects.toThrow(SyntaxError);
    expect((await untagged(engine.store())).sort()).toEqual([first.id, second.id].sort());
    expect(await db.selectFrom('orders').select('id').where('customer_tag', '=', UNREADABLE_CUSTOMER_TAG).execute()).toEqual([]);
  });

  it('stops between batches when the server closes, without waiting for the pause, and says the next start goes on', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    for (let n = 0; n < 4; n += 1) await world.createOrder(planner);
    await forgetTags(engine.store());

    const { backfill, lines } = backfillOf(world, { batchSize: 1, pauseMs: 60_000 });
    const run = backfill.start();
    await expect.poll(async () => (await untagged(engine.store())).length, { timeout: 15_000 }).toBe(3);
    const began = Date.now();
    await backfill.stop();
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(await run).toEqual({ indexed: 1, failed: [], stopped: true });
    expect(await untagged(engine.store())).toHaveLength(3);
    expect(lines.map((line) => line.message)).toEqual(['order search index: 1 older order(s) indexed in the background before the server closed; the next start goes on']);
  });

  it('tells the operator when the keyring cannot open the search key, and the manual reindex refuses with keyring-unavailable', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    await world.createOrder(planner, { customerReference: 'ACME-42' });
    await forgetTags(engine.store());
    // Another process whose keyring lacks the KEK that wrapped the search key.
    const elsewhere = createServices({ store: engine.store(), clock: world.clock, auditIdentity: world.identity });
    const lines: SearchBackfillReport[] = [];
    expect(await new SearchIndexBackfill(elsewhere.orders.searchIndex, (line) => lines.push(line)).start()).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { code: 'keyring-unavailable' } });
    expect(lines[0]?.message).toMatch(/^order search index: older orders not indexed: the customer search key: .+; run forgeline order reindex once the keyring is available$/);
    await expectCode(elsewhere.orders.searchIndex.reindex(SETUP_ADMIN, {}), 'keyring-unavailable');
    expect(await untagged(engine.store())).toHaveLength(1);
  });
});

it('names at most 20 unreadable orders in its line and counts the rest', () => {
  const failed = Array.from({ length: 23 }, (_, n) => `order-${n}`);
  const line = describeBackfill({ indexed: 7, failed, stopped: false });
  expect(line.message).toMatch(/; 23 could not be decrypted and stay out of customer search: order-0, .*, order-19 and 3 more \(forgeline order reindex lists them all\)$/);
  expect(line.fields).toMatchObject({ indexed: 7, failed: 23 });
  expect((line.fields.failedOrders as string[])).toHaveLength(20);
});
