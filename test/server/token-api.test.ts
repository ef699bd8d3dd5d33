import { afterEach, beforeEach, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

const DAY_MS = 86_400_000;

describeEachEngine('API tokens over HTTP', (engine) => {
  let api: ApiHarness;
  let berlin: string;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
    berlin = api.world.node('berlin').id;
  });
  afterEach(() => api.close());

  /** An admin makes the ERP's service account (planner in Berlin) and mints its token. */
  const erpToken = async (actions = ['order.create', 'order.read'], extra: Record<string, unknown> = {}) => {
    const { call, tokens } = api;
    const user = await call('POST', '/api/v1/users', {
      token: tokens.admin,
      body: { username: 'svc.erp', displayName: 'SAP ERP', password: 'a service password nobody uses', roles: [{ role: 'planner', scopeNodeId: berlin }] },
    });
    expect(user.status).toBe(201);
    const minted = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'SAP production', actions, scopeNodeId: berlin, user: 'svc.erp', ...extra } });
    expect(minted.status, JSON.stringify(minted.json)).toBe(201);
    return minted.json as { id: string; token: string };
  };

  it('lets an ERP create a draft order in its scope with a token an admin minted, and nothing more', async () => {
    const { call, tokens, world } = api;
    const { id, token } = await erpToken();
    expect(token).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);

    const created = await call('POST', '/api/v1/orders', { token, body: world.orderInput() });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.state).toBe('draft');
    const elsewhere = await call('POST', '/api/v1/orders', { token, body: world.orderInput({ workCenterId: world.node('wc-press').id }) });
    expect(elsewhere).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const submit = await call('POST', `/api/v1/orders/${created.json.id}/submit`, { token, body: { version: 1 } });
    expect(submit).toMatchObject({ status: 403, json: { code: 'forbidden', detail: 'this API token does not allow order.submit' } });
    const users = await call('GET', '/api/v1/users', { token });
    expect(users).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const mint = await call('POST', '/api/v1/tokens', { token, body: { name: 'wider', actions: ['order.read'] } });
    expect(mint).toMatchObject({ status: 403, json: { code: 'forbidden' } });

    // The audit log names the token beside the address.
    const audit = await call('GET', `/api/v1/audit/entries?orderId=${created.json.id}`, { token: tokens.auditor });
    expect(audit.json.items[0]).toMatchObject({ kind: 'order.create', outcome: 'ok', actor: 'svc.erp', source: `127.0.0.1 via API token ${id}` });
  });

  it('lists only the orders in the token\'s scope', async () => {
    const { call, tokens, world } = api;
    const { token } = await erpToken();
    const inLyon = await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput({ workCenterId: world.node('wc-press').id }) });
    const inBerlin = await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    expect([inLyon.status, inBerlin.status]).toEqual([201, 201]);
    const listed = await call('GET', '/api/v1/orders', { token });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((order: { id: string }) => order.id)).toEqual([inBerlin.json.id]);
    const hidden = await call('GET', `/api/v1/orders/${inLyon.json.id}`, { token });
    expect(hidden).toMatchObject({ status: 404, json: { code: 'not-found' } });
  });

  it('shows the token once, stores it hashed, and lists it with its last use', async () => {
    const { call, tokens, world } = api;
    const { id, token } = await erpToken();
    const before = await call('GET', '/api/v1/tokens?user=svc.erp', { token: tokens.admin });
    expect(before.json.items).toEqual([expect.objectContaining({ id, status: 'active', lastUsedAt: null, createdBy: 'admin.one', username: 'svc.erp' })]);
    expect(await call('GET', '/api/v1/orders', { token })).toMatchObject({ status: 200 });
    const after = await call('GET', '/api/v1/tokens?all=true', { token: tokens.auditor });
    expect(after.json.items).toEqual([expect.objectContaining({ id, lastUsedAt: world.clock.now().toISOString(), lastUsedSource: '127.0.0.1' })]);
    expect(JSON.stringify(after.json)).not.toContain(token);
    expect(after.json.items[0]).not.toHaveProperty('token');
    const row = await engine.store().db.selectFrom('api_tokens').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(JSON.stringify(after.json)).not.toContain(row.token_hash);
    const own = await call('GET', '/api/v1/tokens', { token: tokens.planner });
    expect(own).toMatchObject({ status: 200, json: { items: [] } });
    const others = await call('GET', '/api/v1/tokens?all=true', { token: tokens.planner });
    expect(others).toMatchObject({ status: 403, json: { code: 'forbidden' } });
  });

  it('refuses a revoked token at once and an expired one', async () => {
    const { call, tokens, world } = api;
    const { id, token } = await erpToken();
    const shortLived = await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'test rig', actions: ['order.read'], expiresInDays: 1 } });
    expect(shortLived.status).toBe(201);
    const revoked = await call('DELETE', `/api/v1/tokens/${id}`, { token: tokens.admin });
    expect(revoked.status).toBe(204);
    const refused = await call('GET', '/api/v1/orders', { token });
    expect(refused).toMatchObject({ status: 401, json: { code: 'unauthenticated', detail: 'The API token is unknown, expired or revoked' } });
    const unknown = await call('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', { token: tokens.admin });
    expect(unknown).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await call('GET', '/api/v1/orders', { token: shortLived.json.token })).toMatchObject({ status: 200 });
    // A day on: the token has expired (and so have the harness's 8-hour sessions).
    world.clock.advance(DAY_MS);
    expect(await call('GET', '/api/v1/orders', { token: shortLived.json.token })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('refuses to mint a token for signing, user management, or another user unless admin', async () => {
    const { call, tokens } = api;
    const release = await call('POST', '/api/v1/tokens', { token: tokens.approver, body: { name: 'auto-release', actions: ['order.release'] } });
    expect(release).toMatchObject({ status: 400, json: { code: 'validation-failed', problems: [{ path: 'actions.0' }] } });
    expect(release.json.detail).toMatch(/electronic signature of a person/);
    const manage = await call('POST', '/api/v1/tokens', { token: tokens.admin, body: { name: 'provisioning', actions: ['user.manage'] } });
    expect(manage).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const forOther = await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'x', actions: ['order.read'], user: 'operator.one' } });
    expect(forOther).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const beyond = await call('POST', '/api/v1/tokens', { token: tokens.logistics, body: { name: 'x', actions: ['order.read-confidential'] } });
    expect(beyond).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    const unknownNode = await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'x', actions: ['order.read'], scopeNodeId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownNode).toMatchObject({ status: 422, json: { code: 'unknown-reference' } });
    const tooLong = await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'x', actions: ['order.read'], expiresInDays: 400 } });
    expect(tooLong).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });
});
