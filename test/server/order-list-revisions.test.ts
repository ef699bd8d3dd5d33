import { afterEach, beforeEach, expect, it } from 'vitest';
import { dueEndUtcMigration } from '../../src/store/migration-0012-due-end-utc.js';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('order list by due date, one revision with its content, and the history of changes', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const create = async (end: string): Promise<string> => {
    const created = await api.call('POST', '/api/v1/orders', { token: api.tokens.planner, body: api.world.orderInput({ dueWindow: { start: '2026-12-01T06:00:00Z', end } }) });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return created.json.id as string;
  };

  /** Order `id` moved through commands, each sent with the version the previous answer gave. */
  const lifecycleOf = (id: string) => {
    const order = {
      version: 1,
      async step(token: string, action: string, body: Record<string, unknown> = {}): Promise<void> {
        const answer = await api.call('POST', `/api/v1/orders/${id}/${action}`, { token, body: { version: order.version, ...body } });
        expect(answer.status, JSON.stringify(answer.json)).toBe(200);
        order.version = answer.json.version;
      },
    };
    return order;
  };

  it('filters the list by due end, bounds included', async () => {
    const early = await create('2026-12-03T18:00:00Z');
    const late = await create('2026-12-20T18:00:00Z');
    const ids = async (query: string) => (await api.call('GET', `/api/v1/orders?${query}`, { token: api.tokens.planner })).json.items.map((order: { id: string }) => order.id);
    expect(await ids('dueTo=2026-12-03T18:00:00Z')).toEqual([early]);
    expect((await ids('dueFrom=2026-12-03T18:00:00.000Z&dueTo=2026-12-31T00:00:00Z')).sort()).toEqual([late, early].sort());
    expect(await ids('dueFrom=2026-12-04T00:00:00%2B00:00')).toEqual([late]);
    const bad = await api.call('GET', '/api/v1/orders?dueFrom=tomorrow', { token: api.tokens.planner });
    expect(bad).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });

  it('stores a due end written with an offset or milliseconds as UTC to the second, so the filters compare instants', async () => {
    // 19:30+01:00 is 18:30Z: by its text it would sort after 18:45Z.
    const offset = await create('2026-12-03T19:30:00+01:00');
    const later = await create('2026-12-03T18:45:00.250Z');
    const ids = async (query: string) => (await api.call('GET', `/api/v1/orders?${query}`, { token: api.tokens.planner })).json.items.map((order: { id: string }) => order.id);
    expect(await ids('dueTo=2026-12-03T18:40:00Z')).toEqual([offset]);
    expect(await ids('dueFrom=2026-12-03T18:40:00Z')).toEqual([later]);
    expect(await ids('dueFrom=2026-12-03T18:30:00.500Z&dueTo=2026-12-03T18:50:00Z')).toEqual([later]);
    const order = await api.call('GET', `/api/v1/orders/${offset}`, { token: api.tokens.planner });
    expect(order.json).toMatchObject({ dueEnd: '2026-12-03T18:30:00Z', content: { dueWindow: { end: '2026-12-03T19:30:00+01:00' } } });
    // Rows written before migration 0012 are rewritten by it.
    const db = api.world.services.store.db;
    await db.updateTable('orders').set({ due_end: '2026-12-03T19:30:00.000+01:00' }).where('id', '=', offset).execute();
    await dueEndUtcMigration().up(db as never);
    expect(await db.selectFrom('orders').select(['id', 'due_end']).where('id', 'in', [offset, later]).orderBy('due_end').execute()).toEqual([
      { id: offset, due_end: '2026-12-03T18:30:00Z' }, { id: later, due_end: '2026-12-03T18:45:00Z' },
    ]);
  });

  it('answers each revision with its content, confidential fields only when asked by a role that may see them', async () => {
    const id = await create('2026-12-03T18:00:00Z');
    const edited = await api.call('PATCH', `/api/v1/orders/${id}`, { token: api.tokens.planner, body: { version: 1, quantity: { value: '150', unit: 'pcs' } } });
    expect(edited.status, JSON.stringify(edited.json)).toBe(200);
    const first = await api.call('GET', `/api/v1/orders/${id}/revisions/1`, { token: api.tokens.planner });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ revision: 1, content: { quantity: { value: '100', unit: 'pcs' } }, confidentialFields: [] });
    expect(first.json.content).not.toHaveProperty('parameters');
    const list = await api.call('GET', `/api/v1/orders/${id}/revisions`, { token: api.tokens.planner });
    expect(first.json.contentHash).toBe(list.json.items[0].contentHash);
    const second = await api.call('GET', `/api/v1/orders/${id}/revisions/2?include=confidential`, { token: api.tokens.planner });
    expect(second.json).toMatchObject({ revision: 2, content: { quantity: { value: '150' }, parameters: { recipe: 'GEAR-12-MILL-v3' } }, contentHash: edited.json.contentHash });
    const refused = await api.call('GET', `/api/v1/orders/${id}/revisions/1?include=confidential`, { token: api.tokens.logistics });
    expect(refused.status).toBe(403);
    for (const revision of ['3', '0', 'x']) {
      expect((await api.call('GET', `/api/v1/orders/${id}/revisions/${revision}`, { token: api.tokens.planner })).json.code).toBe('not-found');
    }
  });

  it('shows an operator the parameters of the dispatched revision only, and audits the revision read', async () => {
    const { call, tokens } = api;
    const id = await create('2026-12-03T18:00:00Z');
    const order = lifecycleOf(id);
    const edited = await call('PATCH', `/api/v1/orders/${id}`, { token: tokens.planner, body: { version: order.version, parameters: { recipe: 'DRAFT-RECIPE-NEVER-RELEASED', setpoints: [] } } });
    expect(edited.status, JSON.stringify(edited.json)).toBe(200);
    order.version = edited.json.version;
    await order.step(tokens.planner, 'submit');
    await order.step(tokens.approver, 'release', { password: TEST_PASSWORD, totp: api.mfa.approver?.code(1) });
    await order.step(tokens.planner, 'dispatch');
    const released = await call('GET', `/api/v1/orders/${id}/revisions/2?include=confidential`, { token: tokens.operator });
    expect(released.json, JSON.stringify(released.json)).toMatchObject({ revision: 2, content: { parameters: { recipe: 'DRAFT-RECIPE-NEVER-RELEASED' } }, confidentialFields: ['parameters'] });
    const draft = await call('GET', `/api/v1/orders/${id}/revisions/1?include=confidential`, { token: tokens.operator });
    expect(draft.status).toBe(403);
    expect(JSON.stringify(draft.json)).not.toContain('GEAR-12-MILL-v3');
    const plain = await call('GET', `/api/v1/orders/${id}/revisions/1`, { token: tokens.operator });
    expect(plain.json.content).not.toHaveProperty('parameters');
    const planner = await call('GET', `/api/v1/orders/${id}/revisions/1?include=confidential`, { token: tokens.planner });
    expect(planner.json.content.parameters.recipe).toBe('GEAR-12-MILL-v3');
    const audit = await call('GET', `/api/v1/audit/entries?orderId=${id}&kind=order.read-confidential`, { token: tokens.auditor });
    expect(audit.json.items.map((entry: { actor: string; outcome: string; revision: number }) => [entry.actor, entry.outcome, entry.revision])).toEqual([
      ['operator.one', 'ok', 2], ['operator.one', 'denied', 1], ['planner.one', 'ok', 1],
    ]);
  });

  it('lists an order\'s accepted changes with the reason of a hold, leaving out refusals and reads', async () => {
    const { call, tokens } = api;
    const id = await create('2026-12-03T18:00:00Z');
    const order = lifecycleOf(id);
    await order.step(tokens.planner, 'submit', { note: 'ready for review' });
    const refused = await call('POST', `/api/v1/orders/${id}/release`, { token: tokens.approver, body: { version: order.version, password: 'wrong password here' } });
    expect(refused.json.code).toBe('signature-failed');
    await order.step(tokens.approver, 'release', { password: TEST_PASSWORD, totp: api.mfa.approver?.code(1) });
    await order.step(tokens.quality, 'hold', { reason: 'Coolant contamination suspected' });
    await call('GET', `/api/v1/orders/${id}?include=confidential`, { token: tokens.planner });
    const history = await call('GET', `/api/v1/orders/${id}/history`, { token: tokens.logistics });
    expect(history.status).toBe(200);
    expect(history.json.items.map((event: { action: string; reason: string | null; note: string | null }) => [event.action, event.reason, event.note])).toEqual([
      ['create', null, null], ['submit', null, 'ready for review'], ['release', null, null], ['hold', 'Coolant contamination suspected', null],
    ]);
    expect(history.json.items[3]).toMatchObject({ actor: 'quality.one', revision: 1 });
    expect((await call('GET', '/api/v1/orders/00000000-0000-4000-8000-000000000000/history', { token: tokens.planner })).json.code).toBe('not-found');
  });

  it('pages an order\'s history by entry index, both ways, with progress reports, and writes nothing to answer', async () => {
    const { call, tokens } = api;
    const id = await create('2026-12-03T18:00:00Z');
    const order = lifecycleOf(id);
    await order.step(tokens.planner, 'submit');
    await order.step(tokens.approver, 'release', { password: TEST_PASSWORD, totp: api.mfa.approver?.code(1) });
    // The auditor's read fills the lookup up to here: the pages below join its part and the log's tail.
    expect((await call('GET', `/api/v1/audit/entries?orderId=${id}`, { token: tokens.auditor })).status).toBe(200);
    await order.step(tokens.planner, 'dispatch');
    await order.step(tokens.operator, 'start');
    for (let i = 0; i < 3; i++) await order.step(tokens.operator, 'progress', { operationSeq: 20, good: '10' });
    const expected = ['create', 'submit', 'release', 'dispatch', 'start', 'progress', 'progress', 'progress'];
    const lookupRows = async () => Number((await api.world.services.store.db.selectFrom('audit_lookup').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const lookupBefore = await lookupRows();
    const walk = async (order: string) => {
      const actions: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; json: { items: { action: string }[]; nextCursor: string | null } } = await call('GET', `/api/v1/orders/${id}/history?limit=3&order=${order}${cursor ? `&cursor=${cursor}` : ''}`, { token: tokens.logistics });
        expect(page.status, JSON.stringify(page.json)).toBe(200);
        expect(page.json.items.length).toBeLessThanOrEqual(3);
        actions.push(...page.json.items.map((event) => event.action));
        cursor = page.json.nextCursor;
      } while (cursor !== null);
      return actions;
    };
    expect(await walk('oldest-first')).toEqual(expected);
    expect(await walk('newest-first')).toEqual([...expected].reverse());
    expect(await lookupRows()).toBe(lookupBefore);
    const first = await call('GET', `/api/v1/orders/${id}/history`, { token: tokens.logistics });
    expect(first.json).toMatchObject({ nextCursor: null });
    expect(first.json.items).toHaveLength(expected.length);
    for (const query of ['limit=501', 'limit=0', 'cursor=abc', 'order=sideways']) {
      expect((await call('GET', `/api/v1/orders/${id}/history?${query}`, { token: tokens.logistics })).json.code).toBe('validation-failed');
    }
  });
});
