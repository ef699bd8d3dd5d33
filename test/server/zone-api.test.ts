import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { TEST_ZONES } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

const PRESS_CELL = {
  zones: [{ code: 'press-cell', name: 'Press cell', securityLevel: 3, members: ['acme/lyon/assembly/wc-press'] }],
  conduits: [{ code: 'press-orders-https', zone: 'press-cell', transport: 'https', flows: ['orders', 'reports'] }],
};

describeEachEngine('zones over HTTP', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  it('shows the zones to admins and auditors and replaces them for admins', async () => {
    const { call, tokens } = api;
    const listed = await call('GET', '/api/v1/zones', { token: tokens.auditor });
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({ version: 1, zones: [{ code: 'berlin', securityLevel: 2, members: ['acme/berlin'] }, { code: 'lyon' }] });
    expect(listed.json.conduits).toHaveLength(TEST_ZONES.conduits.length);
    expect(Object.keys(listed.json.conduits[0]).sort()).toEqual(['code', 'flows', 'id', 'transport', 'zone', 'zoneId']);

    const replaced = await call('PUT', '/api/v1/zones', { token: tokens.admin, body: PRESS_CELL });
    expect(replaced.status, JSON.stringify(replaced.json)).toBe(200);
    expect(replaced.json).toMatchObject({
      version: 2,
      zones: [{ code: 'press-cell', name: 'Press cell', securityLevel: 3, members: ['acme/lyon/assembly/wc-press'] }],
      conduits: [{ code: 'press-orders-https', zone: 'press-cell', transport: 'https', flows: ['orders', 'reports'] }],
    });
    expect((await call('GET', '/api/v1/zones', { token: tokens.admin })).json).toEqual(replaced.json);
  });

  it('answers refusals as problem+json with stable codes and changes nothing', async () => {
    const { call, tokens } = api;
    const before = (await call('GET', '/api/v1/zones', { token: tokens.admin })).json;
    const cases: [string, string, unknown, number, string][] = [
      ['planner reads', tokens.planner, undefined, 403, 'forbidden'],
      ['auditor replaces', tokens.auditor, PRESS_CELL, 403, 'forbidden'],
      ['unknown plant node', tokens.admin, { ...PRESS_CELL, zones: [{ ...PRESS_CELL.zones[0], members: ['acme/lyon/paint'] }] }, 422, 'unknown-reference'],
      ['unknown zone', tokens.admin, { ...PRESS_CELL, conduits: [{ ...PRESS_CELL.conduits[0], zone: 'paint-shop' }] }, 422, 'unknown-reference'],
      ['node in two zones', tokens.admin, { ...PRESS_CELL, zones: [...PRESS_CELL.zones, { code: 'lyon', name: 'Lyon', securityLevel: 1, members: ['acme/lyon/assembly/wc-press'] }] }, 400, 'validation-failed'],
      ['unknown field', tokens.admin, { ...PRESS_CELL, firewall: 'open' }, 400, 'validation-failed'],
      ['security level 5', tokens.admin, { ...PRESS_CELL, zones: [{ ...PRESS_CELL.zones[0], securityLevel: 5 }] }, 400, 'validation-failed'],
    ];
    for (const [what, token, body, status, code] of cases) {
      const response = await call(body === undefined ? 'GET' : 'PUT', '/api/v1/zones', { token, ...(body === undefined ? {} : { body }) });
      expect([what, response.status, response.json.code]).toEqual([what, status, code]);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const named = await call('PUT', '/api/v1/zones', { token: tokens.admin, body: { ...PRESS_CELL, zones: [{ ...PRESS_CELL.zones[0], members: ['acme/lyon/paint'] }] } });
    expect(named.json.detail).toContain('no plant node acme/lyon/paint');
    const poisoned = await call('PUT', '/api/v1/zones', { token: tokens.admin, payload: '{"zones": [], "conduits": [], "__proto__": {"admin": true}}', headers: { 'content-type': 'application/json' } });
    expect([poisoned.status, poisoned.json.code]).toEqual([400, 'forbidden-key']);
    expect((await call('GET', '/api/v1/zones', { token: tokens.admin })).json).toEqual(before);
  });

  it('refuses over HTTP to dispatch an order whose work center is in no zone', async () => {
    const { call, tokens, world } = api;
    await call('PUT', '/api/v1/zones', { token: tokens.admin, body: PRESS_CELL });
    const created = await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    let version = created.json.version as number;
    const step = async (token: string, action: string, body: Record<string, unknown> = {}) => {
      const response = await call('POST', `/api/v1/orders/${created.json.id}/${action}`, { token, body: { version, ...body } });
      if (response.status === 200) version = response.json.version;
      return response;
    };
    expect((await step(tokens.planner, 'submit')).status).toBe(200);
    const release = await step(tokens.approver, 'release', { password: 'correct horse battery staple', totp: api.mfa.approver?.code(1) });
    expect(release.status, JSON.stringify(release.json)).toBe(200);
    const refused = await step(tokens.planner, 'dispatch');
    expect([refused.status, refused.json.code]).toEqual([403, 'conduit-refused']);
    expect(refused.json.detail).toBe('work center acme/berlin/machining/wc-mill is in no zone: no orders flow (server to zone) is permitted');
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json;
    expect(Object.keys(doc.paths['/api/v1/zones']).sort()).toEqual(['get', 'put']);
    const body = doc.paths['/api/v1/zones'].put.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['zones', 'conduits']);
    expect(body.properties.conduits.items.properties.transport.enum).toEqual(['https', 'mqtt']);
  });
});
