import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type RateLimitSettings } from '../../src/server/index.js';
import { csrfTokenFor, SESSION_COOKIE, sessionCookieFrom } from '../../src/server/browser-session.js';
import { describeEachEngine } from '../support/engines.js';
import { TEST_PASSWORD } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

const BROWSER = '/api/v1/browser/session';
// app.inject() sends Host: localhost:80 over plain HTTP, so the server's own origin is this.
const OWN_ORIGIN = 'http://localhost';

/** The session token in a Set-Cookie header, and the header's attributes in order. */
function parseSetCookie(header: unknown): { name: string; value: string; attributes: string[] } {
  expect(typeof header, 'one Set-Cookie header').toBe('string');
  const [pair = '', ...attributes] = String(header).split('; ');
  const equals = pair.indexOf('=');
  return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes };
}

describe('the session cookie parser', () => {
  const token = 'A'.repeat(43);
  it('reads only the __Host-forgeline-session cookie among others', () => {
    expect(sessionCookieFrom(`theme=dark; ${SESSION_COOKIE}=${token}; other=1`)).toBe(token);
    expect(sessionCookieFrom(`forgeline-session=${token}`)).toBeUndefined();
    expect(sessionCookieFrom(undefined)).toBeUndefined();
  });

  it('ignores a malformed value and refuses two different values', () => {
    expect(sessionCookieFrom(`${SESSION_COOKIE}=short`)).toBeUndefined();
    expect(sessionCookieFrom(`${SESSION_COOKIE}="${token}"`)).toBeUndefined();
    expect(sessionCookieFrom(`${SESSION_COOKIE}=${token}; ${SESSION_COOKIE}=${'B'.repeat(43)}`)).toBeUndefined();
    expect(sessionCookieFrom(`${SESSION_COOKIE}=${token}; ${SESSION_COOKIE}=${token}`)).toBe(token);
  });

  it('derives the CSRF token as base64url HMAC-SHA256 keyed with the session token', () => {
    expect(csrfTokenFor(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenFor(token)).toBe(csrfTokenFor(token));
    expect(csrfTokenFor(token)).not.toBe(csrfTokenFor('B'.repeat(43)));
  });
});

describeEachEngine('browser sessions: cookie and CSRF', (engine) => {
  let api: ApiHarness;
  const extraApps: FastifyInstance[] = [];
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(async () => {
    await Promise.all(extraApps.splice(0).map((app) => app.close()));
    await api.close();
  });

  /** Signs `username` in as the browser does; returns the cookie to send back and the CSRF token. */
  const browserSignIn = async (username: string, totp?: string) => {
    const answer = await api.call('POST', BROWSER, { body: { username, password: TEST_PASSWORD, ...(totp === undefined ? {} : { totp }) } });
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    const cookie = parseSetCookie(answer.headers['set-cookie']);
    return { answer, token: cookie.value, cookie: `${SESSION_COOKIE}=${cookie.value}`, csrfToken: answer.json.csrfToken as string };
  };

  it('signs in with a cookie that is HttpOnly, Secure, SameSite=Strict, Path=/, and keeps the token out of the body', async () => {
    const { answer, token, csrfToken } = await browserSignIn('planner.one');
    const cookie = parseSetCookie(answer.headers['set-cookie']);
    expect(cookie.name).toBe('__Host-forgeline-session');
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The default policy's absolute lifetime: 8 hours.
    expect(cookie.attributes).toEqual(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict', 'Max-Age=28800']);
    expect(Object.keys(answer.json).sort()).toEqual(['csrfToken', 'expiresAt', 'mfaEnrollmentRequired', 'passwordChangeRequired']);
    expect(answer.json).toMatchObject({ csrfToken: csrfTokenFor(token), passwordChangeRequired: false, mfaEnrollmentRequired: false });
    expect(JSON.stringify(answer.json)).not.toContain(token);

    const me = await api.call('GET', '/api/v1/users/me', { token: api.tokens.planner });
    const session = await api.call('GET', BROWSER, { headers: { cookie: `theme=dark; ${SESSION_COOKIE}=${token}` } });
    expect(session.status).toBe(200);
    expect(session.json).toEqual({ csrfToken, expiresAt: answer.json.expiresAt, user: me.json });
    expect(session.headers['set-cookie']).toBeUndefined();
    expect((await api.call('GET', '/api/v1/orders', { headers: { cookie: `${SESSION_COOKIE}=${token}` } })).status).toBe(200);
  });

  it('refuses a state-changing request without the CSRF token, or with a wrong one, and changes nothing', async () => {
    const { call, tokens, world } = api;
    const { cookie, csrfToken } = await browserSignIn('planner.one');
    const attempts: Record<string, string>[] = [{ cookie }, { cookie, 'x-csrf-token': 'not-the-token' }, { cookie, 'x-csrf-token': `${csrfToken}x` }, { cookie, 'x-csrf-token': '' }];
    for (const headers of attempts) {
      expect(await call('DELETE', '/api/v1/sessions', { headers })).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
      expect(await call('POST', '/api/v1/orders', { headers, body: world.orderInput() })).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    }
    // The planner's other session (the harness's bearer token) is still alive, and no order was made.
    expect((await call('GET', '/api/v1/users/me', { token: tokens.planner })).status).toBe(200);
    expect((await call('GET', '/api/v1/orders', { token: tokens.planner })).json.items).toHaveLength(0);
    const listed = await call('GET', '/api/v1/sessions', { headers: { cookie } });
    expect(listed.json.items.map((item: { current: boolean }) => item.current).sort()).toEqual([false, true]);

    expect(await call('POST', '/api/v1/orders', { headers: { cookie, 'x-csrf-token': csrfToken }, body: world.orderInput() })).toMatchObject({ status: 201 });
    expect(await call('DELETE', '/api/v1/sessions', { headers: { cookie, 'x-csrf-token': csrfToken, origin: OWN_ORIGIN } })).toMatchObject({ status: 200, json: { revoked: 1 } });
    expect(await call('GET', '/api/v1/users/me', { token: tokens.planner })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('refuses the cookie on any request another site (a sibling subdomain too) made the browser send, reads included', async () => {
    const { call } = api;
    const { cookie } = await browserSignIn('planner.one');
    for (const site of ['same-site', 'cross-site']) {
      expect(await call('GET', '/api/v1/orders', { headers: { cookie, 'sec-fetch-site': site } }), site).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    }
    // The app itself, an address the person typed, and a client that sends no such header.
    const allowed: Record<string, string>[] = [{ cookie, 'sec-fetch-site': 'same-origin' }, { cookie, 'sec-fetch-site': 'none' }, { cookie }];
    for (const headers of allowed) {
      expect((await call('GET', '/api/v1/orders', { headers })).status).toBe(200);
    }
  });

  it('refuses a cookie request from a foreign Origin even with the right CSRF token', async () => {
    const { call, tokens } = api;
    const { cookie, csrfToken } = await browserSignIn('planner.one');
    for (const origin of ['https://evil.example', 'http://localhost:8080', 'https://localhost', 'null', 'not a url']) {
      expect(await call('DELETE', '/api/v1/sessions', { headers: { cookie, 'x-csrf-token': csrfToken, origin } }), origin).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    }
    expect((await call('GET', '/api/v1/users/me', { token: tokens.planner })).status).toBe(200);
    // A sign-in posted from another site is refused too (login CSRF), and sets no cookie.
    const foreign = await call('POST', BROWSER, { body: { username: 'planner.one', password: TEST_PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(foreign).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    expect(foreign.headers['set-cookie']).toBeUndefined();
  });

  it('takes its own origin from a trusted TLS-terminating proxy, and names both origins when they differ', async () => {
    const proxied = { origin: 'https://forgeline.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'forgeline.example' };
    const signIn = { username: 'planner.one', password: TEST_PASSWORD };
    const direct = await api.call('POST', BROWSER, { body: signIn, headers: proxied });
    expect(direct).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    expect(direct.json.detail).toContain('Origin https://forgeline.example');
    expect(direct.json.detail).toContain('origin is http://localhost');
    expect(direct.json.detail).toContain('--trust-proxy');
    const behindProxy = buildApp({ services: api.world.services, logger: false, rateLimits: {}, trustProxy: ['127.0.0.1'], clock: api.world.clock });
    extraApps.push(behindProxy);
    await behindProxy.ready();
    const post = (remoteAddress: string) =>
      behindProxy.inject({ method: 'POST', url: BROWSER, remoteAddress, headers: { ...proxied, 'content-type': 'application/json' }, payload: JSON.stringify(signIn) });
    expect((await post('127.0.0.1')).statusCode).toBe(201);
    // The forwarded headers count only from the proxy named.
    expect((await post('10.9.9.9')).statusCode).toBe(403);
  });

  it('lets bearer requests ignore any cookie: no CSRF token needed, and the cookie never stands in for a bad token', async () => {
    const { call, tokens, world } = api;
    const { cookie } = await browserSignIn('admin.one', api.mfa.admin?.code(1));
    const created = await call('POST', '/api/v1/orders', { token: tokens.planner, headers: { cookie }, body: world.orderInput() });
    expect(created.status).toBe(201);
    expect(await call('GET', '/api/v1/users/me', { token: tokens.planner, headers: { cookie } })).toMatchObject({ json: { username: 'planner.one' } });
    expect(await call('GET', '/api/v1/users/me', { headers: { cookie, authorization: 'Bearer not-a-valid-token-at-all-xx' } })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect(await call('GET', '/api/v1/users/me', { headers: { cookie, authorization: 'Basic YWRtaW46YWRtaW4=' } })).toMatchObject({ status: 401 });
    // The browser session endpoint is for the cookie only.
    expect(await call('GET', BROWSER, { token: tokens.planner })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('signs out: the session is revoked, the cookie cleared, and it no longer authenticates', async () => {
    const { call } = api;
    const { cookie, csrfToken } = await browserSignIn('planner.one');
    expect(await call('DELETE', BROWSER, { headers: { cookie } })).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    expect((await call('GET', BROWSER, { headers: { cookie } })).status).toBe(200);
    const out = await call('DELETE', BROWSER, { headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']).toBe('__Host-forgeline-session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0');
    expect(await call('GET', BROWSER, { headers: { cookie } })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect(await call('GET', '/api/v1/users/me', { headers: { cookie } })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    const audit = await call('GET', '/api/v1/audit/entries?kind=session.revoke', { token: api.tokens.auditor });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.json.items)).toContain('sign-out');
  });

  it('ends the session of the cookie a browser sign-in replaces, audited as a sign-out, and keeps it when the sign-in fails', async () => {
    const { call } = api;
    const first = await browserSignIn('planner.one');
    const failed = await call('POST', BROWSER, { body: { username: 'logistics.one', password: 'not the password' }, headers: { cookie: first.cookie } });
    expect(failed.status).toBe(401);
    expect((await call('GET', BROWSER, { headers: { cookie: first.cookie } })).status).toBe(200);
    const second = await call('POST', BROWSER, { body: { username: 'logistics.one', password: TEST_PASSWORD }, headers: { cookie: first.cookie } });
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    expect((await call('GET', BROWSER, { headers: { cookie: first.cookie } })).status).toBe(401);
    const next = `${SESSION_COOKIE}=${parseSetCookie(second.headers['set-cookie']).value}`;
    expect((await call('GET', BROWSER, { headers: { cookie: next } })).json.user.username).toBe('logistics.one');
    const audit = await call('GET', '/api/v1/audit/entries?kind=session.revoke', { token: api.tokens.auditor });
    expect(audit.json.items.map((entry: { actor: string; detail: { reason?: string } }) => [entry.actor, entry.detail.reason])).toEqual([['planner.one', 'sign-out']]);
  });

  it('refuses an API token, an unknown token or a malformed value in the cookie', async () => {
    const { call, tokens } = api;
    const minted = await call('POST', '/api/v1/tokens', { token: tokens.planner, body: { name: 'erp', actions: ['order.read'] } });
    expect(minted.status).toBe(201);
    expect((await call('GET', '/api/v1/orders', { token: minted.json.token })).status).toBe(200);
    for (const value of [minted.json.token, 'A'.repeat(43), 'short', '']) {
      expect(await call('GET', '/api/v1/orders', { headers: { cookie: `${SESSION_COOKIE}=${value}` } }), value).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    }
  });

  it('passes sign-in errors through as POST /api/v1/sessions gives them: mfa-required, invalid-credentials', async () => {
    const { call } = api;
    for (const totp of [undefined, '']) {
      const refused = await call('POST', BROWSER, { body: { username: 'approver.one', password: TEST_PASSWORD, ...(totp === undefined ? {} : { totp }) } });
      expect(refused).toMatchObject({ status: 401, json: { code: 'mfa-required' } });
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    const wrong = await call('POST', BROWSER, { body: { username: 'planner.one', password: 'not the password' } });
    expect(wrong).toMatchObject({ status: 401, json: { code: 'invalid-credentials' } });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(await call('POST', BROWSER, { body: { username: 'planner.one', password: TEST_PASSWORD, token: 'x' } })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const { answer } = await browserSignIn('approver.one', api.mfa.approver?.code(1));
    expect(answer.json).toMatchObject({ passwordChangeRequired: false, mfaEnrollmentRequired: false });
  });

  it('lets a one-time password be changed over the cookie, with the CSRF token', async () => {
    const { call, tokens, world } = api;
    await call('POST', '/api/v1/users', { token: tokens.admin, body: { username: 'nina.new', displayName: 'Nina', password: 'first-password-123', roles: [{ role: 'planner', scopeNodeId: null }] } });
    const signIn = await call('POST', BROWSER, { body: { username: 'nina.new', password: 'first-password-123' } });
    expect(signIn).toMatchObject({ status: 201, json: { passwordChangeRequired: true } });
    const cookie = `${SESSION_COOKIE}=${parseSetCookie(signIn.headers['set-cookie']).value}`;
    const headers = { cookie, 'x-csrf-token': signIn.json.csrfToken as string };
    expect(await call('GET', BROWSER, { headers: { cookie } })).toMatchObject({ status: 200, json: { user: { username: 'nina.new', passwordMustChange: true } } });
    expect(await call('POST', '/api/v1/orders', { headers, body: world.orderInput() })).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    const change = { currentPassword: 'first-password-123', newPassword: 'a much longer passphrase' };
    expect(await call('POST', '/api/v1/users/me/password', { headers: { cookie }, body: change })).toMatchObject({ status: 403, json: { code: 'csrf-failed' } });
    expect((await call('POST', '/api/v1/users/me/password', { headers, body: change })).status).toBe(204);
    expect(await call('GET', BROWSER, { headers: { cookie } })).toMatchObject({ status: 200, json: { user: { passwordMustChange: false } } });
  });

  it('names the browser session routes in the OpenAPI document, with the cookie as a security scheme', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json;
    expect(Object.keys(doc.paths[BROWSER]).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths[BROWSER].post.security).toEqual([]);
    expect(doc.components.securitySchemes.browserSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: SESSION_COOKIE });
  });

  /** A second app over the same services and clock, with the limits under test. */
  const limitedApp = async (rateLimits: Partial<RateLimitSettings>) => {
    const app = buildApp({ services: api.world.services, logger: false, rateLimits, clock: api.world.clock });
    extraApps.push(app);
    await app.ready();
    return (method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: unknown) =>
      app.inject({ method, url, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  };

  it('limits browser sign-ins like sign-ins, and counts failed cookie authentications against the source', async () => {
    const signIns = await limitedApp({ signIn: 2, perSource: 0, authFailures: 0 });
    const body = { username: 'planner.one', password: 'not the password' };
    expect((await signIns('POST', BROWSER, {}, body)).statusCode).toBe(401);
    expect((await signIns('POST', BROWSER, {}, body)).statusCode).toBe(401);
    const limited = await signIns('POST', BROWSER, {}, { ...body, password: TEST_PASSWORD });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate-limited' });

    const { cookie } = await browserSignIn('planner.one');
    const failures = await limitedApp({ authFailures: 2, perSource: 0, signIn: 0 });
    const stale = { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` };
    expect((await failures('GET', '/api/v1/orders', stale)).statusCode).toBe(401);
    expect((await failures('GET', '/api/v1/orders', { cookie: `${SESSION_COOKIE}=garbage` })).statusCode).toBe(401);
    expect((await failures('GET', '/api/v1/orders', { cookie })).statusCode).toBe(429);
    // A request without a credential is not held back, nor a browser sign-in that carries a stale cookie.
    expect((await failures('GET', '/healthz', {})).statusCode).toBe(200);
    expect((await failures('POST', BROWSER, stale, { username: 'planner.one', password: TEST_PASSWORD })).statusCode).toBe(201);
    // The web UI's files authenticate nothing: a stale cookie does not lock the sign-in page out.
    for (const url of ['/', '/orders', '/assets/missing.js']) expect((await failures('GET', url, stale)).statusCode, url).not.toBe(429);
  });

  it('clears a refused session cookie, so the browser stops sending it, and keeps a good one through other 401s', async () => {
    const { call } = api;
    const cleared = '__Host-forgeline-session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0';
    for (const value of ['A'.repeat(43), 'garbage']) {
      const refused = await call('GET', '/api/v1/orders', { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
      expect(refused).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
      expect(refused.headers['set-cookie'], value).toBe(cleared);
    }
    const { cookie, csrfToken } = await browserSignIn('planner.one');
    expect((await call('DELETE', BROWSER, { headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(204);
    const ended = await call('GET', BROWSER, { headers: { cookie } });
    expect(ended.status).toBe(401);
    expect(ended.headers['set-cookie']).toBe(cleared);
    // A bearer request's 401 is no verdict on the cookie; nor is a wrong password given while signed in.
    const second = await browserSignIn('planner.one');
    const bearer = await call('GET', '/api/v1/orders', { token: 'a-session-token-that-never-was', headers: { cookie: second.cookie } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers['set-cookie']).toBeUndefined();
    const wrong = await call('POST', '/api/v1/users/me/password', {
      headers: { cookie: second.cookie, 'x-csrf-token': second.csrfToken }, body: { currentPassword: 'not the password', newPassword: 'another long passphrase 42' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await call('GET', BROWSER, { headers: { cookie: second.cookie } })).status).toBe(200);
  });
});
