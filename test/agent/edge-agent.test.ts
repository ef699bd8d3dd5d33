import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EdgeAgent, HttpsReportSink, PermanentRefusal, TransientFailure, verifyReport,
  type DeviceIdentity, type ReportLink, type ReportResult, type MachineEvent, type MachineJobs, type OrderDelivery, type OrderSource, type ReportSink, type SignedReport, type TrackedJob,
} from '../../src/agent/index.js';
import { contentHash, orderPublicJwk, signOrderJws, verificationKeysFromJwks, type OrderJwsPayload } from '../../src/crypto/index.js';

const WORK_CENTER = randomUUID();
const NOW = new Date('2026-11-26T08:00:00.000Z');

const signingKey = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = orderPublicJwk(publicKey);
  return { kid: jwk.kid, privateKey, jwk };
})();

function releaseJws(number: string, audience = WORK_CENTER): { jws: string; delivery: OrderDelivery; payload: OrderJwsPayload } {
  const content = { number, workCenterId: audience, quantity: { value: '100', unit: 'pcs' }, operations: [{ seq: 10, code: 'MILL', description: 'mill' }] };
  const id = randomUUID();
  const iat = Math.floor(NOW.getTime() / 1000) - 60;
  const payload: OrderJwsPayload = {
    iss: 'forgeline/test', sub: id, aud: audience, iat, exp: iat + 86_400, jti: randomUUID(),
    order: { id, number, revision: 1, contentHash: contentHash(content), content }, signatures: [],
  };
  const jws = signOrderJws(payload, signingKey);
  return { jws, payload, delivery: { orderId: id, revision: 1, number, jws } };
}

/** Orders pushed by the test, as a transport would deliver them. */
class PushedOrders implements OrderSource {
  onOrder: ((delivery: OrderDelivery) => Promise<void>) | null = null;
  start(onOrder: (delivery: OrderDelivery) => Promise<void>): Promise<void> {
    this.onOrder = onOrder;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.onOrder = null;
    return Promise.resolve();
  }
  deliver(delivery: OrderDelivery): Promise<void> {
    if (this.onOrder === null) throw new Error('not started');
    return this.onOrder(delivery);
  }
}

/** A server that takes reports, or is away, or refuses some; it counts each idempotency key once. */
class FakeServer implements ReportSink {
  away = false;
  refuseKinds = new Set<string>();
  readonly received = new Map<string, SignedReport>();
  deliveries = 0;
  send(signed: SignedReport): Promise<void> {
    if (this.away) return Promise.reject(new TransientFailure('ECONNREFUSED'));
    this.deliveries += 1;
    if (this.refuseKinds.has(signed.report.kind)) return Promise.reject(new PermanentRefusal(403, 'report-not-dispatched', 'not yours'));
    this.received.set(signed.report.idempotencyKey, signed);
    return Promise.resolve();
  }
  isPermanent(error: unknown): boolean {
    return error instanceof PermanentRefusal;
  }
  kinds(): string[] {
    return [...this.received.values()].map((signed) => `${signed.report.kind}`);
  }
}

/** The HTTPS link as the report sink sees it: a server with or without the batch route, or away. */
class FakeLink implements ReportLink {
  away = false;
  constructor(readonly batchRoute: boolean) {}
  readonly calls: string[] = [];
  readonly received = new Map<string, SignedReport>();
  sendReport(signed: SignedReport): Promise<unknown> {
    if (this.away) return Promise.reject(new TransientFailure('ECONNREFUSED'));
    this.calls.push('single');
    this.received.set(signed.report.idempotencyKey, signed);
    return Promise.resolve({});
  }
  sendReports(signed: readonly SignedReport[]): Promise<ReportResult[]> {
    if (this.away) return Promise.reject(new TransientFailure('ECONNREFUSED'));
    this.calls.push(`batch of ${signed.length}`);
    if (!this.batchRoute) return Promise.reject(new PermanentRefusal(404, 'route-not-found', 'route-not-found: No such endpoint'));
    for (const report of signed) this.received.set(report.report.idempotencyKey, report);
    return Promise.resolve(signed.map(() => ({ ok: true, receipt: {} })));
  }
  kinds(): string[] {
    return [...this.received.values()].map((signed) => signed.report.kind);
  }
}

/** The machine side: records what it was offered and lets the test play the controller. */
class FakeMachine implements MachineJobs {
  readonly offered: TrackedJob[] = [];
  handler: ((event: MachineEvent) => Promise<void>) | null = null;
  offer(job: TrackedJob): Promise<void> {
    this.offered.push(job);
    return Promise.resolve();
  }
  onEvent(handler: (event: MachineEvent) => Promise<void>): void {
    this.handler = handler;
  }
  do(event: MachineEvent): Promise<void> {
    if (this.handler === null) throw new Error('no handler');
    return this.handler(event);
  }
}

