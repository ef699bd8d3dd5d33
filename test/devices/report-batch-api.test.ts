/** POST /api/v1/device/reports/batch over real HTTPS with mutual TLS, on both engines: each report handled as if sent alone. */
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { HttpsReportSink, PermanentRefusal, ReportJournal, ServerLink, TransientFailure, type SignedReport } from '../../src/agent/index.js';
import type { CertificateAuthority } from '../../src/crypto/index.js';
import type { Services } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import type { TestWorld } from '../support/factories.js';
import { dispatchedOrder, lastOperationProgress, signedReport, startMtlsPlant, type EnrolledDevice, type OrderCrew } from './device-channel-kit.js';

const BATCH = '/api/v1/device/reports/batch';

interface BatchResult {
  readonly ok: boolean;
  readonly receipt?: Record<string, unknown>;
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
}

describeEachEngine('device reports in batches', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let ca: CertificateAuthority;
  let services: Services;
  let app: FastifyInstance;
  let baseUrl: string;
  let mill: EnrolledDevice;
  const agents: Agent[] = [];

  beforeEach(async () => {
    ({ world, crew, ca, services, app, baseUrl, mill } = await startMtlsPlant(engine.store()));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await app.close();
    await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  });

  const post = async (device: EnrolledDevice | null, body: unknown, path = BATCH) => {
    const agent = new Agent({ connect: device === null ? { ca: ca.certificatePem } : { ca: ca.certificatePem, cert: device.chainPem, key: device.privateKeyPem } });
    agents.push(agent);
    const response = await request(`${baseUrl}${path}`, { method: 'POST', dispatcher: agent, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await response.body.text();
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, type, json: (type.includes('json') ? JSON.parse(text) : null) as Record<string, unknown> & { results: BatchResult[] } };
  };
  const order = (id: string) => engine.store().db.selectFrom('orders').select(['state', 'good_quantity']).where('id', '=', id).executeTakeFirstOrThrow();
  const storedReports = () => engine.store().db.selectFrom('device_reports').select(['idempotency_key', 'order_id', 'kind']).execute();
  const deniedCodes = async () => (await engine.store().db.selectFrom('audit_entries').select(['outcome', 'detail']).where('kind', '=', 'device.report').orderBy('idx').execute())
    .filter((entry) => entry.outcome === 'denied').map((entry) => (JSON.parse(entry.detail) as { code: string }).code);

  it('applies a batch of reports of two orders, each order\'s in the batch\'s order, and answers a receipt per report', async () => {
    const first = await dispatchedOrder(world, crew);
    const second = await dispatchedOrder(world, crew);
    const reports = [
      signedReport(mill, first.id, 'started'),
      signedReport(mill, second.id, 'started'),
      signedReport(mill, first.id, 'progress', lastOperationProgress('10')),
      signedReport(mill, second.id, 'progress', lastOperationProgress('7')),
      signedReport(mill, first.id, 'progress', lastOperationProgress('5')),
      // Applied before the progress above it, this would leave the order completed with 10 and a report not applied.
      signedReport(mill, first.id, 'completed'),
    ];
    const answer = await post(mill, { reports });
    expect(answer.status).toBe(200);
    expect(answer.json.results).toEqual(reports.map((signed, index) => ({
      ok: true,
      receipt: { idempotencyKey: signed.report.idempotencyKey, duplicate: false, applied: true, orderId: signed.report.orderId, orderState: index === 5 ? 'completed' : 'running' },
    })));
    expect(await order(first.id)).toEqual({ state: 'completed', good_quantity: '15' });
    expect(await order(second.id)).toEqual({ state: 'running', good_quantity: '7' });
    // Whether the two orders' transactions also shared a commit depends on when their signatures
    // verified on the thread pool: report-batch.test.ts shows that they are started together.
    expect(await storedReports()).toHaveLength(6);
  });

  it('answers a resend of the same batch with duplicates and doubles nothing', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const reports = [signedReport(mill, dispatched.id, 'started'), signedReport(mill, dispatched.id, 'progress', lastOperationProgress('12')), signedReport(mill, dispatched.id, 'progress', lastOperationProgress('3'))];
    const first = await post(mill, { reports });
    const again = await post(mill, { reports });
    expect(again.status).toBe(200);
    expect(again.json.results).toEqual(first.json.results.map((result) => ({ ok: true, receipt: { ...result.receipt, duplicate: true } })));
    expect(await storedReports()).toHaveLength(3);
    expect(await order(dispatched.id)).toEqual({ state: 'running', good_quantity: '15' });
  });

  it('refuses a report on another work center\'s order, a tampered one and a malformed one, each alone and audited, and applies the others', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const elsewhere = await dispatchedOrder(world, crew, 'wc-lathe');
    const honest = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('10'));
    const tampered = { ...honest, report: { ...honest.report, data: lastOperationProgress('1000') } };
    const reports: unknown[] = [
      signedReport(mill, dispatched.id, 'started'),
      signedReport(mill, elsewhere.id, 'started'),
      tampered,
      { report: { ...honest.report, kind: 'exploded' }, signature: honest.signature },
      42,
      honest,
    ];
    const answer = await post(mill, { reports });
    expect(answer.status).toBe(200);
    const results = answer.json.results;
    expect(results.map((result) => [result.ok, result.status, result.code])).toEqual([
      [true, undefined, undefined],
      [false, 403, 'report-not-dispatched'],
      [false, 422, 'report-signature-invalid'],
      [false, 400, 'validation-failed'],
      [false, 400, 'validation-failed'],
      [true, undefined, undefined],
    ]);
    // The words the single route would answer.
    expect(results[1]?.detail).toBe(`order ${elsewhere.id} was not dispatched to this device's work center`);
    expect(results[3]?.detail).toMatch(/^Invalid device report: report\.kind/);
    expect(await order(dispatched.id)).toEqual({ state: 'running', good_quantity: '10' });
    expect(await order(elsewhere.id)).toMatchObject({ state: 'dispatched' });
    expect((await storedReports()).map((row) => row.kind).sort()).toEqual(['progress', 'started']);
    // Audited as the single route audits them (in whatever order the orders' groups ran).
    expect((await deniedCodes()).sort()).toEqual(['report-not-dispatched', 'report-signature-invalid', 'validation-failed', 'validation-failed']);
  });

  it('after an unexpected error does not try the same order\'s later reports, and still applies another order\'s', async () => {
    const broken = await dispatchedOrder(world, crew);
    const healthy = await dispatchedOrder(world, crew);
    const failing = signedReport(mill, broken.id, 'progress', lastOperationProgress('4'));
    const receive = services.reports.receive.bind(services.reports);
    const tried: string[] = [];
    vi.spyOn(services.reports, 'receive').mockImplementation(async (device, signed, via, source) => {
      const key = (signed as SignedReport).report.idempotencyKey;
      tried.push(key);
      if (key === failing.report.idempotencyKey) throw new Error('disk on fire');
      return receive(device, signed, via, source);
    });
    const later = signedReport(mill, broken.id, 'completed');
    const reports = [signedReport(mill, broken.id, 'started'), failing, signedReport(mill, healthy.id, 'started'), later];
    const answer = await post(mill, { reports });
    expect(answer.status).toBe(200);
    const failure = { ok: false, status: 500, code: 'internal', detail: 'Something went wrong on the server; the incident is logged' };
    expect(answer.json.results.map((result) => (result.ok ? 'ok' : result))).toEqual(['ok', failure, 'ok', failure]);
    expect(tried).not.toContain(later.report.idempotencyKey);
    expect(await order(broken.id)).toEqual({ state: 'running', good_quantity: '0' });
    expect(await order(healthy.id)).toMatchObject({ state: 'running' });
  });

  it('refuses an empty batch, one of 101 reports and an unknown field as validation-failed problem+json', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const many = Array.from({ length: 101 }, () => signedReport(mill, dispatched.id, 'accepted'));
    for (const body of [{ reports: [] }, { reports: many }, { reports: many.slice(0, 2), extra: true }, { report: many[0] }]) {
      const answer = await post(mill, body);
      expect(answer).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
      expect(answer.type).toMatch(/^application\/problem\+json/);
    }
    expect(await storedReports()).toEqual([]);
  });

  it('refuses a call without a client certificate as the single route does', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const reports = [signedReport(mill, dispatched.id, 'started')];
    const single = await post(null, reports[0], '/api/v1/device/reports');
    const batch = await post(null, { reports });
    expect(batch).toMatchObject({ status: 401, json: { code: 'certificate-invalid' } });
    expect(batch.status).toBe(single.status);
    expect(batch.json.code).toBe(single.json.code);
    expect(batch.type).toMatch(/^application\/problem\+json/);
    expect(await storedReports()).toEqual([]);
  });

  it('is what the agent\'s link sends: receipts, refusals for good, and failures worth a resend', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const link = new ServerLink({ baseUrl, chainPem: mill.chainPem, keyPem: mill.privateKeyPem, caPem: ca.certificatePem });
    try {
      const started = signedReport(mill, dispatched.id, 'started');
      const honest = signedReport(mill, dispatched.id, 'progress', lastOperationProgress('2'));
      const tampered = { ...honest, report: { ...honest.report, data: lastOperationProgress('2000') } };
      const results = await link.sendReports([started, tampered, honest]);
      expect(results[0]).toEqual({ ok: true, receipt: expect.objectContaining({ idempotencyKey: started.report.idempotencyKey, applied: true }) });
      expect(results[1]).toMatchObject({ ok: false, error: expect.any(PermanentRefusal) });
      expect(results[1]?.ok === false && results[1].error).toMatchObject({ status: 422, code: 'report-signature-invalid' });
      expect(results[2]).toMatchObject({ ok: true });
      vi.spyOn(services.reports, 'receive').mockRejectedValue(new Error('database away'));
      const [away] = await link.sendReports([signedReport(mill, dispatched.id, 'completed')]);
      expect(away).toMatchObject({ ok: false, error: expect.any(TransientFailure) });
    } finally {
      await link.close();
    }
  });

  it('takes an agent\'s outbox in batches of 50 through its HTTPS link, each report once', async () => {
    const dispatched = await dispatchedOrder(world, crew);
    const dir = await mkdtemp(join(tmpdir(), 'forgeline-batch-outbox-'));
    const link = new ServerLink({ baseUrl, chainPem: mill.chainPem, keyPem: mill.privateKeyPem, caPem: ca.certificatePem });
    try {
      const journal = await ReportJournal.open(dir);
      const at = world.clock.now().toISOString();
      await journal.record({ deviceId: mill.id, orderId: dispatched.id, kind: 'started', at, data: {} }, mill.privateKey);
      for (let index = 0; index < 59; index += 1) await journal.record({ deviceId: mill.id, orderId: dispatched.id, kind: 'progress', at, data: lastOperationProgress('1') }, mill.privateKey);
      const batches = vi.spyOn(link, 'sendReports');
      const sink = new HttpsReportSink(link);
      expect(await journal.drain((signed) => sink.send(signed), (error) => sink.isPermanent(error), { sendBatch: (signed) => sink.sendBatch(signed) })).toBe(60);
      expect(batches.mock.calls.map(([signed]) => signed.length)).toEqual([50, 10]);
      expect(await order(dispatched.id)).toEqual({ state: 'running', good_quantity: '59' });
      expect(await storedReports()).toHaveLength(60);
      expect((await ReportJournal.open(dir)).pending()).toEqual([]);
    } finally {
      await link.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents the batch route in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = doc.paths[BATCH].post;
    expect(operation.tags).toEqual(['device-channel']);
    expect(operation.summary).toMatch(/signed reports of this device in one request/);
    const body = operation.requestBody.content['application/json'].schema;
    expect(body.properties.reports).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    expect(body.properties.reports.items.required).toEqual(['report', 'signature']);
  });
});
