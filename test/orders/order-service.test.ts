import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { ForgelineError, type OrderDetail } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, TEST_PASSWORD, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

describeEachEngine('order service', (engine) => {
  let world: TestWorld;
  let planner: Actor;
  let approver: Actor;
  let operator: Actor;
  let quality: Actor;

  const audit = async (orderId?: string) => {
    let query = engine.store().db.selectFrom('audit_entries').selectAll().orderBy('idx');
    if (orderId) query = query.where('order_id', '=', orderId);
    return query.execute();
  };
  const act = (actor: Actor, order: OrderDetail, command: Parameters<TestWorld['services']['orders']['perform']>[2], body: Record<string, unknown> = {}) =>
    world.services.orders.perform(actor, order.id, command, { version: order.version, ...body });

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planner = await world.user('pia.planner', ['planner']);
    approver = await world.user('alan.approver', ['approver']);
    operator = await world.user('otto.operator', ['operator']);
    quality = await world.user('quinn.quality', ['quality']);
  });

  it('takes an order from draft to closed, one audit entry per change with the content hash', async () => {
    let order = await world.createOrder(planner);
    expect(order).toMatchObject({ state: 'draft', revision: 1, version: 1, goodQuantity: '0' });
    expect(order.contentHash).toMatch(/^[0-9a-f]{64}$/);
    order = await act(planner, order, 'submit');
    order = await act(approver, order, 'release', { password: TEST_PASSWORD, meaning: 'approved for production' });
    expect(order.signatures).toEqual([expect.objectContaining({ signer: 'alan.approver', meaning: 'approved for production', revision: 1, contentHash: order.contentHash })]);
    order = await act(planner, order, 'dispatch');
    order = await act(operator, order, 'start');
    order = await act(operator, order, 'progress', { operationSeq: 10, good: '60.5', scrap: '0.1', lots: [{ materialLine: 1, lot: 'HEAT-4471', quantity: '7.25' }] });
    order = await act(operator, order, 'pause');
    order = await act(operator, order, 'resume');
    order = await act(operator, order, 'progress', { operationSeq: 20, good: '39.5', scrap: '0.2' });
    // Good parts count where they leave the last operation; scrap counts at every step.
    expect(order).toMatchObject({ goodQuantity: '39.5', scrapQuantity: '0.3' });
    order = await act(operator, order, 'complete');
    order = await act(approver, order, 'close', { password: TEST_PASSWORD });
    expect(order).toMatchObject({ state: 'closed', version: 11, revision: 1 });
    expect(order.signatures.map((signature) => [signature.action, signature.meaning])).toEqual([
      ['release', 'approved for production'], ['close', 'production record reviewed and closed'],
    ]);
    expect(order.progress.map((report) => report.seq)).toEqual([1, 2]);

    const entries = await audit(order.id);
    expect(entries.map((entry) => entry.kind)).toEqual([
      'order.create', 'order.submit', 'order.release', 'order.dispatch', 'order.start', 'order.progress',
      'order.pause', 'order.resume', 'order.progress', 'order.complete', 'order.close',
    ]);
    expect(entries.every((entry) => entry.outcome === 'ok' && entry.hash_after === order.contentHash)).toBe(true);
    expect(entries.find((entry) => entry.kind === 'order.release')).toMatchObject({ actor: 'alan.approver', revision: 1, source: '127.0.0.1' });
    const all = await audit();
    expect(all.map((entry) => Number(entry.idx))).toEqual(all.map((_, index) => index));
    // The log proves what happened without leaking what is confidential.
    for (const entry of all) expect(entry.entry).not.toMatch(/GEAR-12-MILL-v3|CUST-7781|spindle-rpm/);
  });

  it('refuses a change made against a stale version, changes nothing and writes no entry', async () => {
    const order = await world.createOrder(planner);
    await act(planner, order, 'submit');
    const before = await audit();
    await expectCode(act(planner, order, 'cancel', { reason: 'duplicate' }), 'stale-version');
    expect(await audit()).toHaveLength(before.length);
    expect((await world.services.orders.queries.get(planner, order.id)).state).toBe('submitted');
  });

  it('refuses a transition the lifecycle table does not allow', async () => {
    const order = await world.createOrder(planner);
    await expectCode(act(operator, order, 'start'), 'illegal-transition');
    await expectCode(act(operator, order, 'complete'), 'illegal-transition');
    await expectCode(act(planner, order, 'release', { password: TEST_PASSWORD }), 'forbidden');
    expect((await world.services.orders.queries.get(planner, order.id)).state).toBe('draft');
  });

  it('lets nobody release their own order, and no admin release at all; each refusal is audited', async () => {
    const both = await world.user('bea.both', ['planner', 'approver']);
    let order = await world.createOrder(both);
    order = await act(both, order, 'submit');
    await expectCode(act(both, order, 'release', { password: TEST_PASSWORD }), 'separation-of-duties');
    const adminApprover = await world.user('adam.admin', ['admin', 'approver']);
    await expectCode(act(adminApprover, order, 'release', { password: TEST_PASSWORD }), 'separation-of-duties');
    const denials = (await audit(order.id)).filter((entry) => entry.outcome === 'denied');
    expect(denials.map((entry) => [entry.kind, entry.actor])).toEqual([['order.release', 'bea.both'], ['order.release', 'adam.admin']]);
    expect((await act(approver, order, 'release', { password: TEST_PASSWORD })).state).toBe('released');
  });

  it('decides on the order as it is: a release checked on an old copy is refused, not applied', async () => {
    // Someone holding both roles sends a release for a version the order will only reach once
    // they have edited and submitted it themselves, hoping the policy looks at the old copy.
    const both = await world.user('bea.both', ['planner', 'approver']);
    const order = await world.createOrder(planner);
    // Settled into a value at once: it may be refused before the edit below is even done.
    const release = world.services.orders.perform(both, order.id, 'release', { version: 3, password: TEST_PASSWORD }).then(
      () => 'released',
      (error: unknown) => error,
    );
    const edited = await world.services.orders.edit(both, order.id, { version: 1, notes: 'my change' });
    await act(both, edited, 'submit');
    // Refused either way: on the old copy the version no longer matches inside the transaction;
    // read after the edit (a busy PostgreSQL pool may delay its first read), bea is now an author.
    const refusal = await release;
    expect(refusal).toBeInstanceOf(ForgelineError);
    expect(['stale-version', 'separation-of-duties']).toContain((refusal as ForgelineError).code);
    const now = await world.services.orders.queries.get(planner, order.id);
    expect(now).toMatchObject({ state: 'submitted', signatures: [] });
    await expectCode(act(both, now, 'release', { password: TEST_PASSWORD }), 'separation-of-duties');
  });

  it('refuses a release whose electronic signature password is wrong', async () => {
    let order = await world.createOrder(planner);
    order = await act(planner, order, 'submit');
    await expectCode(act(approver, order, 'release', { password: 'not the password' }), 'signature-failed');
    const last = (await audit(order.id)).at(-1);
    expect(last).toMatchObject({ kind: 'order.release', outcome: 'denied', actor: 'alan.approver' });
    expect((await world.services.orders.queries.get(planner, order.id)).state).toBe('submitted');
  });

  it('holds and releases holds; a running order comes back paused', async () => {
    let order = await world.createOrder(planner);
    order = await act(planner, order, 'submit');
    order = await act(approver, order, 'release', { password: TEST_PASSWORD });
    order = await act(quality, order, 'hold', { reason: 'supplier lot under review' });
    expect(order).toMatchObject({ state: 'held', heldFrom: 'released' });
    await expectCode(act(quality, order, 'hold', { reason: 'again' }), 'illegal-transition');
    await expectCode(act(quality, order, 'unhold'), 'validation-failed');
    await expectCode(act(quality, order, 'unhold', { password: 'not the password' }), 'signature-failed');
    order = await act(quality, order, 'unhold', { password: TEST_PASSWORD, meaning: 'supplier certificate received' });
    expect(order).toMatchObject({ state: 'released', heldFrom: null });
    expect(order.signatures.at(-1)).toMatchObject({ signer: 'quinn.quality', action: 'unhold', meaning: 'supplier certificate received', contentHash: order.contentHash });
    order = await act(planner, order, 'dispatch');
    order = await act(operator, order, 'start');
    order = await act(quality, order, 'hold', { reason: 'gauge out of calibration' });
    order = await act(quality, order, 'unhold', { password: TEST_PASSWORD });
    expect(order.state).toBe('paused');
  });

  it('cancels before release by the planner, after release only by an approver, always with a reason', async () => {
    const draft = await world.createOrder(planner);
    await expectCode(world.services.orders.perform(planner, draft.id, 'cancel', { version: 1 }), 'validation-failed');
    expect((await act(planner, draft, 'cancel', { reason: 'customer withdrew' })).state).toBe('cancelled');

    let order = await world.createOrder(planner);
    order = await act(planner, order, 'submit');
    order = await act(approver, order, 'release', { password: TEST_PASSWORD });
    await expectCode(act(planner, order, 'cancel', { reason: 'changed my mind' }), 'forbidden');
    await expectCode(act(approver, order, 'cancel', { reason: 'material shortage' }), 'validation-failed');
    order = await act(approver, order, 'cancel', { reason: 'material shortage', password: TEST_PASSWORD });
    expect(order.state).toBe('cancelled');
    expect(order.signatures.at(-1)).toMatchObject({ action: 'cancel', meaning: 'cancelled after release' });
    expect((await audit(order.id)).at(-1)).toMatchObject({ kind: 'order.cancel', outcome: 'ok' });
    expect(JSON.parse((await audit(order.id)).at(-1)?.detail ?? '{}')).toMatchObject({ reason: 'material shortage', from: 'released', to: 'cancelled' });
  });

  it('checks progress against the routing and the bill of materials', async () => {
    let order = await world.createOrder(planner);
    order = await act(planner, order, 'submit');
    order = await act(approver, order, 'release', { password: TEST_PASSWORD });
    order = await act(planner, order, 'dispatch');
    order = await act(operator, order, 'start');
    await expectCode(act(operator, order, 'progress', { operationSeq: 99, good: '1' }), 'validation-failed');
    await expectCode(act(operator, order, 'progress', { operationSeq: 10, good: '1', lots: [{ materialLine: 7, lot: 'X', quantity: '1' }] }), 'validation-failed');
    await expectCode(act(operator, order, 'progress', { operationSeq: 10, good: '-1' }), 'validation-failed');
    await expectCode(act(operator, order, 'progress', { operationSeq: 10, good: 1 }), 'validation-failed');
    await expectCode(world.createOrder(planner, { materials: [{ line: 1, itemCode: 'NO-SUCH-ITEM', quantity: { value: '1', unit: 'kg' }, lotTracked: false }] }), 'unknown-reference');
    const reloaded = await world.services.orders.queries.get(operator, order.id);
    expect(reloaded).toMatchObject({ version: order.version, goodQuantity: '0' });
    const sum = await act(operator, reloaded, 'progress', { operationSeq: 20, good: '0.1' });
    expect((await act(operator, sum, 'progress', { operationSeq: 20, good: '0.2' })).goodQuantity).toBe('0.3');
  });

  it('edits drafts into new immutable revisions and refuses edits after submission', async () => {
    let order = await world.createOrder(planner);
    const firstHash = order.contentHash;
    order = await world.services.orders.edit(planner, order.id, { version: 1, quantity: { value: '120', unit: 'pcs' } });
    expect(order).toMatchObject({ revision: 2, version: 2 });
    expect(order.contentHash).not.toBe(firstHash);
    const revisions = await world.services.orders.queries.revisions(planner, order.id);
    expect(revisions.map((revision) => [revision.revision, revision.contentHash])).toEqual([[1, firstHash], [2, order.contentHash]]);
    await expectCode(world.services.orders.edit(planner, order.id, { version: 2, number: 'PO-OTHER' }), 'validation-failed');
    await expectCode(world.services.orders.edit(planner, order.id, { version: 2, operations: [{ seq: 10, code: 'A', description: 'a' }, { seq: 10, code: 'B', description: 'b' }] }), 'validation-failed');
    order = await act(planner, order, 'submit');
    await expectCode(world.services.orders.edit(planner, order.id, { version: order.version, notes: 'late change' }), 'illegal-transition');
    const edit = (await audit(order.id)).find((entry) => entry.kind === 'order.edit');
    expect(edit).toMatchObject({ hash_before: firstHash, hash_after: order.contentHash, revision: 2 });
  });

  it('returns the first order for a retried create with the same idempotency key', async () => {
    const input = world.orderInput();
    const first = await world.services.orders.create(planner, input, 'retry-1');
    const again = await world.services.orders.create(planner, input, 'retry-1');
    expect(again.id).toBe(first.id);
    await expectCode(world.services.orders.create(planner, { ...input, notes: 'different' }, 'retry-1'), 'idempotency-key-reused');
    const concurrentInput = world.orderInput();
    const results = await Promise.all(Array.from({ length: 5 }, () => world.services.orders.create(planner, concurrentInput, 'retry-2')));
    expect(new Set(results.map((order) => order.id)).size).toBe(1);
    const creates = (await audit()).filter((entry) => entry.kind === 'order.create' && entry.outcome === 'ok');
    expect(creates).toHaveLength(2);
  });

  it('keeps each site to its own people: another site neither sees nor creates', async () => {
    const lyonPlanner = await world.user('lea.lyon', [{ role: 'planner', scopeNodeId: world.node('lyon').id }]);
    const berlinOrder = await world.createOrder(planner);
    await world.createOrder(lyonPlanner, { workCenterId: world.node('wc-press').id });
    await expectCode(world.createOrder(lyonPlanner), 'forbidden');
    await expectCode(world.services.orders.queries.get(lyonPlanner, berlinOrder.id), 'not-found');
    await expectCode(world.services.orders.perform(lyonPlanner, berlinOrder.id, 'submit', { version: 1 }), 'not-found');
    const page = await world.services.orders.queries.list(lyonPlanner, {});
    expect(page.items.map((order) => order.workCenterId)).toEqual([world.node('wc-press').id]);
    expect((await world.services.orders.queries.list(planner, {})).items).toHaveLength(2);
    const denial = (await audit()).filter((entry) => entry.outcome === 'denied');
    expect(denial).toEqual([
      expect.objectContaining({ kind: 'order.create', actor: 'lea.lyon' }),
      expect.objectContaining({ kind: 'order.submit', actor: 'lea.lyon', order_id: berlinOrder.id }),
    ]);
  });

  it('lists by scope inside the query: site, area and work-center scopes, and filters outside the scope', async () => {
    const lyonPlanner = await world.user('lea.lyon', [{ role: 'planner', scopeNodeId: world.node('lyon').id }]);
    const mill = await world.createOrder(planner);
    const lathe = await world.createOrder(planner, { workCenterId: world.node('wc-lathe').id });
    const press = await world.createOrder(lyonPlanner, { workCenterId: world.node('wc-press').id });
    const ids = async (actor: Actor, query: Record<string, unknown> = {}) => (await world.services.orders.queries.list(actor, query)).items.map((order) => order.id).sort();
    const millOperator = await world.user('mo.mill', [{ role: 'operator', scopeNodeId: world.node('wc-mill').id }]);
    const machiningQuality = await world.user('ma.quality', [{ role: 'quality', scopeNodeId: world.node('machining').id }]);
    const twoPlaces = await world.user('tw.places', [{ role: 'logistics', scopeNodeId: world.node('wc-mill').id }, { role: 'logistics', scopeNodeId: world.node('lyon').id }]);
    expect(await ids(millOperator)).toEqual([mill.id]);
    expect(await ids(machiningQuality)).toEqual([mill.id, lathe.id].sort());
    expect(await ids(twoPlaces)).toEqual([mill.id, press.id].sort());
    expect(await ids(lyonPlanner, { workCenterId: world.node('wc-mill').id })).toEqual([]);
    expect(await ids(lyonPlanner, { siteId: world.node('berlin').id })).toEqual([]);
    expect(await ids(twoPlaces, { siteId: world.node('berlin').id })).toEqual([mill.id]);
    expect(await ids(twoPlaces, { workCenterId: world.node('wc-press').id })).toEqual([press.id]);
    expect(await ids(planner, { siteId: world.node('lyon').id })).toEqual([press.id]);
  });

  it('returns confidential fields only to roles that need them, auditing each read and refusal', async () => {
    const logistics = await world.user('lou.logistics', ['logistics']);
    const order = await world.createOrder(planner);
    const plain = await world.services.orders.queries.get(logistics, order.id);
    expect(plain.content).not.toHaveProperty('parameters');
    expect(plain.content).not.toHaveProperty('customerReference');
    await expectCode(world.services.orders.queries.get(logistics, order.id, { includeConfidential: true }), 'forbidden');
    const full = await world.services.orders.queries.get(quality, order.id, { includeConfidential: true });
    expect(full.content.parameters?.recipe).toBe('GEAR-12-MILL-v3');
    expect(full.content.customerReference).toBe('CUST-7781');
    expect(full.confidentialFields).toEqual(['parameters', 'customerReference']);
    // An operator needs the recipe only once the order is on the floor, and never the customer.
    await expectCode(world.services.orders.queries.get(operator, order.id, { includeConfidential: true }), 'forbidden');
    const submitted = await act(planner, order, 'submit');
    const dispatched = await act(planner, await act(approver, submitted, 'release', { password: TEST_PASSWORD }), 'dispatch');
    expect(dispatched.state).toBe('dispatched');
    const onTheFloor = await world.services.orders.queries.get(operator, order.id, { includeConfidential: true });
    expect(onTheFloor.content.parameters?.recipe).toBe('GEAR-12-MILL-v3');
    expect(onTheFloor.content).not.toHaveProperty('customerReference');
    expect(onTheFloor.confidentialFields).toEqual(['parameters']);
    const reads = (await audit(order.id)).filter((entry) => entry.kind === 'order.read-confidential');
    expect(reads.map((entry) => [entry.actor, entry.outcome, JSON.parse(entry.detail).fields ?? null])).toEqual([
      ['lou.logistics', 'denied', null], ['quinn.quality', 'ok', ['parameters', 'customerReference']], ['otto.operator', 'denied', null], ['otto.operator', 'ok', ['parameters']],
    ]);
  });

  it('shows an operator the recipe only of orders dispatched to their own work center', async () => {
    const millOperator = await world.user('mo.mill', [{ role: 'operator', scopeNodeId: world.node('wc-mill').id }]);
    let order = await world.createOrder(planner);
    order = await act(planner, order, 'submit');
    order = await act(approver, order, 'release', { password: TEST_PASSWORD });
    order = await act(planner, order, 'dispatch');
    const press = await world.createOrder(planner, { number: 'PO-PRESS-1', workCenterId: world.node('wc-press').id });
    expect(order.workCenterId).toBe(world.node('wc-mill').id);
    expect((await world.services.orders.queries.get(millOperator, order.id, { includeConfidential: true })).confidentialFields).toEqual(['parameters']);
    await expectCode(world.services.orders.queries.get(millOperator, press.id, { includeConfidential: true }), 'not-found');
  });

  it('pages the list newest first with a cursor and filters by state', async () => {
    for (let index = 0; index < 5; index += 1) {
      await world.createOrder(planner);
      world.clock.advance(1000);
    }
    const first = await world.services.orders.queries.list(planner, { limit: 2 });
    const second = await world.services.orders.queries.list(planner, { limit: 2, cursor: first.nextCursor });
    const third = await world.services.orders.queries.list(planner, { limit: 2, cursor: second.nextCursor });
    const numbers = [...first.items, ...second.items, ...third.items].map((order) => order.createdAt);
    expect(numbers).toEqual([...numbers].sort().reverse());
    expect(new Set(numbers).size).toBe(5);
    expect(third.nextCursor).toBeNull();
    expect((await world.services.orders.queries.list(planner, { state: 'submitted' })).items).toEqual([]);
    await expectCode(world.services.orders.queries.list(planner, { cursor: 'bm90LWEtY3Vyc29y' }), 'validation-failed');
  });

  it('writes a change and its audit entry together or not at all', async () => {
    const order = await world.createOrder(planner);
    const db = engine.store().db;
    if (engine.kind === 'sqlite') {
      await sql`create trigger refuse_audit before insert on audit_entries begin select raise(abort, 'audit refused'); end`.execute(db);
    } else {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$`.execute(db);
      await sql`create trigger refuse_audit before insert on audit_entries for each row execute function refuse_audit()`.execute(db);
    }
    await expect(act(planner, order, 'submit')).rejects.toThrow(/audit refused/);
    const after = await db.selectFrom('orders').select(['state', 'version']).where('id', '=', order.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ state: 'draft', version: 1 });
  });
});

