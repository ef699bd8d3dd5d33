import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('bad input', (engine) => {
  let api: ApiHarness;
  const counts = async () => {
    const db = engine.store().db;
    const [orders, revisions, audit] = await Promise.all([
      db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('order_revisions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('audit_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('outcome', '=', 'ok').executeTakeFirstOrThrow(),
    ]);
    return { orders: Number(orders.n), revisions: Number(revisions.n), okEntries: Number(audit.n) };
  };
  const expectProblem = (response: Awaited<ReturnType<ApiHarness['call']>>, status: number, code: string) => {
    expect(response.status, JSON.stringify(response.json)).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({ status, code, type: `urn:forgeline:problem:${code}` });
    expect(typeof response.json.detail).toBe('string');
    expect(JSON.stringify(response.json)).not.toMatch(/at .+\.(ts|js):\d+/);
  };

  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  it('answers malformed, mistyped, oversized and poisoned bodies with a problem and changes nothing', async () => {
    const { call, tokens, world } = api;
    const before = await counts();
    const post = (options: Parameters<ApiHarness['call']>[2]) => call('POST', '/api/v1/orders', { token: tokens.planner, ...options });
    expectProblem(await post({ payload: '{"number": "PO-1",', headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
    expectProblem(await post({ payload: '', headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
    expectProblem(await post({ body: { ...world.orderInput(), quantity: { value: 100, unit: 'pcs' } } }), 400, 'validation-failed');
    const unknown = await post({ body: { ...world.orderInput(), sneaky: true } });
    expectProblem(unknown, 400, 'validation-failed');
    expect(unknown.json.problems).toEqual([{ path: '(body)', message: 'unknown field(s): sneaky' }]);
    expectProblem(await post({ payload: JSON.stringify({ ...world.orderInput(), notes: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }), 413, 'body-too-large');
    expectProblem(await post({ payload: 'number=PO-1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported-media-type');
    expectProblem(await post({ payload: 'PO-1', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');
    const input = JSON.stringify(world.orderInput());
    expectProblem(await post({ payload: `${input.slice(0, -1)},"__proto__":{"isAdmin":true}}`, headers: { 'content-type': 'application/json' } }), 400, 'forbidden-key');
    expectProblem(await post({ payload: input.replace('"item":{', '"item":{"constructor":{"prototype":{"polluted":1}},'), headers: { 'content-type': 'application/json' } }), 400, 'forbidden-key');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expectProblem(await post({ body: world.orderInput({ number: "PO-1'; DROP TABLE orders; --" }) }), 400, 'validation-failed');
    expectProblem(await post({ body: world.orderInput({ notes: 'fine \u202Egnp.exe' }) }), 400, 'validation-failed');
    expectProblem(await post({ body: world.orderInput({ workCenterId: world.node('berlin').id }) }), 422, 'unknown-reference');
    expect(await counts()).toEqual(before);

    // SQL in free text is data: stored verbatim, executed never.
    const sqlNote = "Robert'); DROP TABLE orders;--";
    const stored = await post({ body: world.orderInput({ notes: sqlNote }) });
    expect(stored.status).toBe(201);
    expect(stored.json.content.notes).toBe(sqlNote);
    expect((await counts()).orders).toBe(before.orders + 1);
  });

  it('refuses missing and wrong credentials the same way for unknown users and wrong passwords', async () => {
    const { call, tokens } = api;
    expectProblem(await call('GET', '/api/v1/orders'), 401, 'unauthenticated');
    expectProblem(await call('GET', '/api/v1/orders', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }), 401, 'unauthenticated');
    expectProblem(await call('GET', '/api/v1/orders', { token: `${tokens.planner.slice(0, -2)}xx` }), 401, 'unauthenticated');
    const wrong = await call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: 'wrong password!' } });
    const missing = await call('POST', '/api/v1/sessions', { body: { username: 'nobody.here', password: 'wrong password!' } });
    expectProblem(wrong, 401, 'invalid-credentials');
    expectProblem(missing, 401, 'invalid-credentials');
    expect(wrong.json.detail).toBe(missing.json.detail);
    const denied = await engine.store().db.selectFrom('audit_entries').select(['kind', 'outcome', 'actor']).where('outcome', '=', 'denied').execute();
    expect(denied).toEqual([
      { kind: 'session.create', outcome: 'denied', actor: 'planner.one' },
      { kind: 'session.create', outcome: 'denied', actor: 'nobody.here' },
    ]);
  });

  it('answers unknown ids, routes and query parameters, illegal and stale changes, and forbidden actions', async () => {
    const { call, tokens, world } = api;
    expectProblem(await call('GET', '/api/v1/orders/not-a-uuid', { token: tokens.planner }), 404, 'not-found');
    expectProblem(await call('GET', '/api/v1/orders/6f1c1b8e-7c55-4d0a-9a57-0b6f5b7c1e11', { token: tokens.planner }), 404, 'not-found');
    expectProblem(await call('POST', '/api/v1/orders/6f1c1b8e-7c55-4d0a-9a57-0b6f5b7c1e11/submit', { token: tokens.planner, body: { version: 1 } }), 404, 'not-found');
    expectProblem(await call('GET', '/api/v1/nothing-here', { token: tokens.planner }), 404, 'route-not-found');
    expectProblem(await call('POST', '/api/v1/orders/x/explode', { token: tokens.planner, body: {} }), 404, 'route-not-found');
    expectProblem(await call('GET', '/api/v1/orders?limit=100000', { token: tokens.planner }), 400, 'validation-failed');
    expectProblem(await call('GET', '/api/v1/orders?sort=evil', { token: tokens.planner }), 400, 'validation-failed');
    expectProblem(await call('GET', '/api/v1/audit/entries?after=abc', { token: tokens.auditor }), 400, 'validation-failed');

    const order = (await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() })).json;
    const before = await counts();
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/start`, { token: tokens.operator, body: { version: 1 } }), 409, 'illegal-transition');
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.planner, body: { version: 7 } }), 409, 'stale-version');
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.planner, body: {} }), 400, 'validation-failed');
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.logistics, body: { version: 1 } }), 403, 'forbidden');
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.admin, body: { version: 1 } }), 403, 'forbidden');
    expectProblem(await call('PATCH', `/api/v1/orders/${order.id}`, { token: tokens.planner, body: { version: 1, quantity: { value: '-5', unit: 'pcs' } } }), 400, 'validation-failed');
    expectProblem(await call('GET', `/api/v1/orders/${order.id}?include=everything`, { token: tokens.planner }), 400, 'validation-failed');
    expectProblem(await call('GET', `/api/v1/orders/${order.id}?include=confidential`, { token: tokens.logistics }), 403, 'forbidden');
    expectProblem(await call('POST', '/api/v1/users', { token: tokens.planner, body: { username: 'x.y', displayName: 'X', password: 'long enough password', roles: [{ role: 'admin', scopeNodeId: null }] } }), 403, 'forbidden');
    expectProblem(await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput(), headers: { 'idempotency-key': 'has spaces' } }), 400, 'validation-failed');
    expect(await counts()).toEqual(before);
    const denials = await engine.store().db.selectFrom('audit_entries').select(['kind', 'actor']).where('outcome', '=', 'denied').orderBy('idx').execute();
    expect(denials).toEqual([
      { kind: 'order.submit', actor: 'logistics.one' },
      { kind: 'order.submit', actor: 'admin.one' },
      { kind: 'order.read-confidential', actor: 'logistics.one' },
      { kind: 'user.create', actor: 'planner.one' },
    ]);
  });

  it('never answers a 5xx, whatever JSON arrives', async () => {
    const { call, tokens } = api;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('/api/v1/orders', '/api/v1/sessions', '/api/v1/items', '/api/v1/plant/import'), async (body, url) => {
        const response = await call('POST', url, { token: tokens.planner, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it('never answers a 5xx, whatever arrives in the path or the query', async () => {
    const { call, tokens } = api;
    const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('-1', '1e309', '__proto__', "' OR 1=1 --", '%00', '%E0%A4%A'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/orders', '/api/v1/audit/entries', '/api/v1/plant', '/api/v1/orders/'), fc.dictionary(fc.constantFrom('state', 'limit', 'cursor', 'after', 'kind', 'since', 'orderId', '__proto__', 'include'), value), value, async (path, query, tail) => {
          const search = Object.entries(query).map(([key, item]) => `${encodeURIComponent(key)}=${encodeURIComponent(item)}`).join('&');
          const url = path.endsWith('/') ? `${path}${encodeURIComponent(tail)}?${search}` : `${path}?${search}`;
          const response = await call('GET', url, { token: tokens.auditor });
          expect(response.status, url).toBeLessThan(500);
        }),
      { numRuns: 80 },
    );
  });

  it('keeps a refused electronic signature from changing the order', async () => {
    const { call, tokens, world } = api;
    const order = (await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() })).json;
    await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.planner, body: { version: 1 } });
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/release`, { token: tokens.approver, body: { version: 2, password: 'guess' } }), 403, 'signature-failed');
    expectProblem(await call('POST', `/api/v1/orders/${order.id}/release`, { token: tokens.approver, body: { version: 2 } }), 400, 'validation-failed');
    const after = await call('GET', `/api/v1/orders/${order.id}`, { token: tokens.approver });
    expect(after.json).toMatchObject({ state: 'submitted', version: 2, signatures: [] });
    expect((await call('POST', `/api/v1/orders/${order.id}/release`, { token: tokens.approver, body: { version: 2, password: TEST_PASSWORD, totp: api.mfa.approver?.code(1) } })).status).toBe(200);
  });
});
