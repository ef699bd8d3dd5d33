/** The device channel over real HTTPS with mutual TLS: the order stream, long polling, reports, and closing. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventStreamParser, type ServerSentEvent } from '../../src/agent/index.js';
import type { CertificateAuthority } from '../../src/crypto/index.js';
import type { Services } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { SETUP_ADMIN, type TestWorld } from '../support/factories.js';
import { dispatchedOrder, enrolDevice, releasedOrder, signedReport, startMtlsPlant, type EnrolledDevice, type OrderCrew } from './device-channel-kit.js';

const HEARTBEAT_MS = 150;

/** An open order stream: the events so far, and whether the server ended it. */
interface OpenStream {
  readonly events: ServerSentEvent[];
  readonly comments: () => number;
  readonly ended: Promise<void>;
  close(): void;
}

describeEachEngine('the device channel over mutual TLS', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let ca: CertificateAuthority;
  let services: Services;
  let app: FastifyInstance;
  let baseUrl: string;
  let mill: EnrolledDevice;
  const agents: Agent[] = [];

  beforeEach(async () => {
    ({ world, crew, ca, services, app, baseUrl, mill } = await startMtlsPlant(engine.store(), { deviceHeartbeatMs: HEARTBEAT_MS }));
  });

  afterEach(async () => {
    await app.close();
    await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  });

  const agentOf = (device: EnrolledDevice): Agent => {
    const agent = new Agent({ connect: { ca: ca.certificatePem, cert: device.chainPem, key: device.privateKeyPem }, bodyTimeout: 0 });
    agents.push(agent);
    return agent;
  };

  const call = async (device: EnrolledDevice, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await request(`${baseUrl}${path}`, {
      method, dispatcher: agentOf(device), ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.body.text();
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, type, json: type.includes('json') ? JSON.parse(text) : null };
  };

  const openStream = async (device: EnrolledDevice): Promise<OpenStream> => {
    const abort = new AbortController();
    const response = await request(`${baseUrl}/api/v1/device/orders/stream`, { method: 'GET', dispatcher: agentOf(device), signal: abort.signal, headers: { accept: 'text/event-stream' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const events: ServerSentEvent[] = [];
    let comments = 0;
    const parser = new EventStreamParser();
    const ended = (async () => {
      try {
        for await (const chunk of response.body) {
          const text = String(chunk);
          comments += text.split('\n').filter((line) => line.startsWith(':')).length;
          events.push(...parser.push(text));
        }
      } catch {
        // Aborted by the test.
      }
    })();
    return { events, comments: () => comments, ended, close: () => abort.abort() };
  };

  const orderIds = (stream: OpenStream) => stream.events.map((event) => JSON.parse(event.data).orderId as string);

  it('streams the pending orders on connect and each new dispatch while connected; another work center\'s device gets none of them', async () => {
    const pending = await dispatchedOrder(world, crew);
    const lathe = await enrolDevice(world, services, 'wc-lathe');
    const millStream = await openStream(mill);
    const latheStream = await openStream(lathe);
    await expect.poll(() => millStream.events.length === 1, { timeout: 5_000 }).toBe(true);
    const [first] = millStream.events;
    expect(first).toMatchObject({ event: 'order', id: `${pending.id}:1` });
    expect(JSON.parse(first?.data ?? '{}')).toEqual({ orderId: pending.id, revision: 1, number: pending.number, jws: await world.services.orders.queries.jws(crew.planner, pending.id) });

    const released = await releasedOrder(world, crew);
    expect(millStream.events).toHaveLength(1);
    await world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version });
    await expect.poll(() => millStream.events.length === 2, { timeout: 5_000 }).toBe(true);
    expect(orderIds(millStream)).toEqual([pending.id, released.id]);
    // Heartbeats keep flowing, and neither order went to the lathe.
    await expect.poll(() => millStream.comments() >= 2 && latheStream.comments() >= 2, { timeout: 5_000 }).toBe(true);
    expect(latheStream.events).toEqual([]);
    const connects = await engine.store().db.selectFrom('audit_entries').select(['outcome', 'actor']).where('kind', '=', 'device.connect').execute();
    expect(connects).toEqual(expect.arrayContaining([{ outcome: 'ok', actor: `device:${mill.id}` }, { outcome: 'ok', actor: `device:${lathe.id}` }]));
    millStream.close();
    latheStream.close();
  });

  it('sends a dispatch through this instance as announced, the JWS it just verified, without reading the feed again', async () => {
    const stream = await openStream(mill);
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    const released = await releasedOrder(world, crew);
    const feed = world.services.orderFeed;
    const pendingFor = feed.pendingFor.bind(feed);
    let reads = 0;
    feed.pendingFor = (device) => {
      reads += 1;
      return pendingFor(device);
    };
    try {
      await world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version });
      await expect.poll(() => stream.events.length === 1, { timeout: 5_000 }).toBe(true);
    } finally {
      feed.pendingFor = pendingFor;
    }
    expect(reads).toBe(0);
    expect(stream.events[0]).toMatchObject({ event: 'order', id: `${released.id}:1` });
    expect(JSON.parse(stream.events[0]?.data ?? '{}')).toEqual({ orderId: released.id, revision: 1, number: released.number, jws: await world.services.orders.queries.jws(crew.planner, released.id) });
    stream.close();
  });

  it('hears of a dispatch made by another server instance on the same database within a poll', async () => {
    const stream = await openStream(mill);
    const other = await createWorldTwin();
    const released = await releasedOrder(world, crew);
    await other.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version });
    await expect.poll(() => stream.events.length === 1, { timeout: 4_000 }).toBe(true);
    expect(orderIds(stream)).toEqual([released.id]);
    stream.close();
  });

  /** The services of a second instance over the same database (no shared dispatch signal). */
  async function createWorldTwin(): Promise<Services> {
    const { createServices } = await import('../../src/server/index.js');
    return createServices({ store: await engine.openStore(), clock: world.clock });
  }

  it('ends a revoked device\'s stream within a heartbeat and refuses its next connection', async () => {
    const stream = await openStream(mill);
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    await services.devices.revokeDevice(SETUP_ADMIN, mill.id, { reason: 'stolen' });
    await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stream was not ended')), 3_000))]);
    await dispatchedOrder(world, crew);
    expect(stream.events).toEqual([]);
    const again = await call(mill, 'GET', '/api/v1/device/orders/stream');
    expect(again).toMatchObject({ status: 403, json: { code: 'certificate-revoked' } });
    expect(again.type).toMatch(/^application\/problem\+json/);
  });

  it('answers a long poll at once with what is pending, or when an order is dispatched within the wait', async () => {
    expect(await call(mill, 'GET', '/api/v1/device/orders?wait=0')).toMatchObject({ status: 200, json: { items: [] } });
    const released = await releasedOrder(world, crew);
    const started = Date.now();
    const polling = call(mill, 'GET', '/api/v1/device/orders?wait=20');
    setTimeout(() => void world.services.orders.perform(crew.planner, released.id, 'dispatch', { version: released.version }), 300);
    const answer = await polling;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer).toMatchObject({ status: 200, json: { items: [{ orderId: released.id, revision: 1, number: released.number }] } });
    expect(answer.json.items[0].jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Still pending (nobody accepted it): answered at once.
    expect((await call(mill, 'GET', '/api/v1/device/orders?wait=30')).json.items).toHaveLength(1);
    expect(await call(mill, 'GET', '/api/v1/device/orders?wait=31')).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });

  it('takes signed reports: a receipt, a duplicate for a resend, problem+json for a tampered one', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const started = signedReport(mill, dispatched.id, 'started');
    const receipt = await call(mill, 'POST', '/api/v1/device/reports', started);
    expect(receipt).toMatchObject({ status: 200, json: { idempotencyKey: started.report.idempotencyKey, duplicate: false, applied: true, orderId: dispatched.id, orderState: 'running' } });
    expect((await call(mill, 'POST', '/api/v1/device/reports', started)).json).toEqual({ ...receipt.json, duplicate: true });
    const progress = signedReport(mill, dispatched.id, 'progress', { operationSeq: 20, good: '5' });
    const tampered = await call(mill, 'POST', '/api/v1/device/reports', { ...progress, report: { ...progress.report, data: { operationSeq: 20, good: '500' } } });
    expect(tampered).toMatchObject({ status: 422, json: { code: 'report-signature-invalid' } });
    expect(tampered.type).toMatch(/^application\/problem\+json/);
    expect(await call(mill, 'POST', '/api/v1/device/reports', { report: progress.report })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const unauthenticated = await request(`${baseUrl}/api/v1/device/reports`, { method: 'POST', dispatcher: new Agent({ connect: { ca: ca.certificatePem } }), body: JSON.stringify(progress), headers: { 'content-type': 'application/json' } });
    expect(unauthenticated.statusCode).toBe(401);
    await unauthenticated.body.dump();
  });

  it('closes promptly with open streams and long polls', async () => {
    const stream = await openStream(mill);
    const lathe = await enrolDevice(world, services, 'wc-lathe');
    const polling = call(lathe, 'GET', '/api/v1/device/orders?wait=30');
    // The poll is admitted (its connection audited) before it waits.
    const admitted = () => engine.store().db.selectFrom('audit_entries').select('idx').where('kind', '=', 'device.connect').where('actor', '=', `device:${lathe.id}`).execute();
    for (let tries = 0; (await admitted()).length === 0; tries += 1) {
      if (tries > 200) throw new Error('the long poll was never admitted');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect.poll(() => stream.comments() >= 1, { timeout: 5_000 }).toBe(true);
    // Closing ends the stream and answers the 30 s long poll at once: waiting it out would overrun this test's 10 s.
    await app.close();
    await stream.ended;
    expect(await polling).toMatchObject({ status: 200, json: { items: [] } });
  }, 10_000);

  it('documents the channel in a valid OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const stream = doc.paths['/api/v1/device/orders/stream'].get;
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(doc.paths['/api/v1/device/orders'].get.parameters).toEqual([expect.objectContaining({ name: 'wait', in: 'query' })]);
    const reportBody = doc.paths['/api/v1/device/reports'].post.requestBody.content['application/json'].schema;
    expect(reportBody.required).toEqual(['report', 'signature']);
    // Every schema in the document compiles as JSON Schema 2020-12, the dialect OpenAPI 3.1 uses.
    const ajv = new Ajv2020({ strict: false, logger: false });
    for (const methods of Object.values(doc.paths) as Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>[]) {
      for (const operation of Object.values(methods)) {
        for (const media of Object.values(operation.requestBody?.content ?? {})) expect(() => ajv.compile(media.schema)).not.toThrow();
      }
    }
  });
});
