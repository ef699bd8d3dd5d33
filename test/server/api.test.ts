import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('HTTP API', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  it('runs an order through its lifecycle with bearer tokens, versions and ETags', async () => {
    const { call, tokens, world } = api;
    const created = await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput(), headers: { 'idempotency-key': 'k-1' } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v1/orders/${created.json.id}`);
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers).not.toHaveProperty('idempotent-replayed');
    const replayed = await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput({ number: created.json.number }), headers: { 'idempotency-key': 'k-1' } });
    expect(replayed).toMatchObject({ status: 201, json: { id: created.json.id } });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(created.json.content).not.toHaveProperty('parameters');
    const id = created.json.id as string;
    let version = 1;
    const step = async (token: string, action: string, body: Record<string, unknown> = {}) => {
      const response = await call('POST', `/api/v1/orders/${id}/${action}`, { token, body: { version, ...body } });
      expect(response.status, JSON.stringify(response.json)).toBe(200);
      version = response.json.version;
      return response.json;
    };
    await step(tokens.planner, 'submit');
    // The approver signed in with the code of this time step; each signature needs a later one (a code signs once).
    const released = await step(tokens.approver, 'release', { password: TEST_PASSWORD, meaning: 'approved for production', totp: api.mfa.approver?.code(1) });
    expect(released.signatures[0]).toMatchObject({ signer: 'approver.one', meaning: 'approved for production', contentHash: released.contentHash });
    await step(tokens.planner, 'dispatch');
    await step(tokens.operator, 'start');
    await step(tokens.operator, 'progress', { operationSeq: 20, good: '100', lots: [{ materialLine: 1, lot: 'HEAT-1', quantity: '12.5' }] });
    await step(tokens.operator, 'complete');
    world.clock.advance(30_000);
    const closed = await step(tokens.approver, 'close', { password: TEST_PASSWORD, meaning: 'batch record reviewed', totp: api.mfa.approver?.code(1) });
    expect(closed.signatures.map((signature: { action: string; meaning: string }) => [signature.action, signature.meaning])).toEqual([
      ['release', 'approved for production'], ['close', 'batch record reviewed'],
    ]);
    expect(closed).toMatchObject({ state: 'closed', goodQuantity: '100' });

    const confidential = await call('GET', `/api/v1/orders/${id}?include=confidential`, { token: tokens.planner });
    expect(confidential.json.content.parameters.recipe).toBe('GEAR-12-MILL-v3');
    const listed = await call('GET', '/api/v1/orders?state=closed&limit=5', { token: tokens.logistics });
    expect(listed.json.items.map((order: { id: string }) => order.id)).toEqual([id]);
    expect(listed.json.items[0]).not.toHaveProperty('content');

    const audit = await call('GET', `/api/v1/audit/entries?orderId=${id}`, { token: tokens.auditor });
    expect(audit.status).toBe(200);
    expect(audit.json.items.map((entry: { kind: string }) => entry.kind)).toEqual([
      'order.create', 'order.submit', 'order.release', 'order.dispatch', 'order.start', 'order.progress', 'order.complete', 'order.close', 'order.read-confidential',
    ]);
    expect(audit.json.items[0].leafHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves an OpenAPI 3.1 document naming every route, and a health check', async () => {
    const health = await api.call('GET', '/healthz');
    expect(health).toMatchObject({ status: 200, json: { status: 'ok', database: engine.kind } });
    const doc = await api.call('GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/sessions', '/api/v1/orders', '/api/v1/orders/{id}', '/api/v1/orders/{id}/release', '/api/v1/audit/entries']) {
      expect(doc.json.paths).toHaveProperty([path]);
    }
    const releaseBody = doc.json.paths['/api/v1/orders/{id}/release'].post.requestBody.content['application/json'].schema;
    expect(releaseBody.required).toEqual(expect.arrayContaining(['version', 'password']));
    expect(releaseBody.additionalProperties).toBe(false);
  });

  it('forces a one-time password to be changed before anything else', async () => {
    const { call, tokens } = api;
    const added = await call('POST', '/api/v1/users', { token: tokens.admin, body: { username: 'nina.new', displayName: 'Nina', password: 'first-password-123', roles: [{ role: 'planner', scopeNodeId: null }] } });
    expect(added.status).toBe(201);
    const session = await call('POST', '/api/v1/sessions', { body: { username: 'nina.new', password: 'first-password-123' } });
    expect(session.json.passwordChangeRequired).toBe(true);
    const blocked = await call('GET', '/api/v1/orders', { token: session.json.token });
    expect(blocked).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    const short = await call('POST', '/api/v1/users/me/password', { token: session.json.token, body: { currentPassword: 'first-password-123', newPassword: 'short' } });
    expect(short).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const changed = await call('POST', '/api/v1/users/me/password', { token: session.json.token, body: { currentPassword: 'first-password-123', newPassword: 'a much longer passphrase' } });
    expect(changed.status).toBe(204);
    expect((await call('GET', '/api/v1/orders', { token: session.json.token })).status).toBe(200);
  });

  it('ends sessions on sign-out and on disable', async () => {
    const { call, tokens } = api;
    expect((await call('DELETE', '/api/v1/sessions/current', { token: tokens.quality })).status).toBe(204);
    expect((await call('GET', '/api/v1/users/me', { token: tokens.quality })).json.code).toBe('unauthenticated');
    expect((await call('POST', '/api/v1/users/operator.one/disable', { token: tokens.admin })).status).toBe(204);
    expect((await call('GET', '/api/v1/users/me', { token: tokens.operator })).status).toBe(401);
    const again = await call('POST', '/api/v1/sessions', { body: { username: 'operator.one', password: TEST_PASSWORD } });
    expect(again).toMatchObject({ status: 401, json: { code: 'invalid-credentials' } });
  });
});
