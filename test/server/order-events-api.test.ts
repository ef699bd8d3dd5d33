/** The people's order event stream (GET /api/v1/orders/events) over a real socket: what it tells, to whom, and when it ends. */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventStreamParser, type ServerSentEvent } from '../../src/agent/index.js';
import { buildApp, createServices, NO_RATE_LIMITS } from '../../src/server/index.js';
import { MAX_ORDER_STREAMS_PER_PERSON } from '../../src/server/order-event-routes.js';
import { orderCrew, releasedOrder, type OrderCrew } from '../devices/device-channel-kit.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, TEST_PASSWORD, type TestWorld } from '../support/factories.js';

const HEARTBEAT_MS = 100;

/** An open event stream: the events and comments so far, and whether the server ended it. */
interface OpenStream {
  readonly events: ServerSentEvent[];
  readonly comments: () => number;
  readonly ended: () => boolean;
  close(): void;
}

describeEachEngine('the order event stream of a work center', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let app: FastifyInstance;
  let baseUrl: string;
  let agent: Agent;
  let millOperator: string;
  let latheOperator: string;

  const signIn = async (username: string): Promise<string> => {
    const answer = await request(`${baseUrl}/api/v1/sessions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: TEST_PASSWORD }) });
    const body = (await answer.body.json()) as { token: string };
    expect(answer.statusCode).toBe(201);
    return body.token;
  };

  beforeEach(async () => {
    world = await createWorld(engine.store());
    crew = await orderCrew(world);
    await world.user('olga.mill', [{ role: 'operator', scopeNodeId: world.node('wc-mill').id }]);
    await world.user('otto.lathe', [{ role: 'operator', scopeNodeId: world.node('wc-lathe').id }]);
    app = buildApp({ services: world.services, logger: false, rateLimits: NO_RATE_LIMITS, clock: world.clock, deviceHeartbeatMs: HEARTBEAT_MS });
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    agent = new Agent({ bodyTimeout: 0 });
    millOperator = await signIn('olga.mill');
    latheOperator = await signIn('otto.lathe');
  });

  afterEach(async () => {
    await app.close();
    await agent.destroy();
  });

  const get = async (path: string, token?: string) => {
    const answer = await request(`${baseUrl}${path}`, { dispatcher: agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    return { status: answer.statusCode, type: String(answer.headers['content-type']), json: (await answer.body.json()) as { code: string } };
  };

  const openStream = async (token: string, workCenter: string): Promise<OpenStream> => {
    const abort = new AbortController();
    const response = await request(`${baseUrl}/api/v1/orders/events?workCenterId=${world.node(workCenter).id}`, {
      dispatcher: agent, signal: abort.signal, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const events: ServerSentEvent[] = [];
    let comments = 0;
    let ended = false;
    const parser = new EventStreamParser();
    void (async () => {
      try {
        for await (const chunk of response.body) {
          const text = String(chunk);
          comments += text.split('\n').filter((line) => line.startsWith(':')).length;
          events.push(...parser.push(text));
        }
      } catch {
        // Aborted by the test.
      }
      ended = true;
    })();
    return { events, comments: () => comments, ended: () => ended, close: () => abort.abort() };
  };

  const changes = (stream: OpenStream) => stream.events.filter((event) => event.event === 'order').map((event) => JSON.parse(event.data) as unknown);

  it('tells {id, state, version} after each committed change of an order of the work center, and nothing of another work center', async () => {
    const mill = await openStream(millOperator, 'wc-mill');
    const lathe = await openStream(latheOperator, 'wc-lathe');
    const released = await releasedOrder(world, crew);
    const dispatched = await world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version });
    await expect.poll(() => changes(mill).length === 4, { timeout: 5_000 }).toBe(true);
    // Created, submitted, released, dispatched: each once, in order, with the version it made.
    expect(changes(mill)).toEqual([
      { id: released.id, state: 'draft', version: 1 },
      { id: released.id, state: 'submitted', version: 2 },
      { id: released.id, state: 'released', version: 3 },
      { id: released.id, state: 'dispatched', version: dispatched.version },
    ]);
    // Nothing but the id, state and version leaves: the reader fetches the order as its role may see it.
    expect(mill.events.every((event) => Object.keys(JSON.parse(event.data) as object).sort().join() === 'id,state,version')).toBe(true);
    // A refused change tells nothing.
    await expect(world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: dispatched.version })).rejects.toMatchObject({ code: 'illegal-transition' });
    await expect.poll(() => mill.comments() >= 3 && lathe.comments() >= 3, { timeout: 5_000 }).toBe(true);
    expect(changes(mill)).toHaveLength(4);
    expect(lathe.events).toEqual([]);
    mill.close();
    lathe.close();
  });

  it('tells of changes committed through another server instance on the same database, from the audit log, each once and in order', async () => {
    const stream = await openStream(millOperator, 'wc-mill');
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    // A second instance: its own services (and its own in-process signal) over the same database.
    const other = createServices({ store: await engine.openStore(), clock: world.clock });
    const draft = await other.orders.create(crew.planner, world.orderInput());
    const submitted = await other.orders.perform(crew.planner, draft.id, 'submit', { version: draft.version });
    // A refused change (a stale version) tells nothing.
    await expect(other.orders.perform(crew.planner, draft.id, 'submit', { version: draft.version })).rejects.toMatchObject({ code: 'stale-version' });
    const cancelled = await other.orders.perform(crew.planner, draft.id, 'cancel', { version: submitted.version, reason: 'planned twice' });
    await expect.poll(() => changes(stream).length === 3, { timeout: 5_000 }).toBe(true);
    expect(changes(stream)).toEqual([
      { id: draft.id, state: 'draft', version: 1 },
      { id: draft.id, state: 'submitted', version: submitted.version },
      { id: draft.id, state: 'cancelled', version: cancelled.version },
    ]);
    stream.close();
  });

  it('tells the old work center\'s board of a draft that another instance moved away, and the new one of its arrival', async () => {
    const mill = await openStream(millOperator, 'wc-mill');
    const lathe = await openStream(latheOperator, 'wc-lathe');
    await expect.poll(() => mill.comments() >= 1 && lathe.comments() >= 1, { timeout: 5_000 }).toBe(true);
    const other = createServices({ store: await engine.openStore(), clock: world.clock });
    const draft = await other.orders.create(crew.planner, world.orderInput());
    await expect.poll(() => changes(mill).length === 1, { timeout: 5_000 }).toBe(true);
    const moved = await other.orders.edit(crew.planner, draft.id, { version: draft.version, workCenterId: world.node('wc-lathe').id });
    const told = { id: draft.id, state: 'draft', version: moved.version };
    await expect.poll(() => changes(mill).length === 2 && changes(lathe).length === 1, { timeout: 5_000 }).toBe(true);
    expect(changes(mill)).toEqual([{ id: draft.id, state: 'draft', version: 1 }, told]);
    expect(changes(lathe)).toEqual([told]);
    mill.close();
    lathe.close();
  });

  it('refuses a caller without a session, outside the work center\'s scope, or naming no work center, with problem+json', async () => {
    const millId = world.node('wc-mill').id;
    expect(await get(`/api/v1/orders/events?workCenterId=${millId}`)).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    const outside = await get(`/api/v1/orders/events?workCenterId=${millId}`, latheOperator);
    expect(outside).toMatchObject({ status: 403, type: expect.stringContaining('application/problem+json'), json: { code: 'forbidden' } });
    // An id that is no work center answers as one outside the scope, so ids cannot be probed...
    for (const id of [world.node('machining').id, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      expect(await get(`/api/v1/orders/events?workCenterId=${id}`, millOperator), id).toEqual({ ...outside, json: { ...outside.json, instance: expect.any(String) } });
    }
    // ...except to a reader of the whole enterprise, who may see every id anyway.
    await world.user('ed.everywhere', [{ role: 'planner', scopeNodeId: world.node('acme').id }]);
    const everywhere = await signIn('ed.everywhere');
    expect(await get(`/api/v1/orders/events?workCenterId=${world.node('machining').id}`, everywhere)).toMatchObject({ status: 422, json: { code: 'unknown-reference' } });
    expect(await get('/api/v1/orders/events?workCenterId=not-an-id', everywhere)).toMatchObject({ status: 422, json: { code: 'unknown-reference' } });
    expect(await get('/api/v1/orders/events', millOperator)).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    expect(await get(`/api/v1/orders/events?workCenterId=${millId}&extra=1`, millOperator)).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });

  it('ends the stream within a heartbeat once its session is signed out', async () => {
    const stream = await openStream(millOperator, 'wc-mill');
    await expect.poll(() => stream.comments() >= 2, { timeout: 5_000 }).toBe(true);
    const signedOut = await request(`${baseUrl}/api/v1/sessions/current`, { method: 'DELETE', dispatcher: agent, headers: { authorization: `Bearer ${millOperator}` } });
    await signedOut.body.dump();
    expect(signedOut.statusCode).toBe(204);
    await expect.poll(() => stream.ended(), { timeout: 5_000 }).toBe(true);
    await releasedOrder(world, crew);
    expect(stream.events).toEqual([]);
  });

  it('re-checks its session without keeping it alive: an open stream ends at the idle timeout like any session left alone', async () => {
    const stream = await openStream(millOperator, 'wc-mill');
    await expect.poll(() => stream.comments() >= 2, { timeout: 5_000 }).toBe(true);
    world.clock.advance(20 * 60_000);
    const comments = stream.comments();
    await expect.poll(() => stream.comments() >= comments + 2, { timeout: 5_000 }).toBe(true);
    expect(stream.ended()).toBe(false);
    // 31 minutes since the person last did anything, whatever the heartbeats checked in between.
    world.clock.advance(11 * 60_000);
    await expect.poll(() => stream.ended(), { timeout: 5_000 }).toBe(true);
    expect((await get('/api/v1/users/me', millOperator)).status).toBe(401);
  });

  it('refuses a person more than ten open streams at once with 429 problem+json, and takes a new one when one closed', async () => {
    const streams: OpenStream[] = [];
    for (let index = 0; index < MAX_ORDER_STREAMS_PER_PERSON; index += 1) streams.push(await openStream(millOperator, 'wc-mill'));
    const refused = await get(`/api/v1/orders/events?workCenterId=${world.node('wc-mill').id}`, millOperator);
    expect(refused).toMatchObject({ status: 429, type: expect.stringContaining('application/problem+json'), json: { code: 'rate-limited' } });
    expect((refused.json as unknown as { detail: string }).detail).toContain('10 order event streams open');
    // Another person is not held back by this one's streams.
    await world.user('otto.mill', [{ role: 'operator', scopeNodeId: world.node('wc-mill').id }]);
    const other = await openStream(await signIn('otto.mill'), 'wc-mill');
    streams[0]?.close();
    // Once the server saw that stream end, the person may open another (the status only: an open stream is closed at once).
    const statusOfNewStream = async (): Promise<number> => {
      const abort = new AbortController();
      const answer = await request(`${baseUrl}/api/v1/orders/events?workCenterId=${world.node('wc-mill').id}`, { dispatcher: agent, signal: abort.signal, headers: { authorization: `Bearer ${millOperator}` } });
      if (answer.statusCode === 200) streams.push({ events: [], comments: () => 0, ended: () => false, close: () => abort.abort() });
      else await answer.body.dump();
      return answer.statusCode;
    };
    await expect.poll(statusOfNewStream, { timeout: 5_000 }).toBe(200);
    expect(await statusOfNewStream()).toBe(429);
    for (const stream of [...streams, other]) stream.close();
  });

  it('is documented in the OpenAPI document as an event stream with its one query parameter', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const events = doc.paths['/api/v1/orders/events'].get;
    expect(Object.keys(events.responses['200'].content)).toEqual(['text/event-stream']);
    expect(events.parameters).toEqual([expect.objectContaining({ name: 'workCenterId', in: 'query', required: true })]);
  });

  it('does not keep a closing server waiting after a client aborted its stream and kept its connection pool', async () => {
    const stream = await openStream(millOperator, 'wc-mill');
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    stream.close();
    await expect.poll(() => stream.ended(), { timeout: 5_000 }).toBe(true);
    // The client's pool opened a connection it has not used yet; the close ends it rather than wait (within the test's timeout).
    await app.close();
    expect(app.server.listening).toBe(false);
  });

  it('ends every open stream when the server closes', async () => {
    const stream = await openStream(millOperator, 'wc-mill');
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    await app.close();
    await expect.poll(() => stream.ended(), { timeout: 5_000 }).toBe(true);
  });
});
