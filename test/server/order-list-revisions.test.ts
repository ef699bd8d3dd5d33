import { afterEach, beforeEach, expect, it } from 'vitest';
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

  it('lists an order\'s accepted changes with the reason of a hold, leaving out refusals and reads', async () => {
    const { call, tokens } = api;
    const id = await create('2026-12-03T18:00:00Z');
    let version = 1;
    const step = async (token: string, action: string, body: Record<string, unknown> = {}) => {
      const answer = await call('POST', `/api/v1/orders/${id}/${action}`, { token, body: { version, ...body } });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      version = answer.json.version;
    };
    await step(tokens.planner, 'submit', { note: 'ready for review' });
    const refused = await call('POST', `/api/v1/orders/${id}/release`, { token: tokens.approver, body: { version, password: 'wrong password here' } });
    expect(refused.json.code).toBe('signature-failed');
    await step(tokens.approver, 'release', { password: TEST_PASSWORD, totp: api.mfa.approver?.code(1) });
    await step(tokens.quality, 'hold', { reason: 'Coolant contamination suspected' });
    await call('GET', `/api/v1/orders/${id}?include=confidential`, { token: tokens.planner });
    const history = await call('GET', `/api/v1/orders/${id}/history`, { token: tokens.logistics });
    expect(history.status).toBe(200);
    expect(history.json.items.map((event: { action: string; reason: string | null; note: string | null }) => [event.action, event.reason, event.note])).toEqual([
      ['create', null, null], ['submit', null, 'ready for review'], ['release', null, null], ['hold', 'Coolant contamination suspected', null],
    ]);
    expect(history.json.items[3]).toMatchObject({ actor: 'quality.one', revision: 1 });
    expect((await call('GET', '/api/v1/orders/00000000-0000-4000-8000-000000000000/history', { token: tokens.planner })).json.code).toBe('not-found');
  });
});
