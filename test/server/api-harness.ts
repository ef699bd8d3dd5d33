/** In-process API tests: the real Fastify app over a real store, driven with inject(). */
import type { FastifyInstance } from 'fastify';
import { buildApp, NO_RATE_LIMITS, type AppOptions } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { MFA_REQUIRED_ROLES } from '../../src/access/index.js';
import { createWorld, TEST_PASSWORD, type EnrolledMfa, type TestWorld } from '../support/factories.js';

/** The app, the world behind it, and a signed-in token per role. */
export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly world: TestWorld;
  readonly tokens: Record<'planner' | 'approver' | 'operator' | 'quality' | 'logistics' | 'auditor' | 'admin', string>;
  /** The second factor of each `<role>.one` whose role requires one (approver, quality, auditor, admin), enrolled before sign-in. */
  readonly mfa: Partial<Record<'planner' | 'approver' | 'operator' | 'quality' | 'logistics' | 'auditor' | 'admin', EnrolledMfa>>;
  /** One request; `remoteAddress` is the client's address (default 127.0.0.1), for tests of per-source limits. */
  call(method: string, url: string, options?: { token?: string; body?: unknown; payload?: string; headers?: Record<string, string>; remoteAddress?: string }): Promise<{
    status: number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
    json: any;
    headers: Record<string, unknown>;
  }>;
  close(): Promise<void>;
}

/**
 * Builds the app over `store` with one user per role, each signed in over the API.
 * Rate limits are off unless `options.rateLimits` sets them: tests that are not about
 * the limits sign in and call from one address more than a client would.
 */
export async function createApiHarness(store: Store, options: Pick<AppOptions, 'rateLimits' | 'trustProxy'> = {}): Promise<ApiHarness> {
  const world = await createWorld(store);
  const app = buildApp({ services: world.services, logger: false, rateLimits: options.rateLimits ?? NO_RATE_LIMITS, trustProxy: options.trustProxy, clock: world.clock });
  await app.ready();
  const call: ApiHarness['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.payload;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}), ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}) });
    return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : null, headers: response.headers };
  };
  const roles = ['planner', 'approver', 'operator', 'quality', 'logistics', 'auditor', 'admin'] as const;
  const tokens = {} as ApiHarness['tokens'];
  const mfa: ApiHarness['mfa'] = {};
  for (const role of roles) {
    const actor = await world.user(`${role}.one`, [role]);
    const enrolled = MFA_REQUIRED_ROLES.includes(role) ? (mfa[role] = await world.enrolMfa(actor)) : undefined;
    const session = await call('POST', '/api/v1/sessions', { body: { username: `${role}.one`, password: TEST_PASSWORD, ...(enrolled ? { totp: enrolled.code() } : {}) } });
    if (session.status !== 201) throw new Error(`sign-in of ${role} failed: ${JSON.stringify(session.json)}`);
    tokens[role] = session.json.token;
  }
  return { app, world, tokens, mfa, call, close: () => app.close() };
}
