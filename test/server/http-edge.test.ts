import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate } from '../../src/crypto/index.js';
import { buildApp, SECURITY_HEADERS, type RateLimitSettings } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

type Response = Awaited<ReturnType<ApiHarness['call']>>;

function expectSecurityHeaders(response: Response, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers[name], `${what}: ${name}`).toBe(value);
  expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['set-cookie'], `${what} sets a cookie`).toBeUndefined();
}

describeEachEngine('the HTTP edge', (engine) => {
  let api: ApiHarness;
  const extraApps: FastifyInstance[] = [];
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(async () => {
    await Promise.all(extraApps.splice(0).map((app) => app.close()));
    await api.close();
  });

  /** A second app over the same services and clock, with the limits under test. */
  const limitedApp = async (rateLimits: Partial<RateLimitSettings>, trustProxy?: string[]) => {
    const app = buildApp({ services: api.world.services, logger: false, rateLimits, trustProxy, clock: api.world.clock });
    extraApps.push(app);
    await app.ready();
    return async (method: 'GET' | 'POST', url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> => {
      const headers: Record<string, string> = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await app.inject({ method, url, headers, ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}) });
      return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : null, headers: response.headers };
    };
  };

  it('sends the security headers and no cookie on every kind of answer', async () => {
    const { call, tokens, world } = api;
    const answers: [string, Response, number][] = [
      ['health', await call('GET', '/healthz'), 200],
      ['openapi', await call('GET', '/openapi.json'), 200],
      ['sign-in', await call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: TEST_PASSWORD } }), 201],
      ['wrong password', await call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: 'not the password' } }), 401],
      ['no token', await call('GET', '/api/v1/orders'), 401],
      ['list', await call('GET', '/api/v1/orders', { token: tokens.planner }), 200],
      ['create', await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() }), 201],
      ['forbidden', await call('POST', '/api/v1/orders', { token: tokens.auditor, body: world.orderInput() }), 403],
      ['malformed', await call('POST', '/api/v1/orders', { token: tokens.planner, payload: '{"number":', headers: { 'content-type': 'application/json' } }), 400],
      ['unknown route', await call('GET', '/api/v1/nothing-here'), 404],
      ['token minted', await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'erp', actions: ['order.read'] } }), 201],
      ['sign-out', await call('DELETE', '/api/v1/sessions/current', { token: tokens.logistics }), 204],
    ];
    for (const [what, response, status] of answers) {
      expect(response.status, what).toBe(status);
      expectSecurityHeaders(response, what);
      // Served without TLS (in-process): no HSTS, which only an HTTPS answer may carry (RFC 6797 §7.2).
      expect(response.headers['strict-transport-security'], what).toBeUndefined();
    }
  });

  it('answers too many sign-ins from one address with 429, Retry-After and the headers, then lets them in again', async () => {
    const call = await limitedApp({ signIn: 3 });
    const attempt = () => call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: 'wrong password here' } });
    expect([(await attempt()).status, (await attempt()).status, (await attempt()).status]).toEqual([401, 401, 401]);
    const limited = await call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: TEST_PASSWORD } });
    expect(limited).toMatchObject({ status: 429, json: { code: 'rate-limited', status: 429, type: 'urn:forgeline:problem:rate-limited' } });
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.json.detail).toMatch(/at most 3 a minute; retry in 60 s/);
    expectSecurityHeaders(limited, '429');
    // Other routes from the same address are not sign-ins.
    expect((await call('GET', '/healthz')).status).toBe(200);
    api.world.clock.advance(30_000);
    expect((await attempt()).headers['retry-after']).toBe('30');
    api.world.clock.advance(30_000);
    expect((await call('POST', '/api/v1/sessions', { body: { username: 'planner.one', password: TEST_PASSWORD } })).status).toBe(201);
  });

  it('limits all requests per address, counting each address on its own', async () => {
    const call = await limitedApp({ perSource: 5 });
    for (let i = 0; i < 5; i += 1) expect((await call('GET', '/healthz')).status).toBe(200);
    const limited = await call('GET', '/api/v1/nothing-here');
    expect(limited).toMatchObject({ status: 429, json: { code: 'rate-limited' } });
    expectSecurityHeaders(limited, '429 on an unknown route');
    // Forwarded addresses are not believed from an untrusted peer...
    expect((await call('GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(429);
    // ...but are from a named proxy, so each client behind it has its own count.
    const proxied = await limitedApp({ perSource: 1 }, ['127.0.0.1']);
    expect((await proxied('GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    expect((await proxied('GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.10' } })).status).toBe(200);
    expect((await proxied('GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(429);
  });

  it('sends HSTS on HTTPS answers, errors included', async () => {
    const ca = await createCertificateAuthority({ commonName: 'test CA', validityDays: 2 });
    const certificate = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], validityDays: 1 });
    const app = buildApp({ services: api.world.services, https: { key: certificate.privateKeyPem, cert: certificate.chainPem }, logger: false });
    extraApps.push(app);
    await app.ready();
    for (const url of ['/healthz', '/api/v1/nothing', '/api/v1/orders']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['strict-transport-security'], url).toBe('max-age=31536000');
      expect(response.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    // A path outside the API is the web UI's (built or not): HSTS too, under the UI's own policy.
    const ui = await app.inject({ method: 'GET', url: '/nothing' });
    expect(ui.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(ui.headers['content-security-policy']).toMatch(/^default-src 'self'; /);
  });

  it('refuses requests carrying a token from an address that sent too many bad tokens', async () => {
    const call = await limitedApp({ authFailures: 2 });
    const bogus = `flt_${'x'.repeat(43)}`;
    expect((await call('GET', '/api/v1/orders', { token: bogus })).status).toBe(401);
    expect((await call('GET', '/api/v1/orders', { token: 'a-session-token-that-never-was' })).status).toBe(401);
    const limited = await call('GET', '/api/v1/orders', { token: api.tokens.planner });
    expect(limited).toMatchObject({ status: 429, json: { code: 'rate-limited' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Anonymous routes stay open (sign-in has its own limit), and the window ends.
    expect((await call('GET', '/healthz')).status).toBe(200);
    api.world.clock.advance(60_000);
    expect((await call('GET', '/api/v1/orders', { token: api.tokens.planner })).status).toBe(200);
  });
});

describe('cookies', () => {
  it('are set only by the browser session routes: the CLI and integrations carry their credential in the Authorization header', async () => {
    const folder = fileURLToPath(new URL('../../src/server/', import.meta.url));
    const setters: string[] = [];
    for (const file of await readdir(folder)) {
      if (!file.endsWith('.ts')) continue;
      const source = await readFile(join(folder, file), 'utf8');
      expect(source, file).not.toMatch(/setCookie|@fastify\/cookie/i);
      if (/header\(\s*'set-cookie'/i.test(source)) setters.push(file);
    }
    expect(setters).toEqual(['browser-session-routes.ts', 'browser-session.ts']);
  });
});
