/** The server's request log keeps paths, never query strings: a customer search leaves no trace of the customer in it. */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApp, NO_RATE_LIMITS } from '../../src/server/index.js';
import { createServerLogger, pathOf } from '../../src/server/request-log.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, TEST_PASSWORD, type TestWorld } from '../support/factories.js';

const CUSTOMER = 'ACME-Confidential-7781';

it('cuts a request target to its path', () => {
  expect(pathOf('/api/v1/orders?customer=ACME&limit=2')).toBe('/api/v1/orders');
  expect(pathOf('/api/v1/orders/search')).toBe('/api/v1/orders/search');
  expect(pathOf('/?')).toBe('/');
});

describeEachEngine('the request log', (engine) => {
  let world: TestWorld;
  let lines: string[];
  const apps: FastifyInstance[] = [];
  beforeEach(async () => {
    world = await createWorld(engine.store());
    await world.user('pia.planner', ['planner']);
    lines = [];
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  /** The app with `logger` writing into `lines`, and a planner signed in on it. */
  async function serve(logger: 'server' | 'plain'): Promise<{ call: (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<{ status: number; json: { items?: { id: string }[] } }> }> {
    const capture = { write: (line: string) => void lines.push(line) };
    const app = buildApp({ services: world.services, logger: logger === 'server' ? createServerLogger(capture) : pino({ level: 'info' }, capture), rateLimits: NO_RATE_LIMITS, clock: world.clock });
    apps.push(app);
    await app.ready();
    const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'pia.planner', password: TEST_PASSWORD } });
    const token = (session.json() as { token: string }).token;
    return {
      call: async (method, url, body) => {
        const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
        return { status: response.statusCode, json: response.json() };
      },
    };
  }

  it('logs a customer search and a filtered list by path, without the reference or any query string', async () => {
    const { call } = await serve('server');
    const planner = await world.user('paul.planner', ['planner']);
    const order = await world.createOrder(planner, { customerReference: CUSTOMER });
    expect(await call('POST', '/api/v1/orders/search', { customer: CUSTOMER })).toMatchObject({ status: 200, json: { items: [expect.objectContaining({ id: order.id })] } });
    expect((await call('GET', `/api/v1/orders?customer=${CUSTOMER}`)).status).toBe(400);
    expect((await call('GET', '/api/v1/orders?itemPrefix=GEAR&state=draft&limit=5')).status).toBe(200);

    const logged = lines.map((line) => JSON.parse(line) as { msg?: string; req?: { method: string; url: string } });
    const requests = logged.filter((line) => line.msg === 'incoming request').map((line) => `${line.req?.method} ${line.req?.url}`);
    expect(requests).toEqual(['POST /api/v1/sessions', 'POST /api/v1/orders/search', 'GET /api/v1/orders', 'GET /api/v1/orders']);
    const text = lines.join('\n');
    expect(text.toLowerCase()).not.toContain(CUSTOMER.toLowerCase());
    expect(text).not.toMatch(/\?|itemPrefix|GEAR/);
  });

  it('keeps query strings out of the log whatever logger the app is given', async () => {
    const { call } = await serve('plain');
    expect((await call('GET', '/api/v1/orders?itemPrefix=GEAR&limit=5')).status).toBe(200);
    expect((await call('GET', `/api/v1/orders?customer=${CUSTOMER}`)).status).toBe(400);
    expect(lines.some((line) => line.includes('"url":"/api/v1/orders"'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/\?|itemPrefix|ACME/i);
  });
});