describe('the edge agent', () => {
  let dir: string;
  let deviceKey: { privateKey: KeyObject; publicKey: KeyObject };
  let identity: DeviceIdentity;
  const keys = verificationKeysFromJwks({ keys: [signingKey.jwk] });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-edge-agent-'));
    deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    identity = {
      deviceId: randomUUID(), workCenterId: WORK_CENTER, chainPem: '', keyPem: '', caPem: '', privateKey: deviceKey.privateKey,
      notBefore: new Date(NOW.getTime() - 86_400_000), notAfter: new Date(NOW.getTime() + 29 * 86_400_000),
    };
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function agent(orders: PushedOrders, server: FakeServer, machine: FakeMachine): EdgeAgent {
    return new EdgeAgent({ dir, identity, orders, reports: server, keys: () => Promise.resolve(keys), machine, now: () => NOW });
  }

  it('accepts a verified order once, hands it to the machine, and reports what the machine does, signed by the device', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const machine = new FakeMachine();
    const edge = agent(orders, server, machine);
    await edge.start();
    const { delivery, payload } = releaseJws('PO-1');
    await orders.deliver(delivery);
    // The same release again (a QoS 1 duplicate, a stream resent): nothing new.
    await orders.deliver(delivery);
    expect(machine.offered.map((job) => job.orderId)).toEqual([payload.sub]);
    await machine.do({ jobOrderId: payload.sub, kind: 'started' });
    await machine.do({ jobOrderId: payload.sub, kind: 'progress', good: '40', scrap: '2', lots: [{ materialLine: 1, lot: 'L-7', quantity: '5' }] });
    await machine.do({ jobOrderId: payload.sub, kind: 'completed' });
    await edge.flush();
    expect(server.kinds()).toEqual(['accepted', 'started', 'progress', 'completed']);
    const reports = [...server.received.values()];
    for (const signed of reports) {
      expect(verifyReport(signed, deviceKey.publicKey)).toBe(true);
      expect(signed.report).toMatchObject({ deviceId: identity.deviceId, orderId: payload.sub });
    }
    expect(reports[2]?.report.data).toEqual({ operationSeq: 10, good: '40', scrap: '2', lots: [{ materialLine: 1, lot: 'L-7', quantity: '5' }] });
    expect(edge.job(payload.sub)?.phase).toBe('ended');
    // After it ended, the same release is a replay: refused and reported, never offered again.
    await orders.deliver(delivery);
    await edge.flush();
    expect(machine.offered).toHaveLength(1);
    expect([...server.received.values()].at(-1)?.report).toMatchObject({ kind: 'refused', data: { code: 'order-replayed' } });
    await edge.stop();
  });

  it('refuses a replay after a crash took the accepted-order journal\'s lines: the jobs file puts them back at start', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const firstMachine = new FakeMachine();
    const first = agent(orders, server, firstMachine);
    await first.start();
    const { delivery, payload } = releaseJws('PO-9');
    await orders.deliver(delivery);
    await firstMachine.do({ jobOrderId: payload.sub, kind: 'completed' });
    await first.flush();
    await first.stop();
    // The journal's line is written without an fsync of its own: a power cut may take it.
    expect(await readFile(join(dir, 'accepted-orders.log'), 'utf8')).toBe(`${payload.jti} ${payload.exp}\n`);
    await writeFile(join(dir, 'accepted-orders.log'), '');

    // Restarted, the agent holds the job as ended; the same release is a replay, refused.
    const machine = new FakeMachine();
    const second = agent(orders, server, machine);
    await second.start();
    expect(await readFile(join(dir, 'accepted-orders.log'), 'utf8')).toBe(`${payload.jti} ${payload.exp}\n`);
    await orders.deliver(delivery);
    await second.flush();
    expect(machine.offered).toEqual([]);
    expect([...server.received.values()].at(-1)?.report).toMatchObject({ kind: 'refused', data: { code: 'order-replayed' } });
    await second.stop();
  });

  it('refuses a tampered order and one for another work center, reports why, and offers neither', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const machine = new FakeMachine();
    const edge = agent(orders, server, machine);
    await edge.start();
    const { delivery } = releaseJws('PO-2');
    const [header, body, signature] = delivery.jws.split('.');
    const changed = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as OrderJwsPayload;
    (changed.order.content as { quantity: { value: string } }).quantity.value = '9000';
    await orders.deliver({ ...delivery, jws: `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}` });
    await orders.deliver(releaseJws('PO-3', randomUUID()).delivery);
    await edge.flush();
    expect(machine.offered).toEqual([]);
    expect([...server.received.values()].map((signed) => [signed.report.kind, signed.report.data.code])).toEqual([['refused', 'jws-invalid'], ['refused', 'audience-mismatch']]);
    await edge.stop();
  });

  it('keeps working while the server is away and sends every report once, in order, when it is back, also after a restart', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const machine = new FakeMachine();
    server.away = true;
    const first = agent(orders, server, machine);
    await first.start();
    const { delivery, payload } = releaseJws('PO-4');
    await orders.deliver(delivery);
    await machine.do({ jobOrderId: payload.sub, kind: 'started' });
    await machine.do({ jobOrderId: payload.sub, kind: 'progress', good: '10' });
    expect(first.pendingReports()).toBe(3);
    await first.stop();

    // The agent restarts (a crash leaves the same files): the job comes back running, nothing was sent.
    const restartedMachine = new FakeMachine();
    const second = agent(new PushedOrders(), server, restartedMachine);
    await second.start();
    expect(restartedMachine.offered.map((job) => [job.orderId, job.phase])).toEqual([[payload.sub, 'running']]);
    await restartedMachine.do({ jobOrderId: payload.sub, kind: 'progress', good: '15' });
    server.away = false;
    await second.flush();
    expect(server.kinds()).toEqual(['accepted', 'started', 'progress', 'progress']);
    expect(server.deliveries).toBe(4);
    await second.stop();

    // A third start sends nothing again.
    const third = agent(new PushedOrders(), server, new FakeMachine());
    await third.start();
    await third.flush();
    expect(server.deliveries).toBe(4);
    await third.stop();
  });

  it('leaves an order unjudged while the signing keys cannot be fetched, and accepts it when delivered again', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const machine = new FakeMachine();
    let keysReachable = false;
    const edge = new EdgeAgent({
      dir, identity, orders, reports: server, machine, now: () => NOW,
      keys: () => (keysReachable ? Promise.resolve(keys) : Promise.reject(new TransientFailure('ECONNREFUSED'))),
    });
    await edge.start();
    const { delivery, payload } = releaseJws('PO-6');
    await expect(orders.deliver(delivery)).rejects.toThrow(/keys not fetched/);
    await edge.flush();
    expect(server.kinds()).toEqual([]);
    expect(machine.offered).toEqual([]);
    keysReachable = true;
    await orders.deliver(delivery);
    await edge.flush();
    expect(server.kinds()).toEqual(['accepted']);
    expect(machine.offered.map((job) => job.orderId)).toEqual([payload.sub]);
    await edge.stop();
  });

  it('sets aside a report the server refuses for good, keeps it on disk, and goes on with the next', async () => {
    const orders = new PushedOrders();
    const server = new FakeServer();
    const machine = new FakeMachine();
    server.refuseKinds.add('started');
    const edge = agent(orders, server, machine);
    await edge.start();
    const { delivery, payload } = releaseJws('PO-5');
    await orders.deliver(delivery);
    await machine.do({ jobOrderId: payload.sub, kind: 'started' });
    await machine.do({ jobOrderId: payload.sub, kind: 'completed' });
    await edge.flush();
    expect(server.kinds()).toEqual(['accepted', 'completed']);
    expect(edge.pendingReports()).toBe(0);
    const setAside = (await readFile(join(dir, 'reports.refused'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { report: { kind: string }; reason: string });
    expect(setAside).toEqual([expect.objectContaining({ report: expect.objectContaining({ kind: 'started' }), reason: 'not yours' })]);
    await edge.stop();
  });

  describe('over HTTPS', () => {
    function httpsAgent(orders: PushedOrders, link: FakeLink, machine: FakeMachine): EdgeAgent {
      return new EdgeAgent({ dir, identity, orders, reports: new HttpsReportSink(link), keys: () => Promise.resolve(keys), machine, now: () => NOW });
    }

    it('sends the reports that waited while the server was away in one batch request', async () => {
      const orders = new PushedOrders();
      const link = new FakeLink(true);
      const machine = new FakeMachine();
      link.away = true;
      const edge = httpsAgent(orders, link, machine);
      await edge.start();
      const { delivery, payload } = releaseJws('PO-7');
      await orders.deliver(delivery);
      await machine.do({ jobOrderId: payload.sub, kind: 'started' });
      await machine.do({ jobOrderId: payload.sub, kind: 'progress', good: '3' });
      await edge.flush();
      expect(edge.pendingReports()).toBe(3);
      link.away = false;
      await edge.flush();
      expect(link.calls).toEqual(['batch of 3']);
      expect(link.kinds()).toEqual(['accepted', 'started', 'progress']);
      expect(edge.pendingReports()).toBe(0);
      expect((await readFile(join(dir, 'reports.sent'), 'utf8')).trim()).toBe('3');
      await edge.stop();
    });

    it('falls back to single reports for good when the server has no batch route (404)', async () => {
      const orders = new PushedOrders();
      const link = new FakeLink(false);
      const machine = new FakeMachine();
      link.away = true;
      const edge = httpsAgent(orders, link, machine);
      await edge.start();
      const { delivery, payload } = releaseJws('PO-8');
      await orders.deliver(delivery);
      await machine.do({ jobOrderId: payload.sub, kind: 'started' });
      link.away = false;
      await edge.flush();
      expect(link.calls).toEqual(['batch of 2', 'single', 'single']);
      await machine.do({ jobOrderId: payload.sub, kind: 'completed' });
      await edge.flush();
      expect(link.calls).toEqual(['batch of 2', 'single', 'single', 'single']);
      expect(link.kinds()).toEqual(['accepted', 'started', 'completed']);
      expect(edge.pendingReports()).toBe(0);
      await edge.stop();
    });
  });
});
