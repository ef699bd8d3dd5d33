/** In-process API tests: the real Fastify app over a real store, driven with inject(). */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { createWorld, TEST_PASSWORD, type TestWorld } from '../support/factories.js';

/** The app, the world behind it, and a signed-in token per role. */
export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly world: TestWorld;
  readonly tokens: Record<'planner' | 'approver' | 'operator' | 'quality' | 'logistics' | 'auditor' | 'admin', string>;
  call(method: string, url: string, options?: { token?: string; body?: unknown; payload?: string; headers?: Record<string, string> }): Promise<{
    status: number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
    json: any;
    headers: Record<string, unknown>;
  }>;
  close(): Promise<void>;
}

/** Builds the app over `store` with one user per role, each signed in over the API. */
export async function createApiHarness(store: Store): Promise<ApiHarness> {
  const world = await createWorld(store);
  const app = buildApp({ services: world.services, logger: false });
  await app.ready();
  const call: ApiHarness['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.payload;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : null, headers: response.headers };
  };
  const roles = ['planner', 'approver', 'operator', 'quality', 'logistics', 'auditor', 'admin'] as const;
  const tokens = {} as ApiHarness['tokens'];
  for (const role of roles) {
    await world.user(`${role}.one`, [role]);
    const session = await call('POST', '/api/v1/sessions', { body: { username: `${role}.one`, password: TEST_PASSWORD } });
    if (session.status !== 201) throw new Error(`sign-in of ${role} failed: ${JSON.stringify(session.json)}`);
    tokens[role] = session.json.token;
  }
  return { app, world, tokens, call, close: () => app.close() };
}
