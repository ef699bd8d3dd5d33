/**
 * Section 8: the shop floor (issue 6 point 7). Release-to-accepted latency at the agent over HTTPS
 * (server-sent events) and over MQTT on loopback, and the sustained rate of orders dispatched,
 * verified and accepted across many agents, beside the machine's raw TLS round trip, Ed25519
 * verify rate and append-and-fdatasync rate measured in the same run. Server, agents and broker
 * share this machine's cores; the HTTPS agents run in a worker thread of their own, the server
 * (with the load generator) in the main one.
 *
 * Each figure is measured on its own: a failure prints that figure as FAILED (no value) and the
 * others still run, so one broken transport never hides the rest.
 */
import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startAgentProcess, mqttTransport } from '../src/agent/index.js';
import { contentHash, orderPublicJwk, signOrderJws } from '../src/crypto/index.js';
import { act, type OrderView, type PlantNodeView } from '../src/demo/demo-api.js';
import { DemoClient } from '../src/demo/demo-client.js';
import { DEMO_PLANT, DEMO_ZONES } from '../src/demo/demo-plant.js';
import { buildWorld, startDemoServer, type DemoServer, type DemoWorld } from '../src/demo/demo-setup.js';
import { findMosquitto, startDemoBroker, type DemoBroker } from '../src/demo/shop-floor-broker.js';
import { enrolStationDevice } from '../src/demo/shop-floor-enrolment.js';
import { shopFloorOrderInput } from '../src/demo/shop-floor-orders.js';
import { NO_RATE_LIMITS, serveForgeline, type RunningServer } from '../src/server/index.js';
import type { BenchConfig } from './bench-config.js';
import { section, type Figure, type Limit, type Section } from './report.js';
import { measureAppendSync, startBusyMeter, startWindowProfile } from './shopfloor-limits.js';
import type { AgentsWorkerData, AgentsWorkerMessage } from './shop-floor-agents-worker.js';
import { measureSync, quantile } from './timing.js';
import { measureTlsRoundTrip } from './tls-round-trip.js';

/** Issue 6 point 7's targets. */
const LATENCY_TARGET_MS = 50;
const RATE_TARGET_PER_SECOND = 1_000;
/** Concurrent callers of the dispatch API in the sustained figure. */
const DISPATCH_CALLERS = 4;
/** Orders per dispatch call in the sustained figure (a shift's orders go out together; the latency figures dispatch one at a time). */
const DISPATCH_BATCH = 50;
/** Concurrent release pipelines while preparing (each release checks a password with argon2id on the libuv pool). */
const RELEASE_CALLERS = 6;
/** Orders dispatched and accepted before a latency loop is timed (the agent fetches the signing keys on its first order). */
const WARM_UP_ORDERS = 3;

/** How big this run's section is: quick mode keeps it under half a minute, a full run under about three. */
interface ShopFloorPlan {
  readonly cells: number;
  readonly latencyOrders: number;
  /** Time spent releasing orders for the sustained figure (it ends sooner at `rateOrderCap`). */
  readonly prepareMs: number;
  readonly rateOrderCap: number;
  /** No dispatch starts after this; dispatched orders are still waited for. */
  readonly dispatchMs: number;
}

function planOf(config: BenchConfig): ShopFloorPlan {
  return config.quick
    ? { cells: 10, latencyOrders: 20, prepareMs: 5_000, rateOrderCap: 2_000, dispatchMs: 8_000 }
    : { cells: 100, latencyOrders: 200, prepareMs: 60_000, rateOrderCap: 20_000, dispatchMs: 45_000 };
}

function limitOf(figure: Figure): Limit {
  return { id: figure.id, label: figure.label, value: figure.value ?? 0 };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

/** What a figure is called before it is measured. */
type Placeholder = Pick<Figure, 'id' | 'label' | 'unit'>;

/**
 * Measures one figure (and any figures that explain it, printed after it); a failure becomes that
 * figure without a value, marked FAILED (run.ts then exits non-zero).
 */
async function attempt(part: Section, placeholder: Placeholder, body: () => Promise<Figure | readonly [Figure, ...Figure[]]>): Promise<Figure | undefined> {
  try {
    const measured = await body();
    const figures: readonly Figure[] = 'id' in measured ? [measured] : measured;
    part.figures.push(...figures);
    return figures[0];
  } catch (error) {
    part.figures.push({ ...placeholder, value: null, note: `FAILED: ${messageOf(error)}` });
    return undefined;
  }
}

/** The demo plant plus one area of `cells` work centers, one agent each. */
function benchPlant(cells: number) {
  const children = Array.from({ length: cells }, (_, index) => ({ code: `cell-${String(index + 1).padStart(3, '0')}`, name: `Cell ${index + 1}` }));
  return { enterprise: { ...DEMO_PLANT.enterprise, sites: [...DEMO_PLANT.enterprise.sites, { code: 'bench', name: 'Bench works', children: [{ code: 'cells', name: 'Cells', children }] }] } };
}

/** The demo's zones plus one zone holding every bench cell, reached over an HTTPS and an MQTT conduit. */
const BENCH_ZONES = {
  zones: [...DEMO_ZONES.zones, { code: 'bench-cells', name: 'Bench cells', securityLevel: 2, members: ['northwind/bench/cells'] }],
  conduits: [
    ...DEMO_ZONES.conduits,
    { code: 'bench-cells-https', zone: 'bench-cells', transport: 'https', flows: ['orders', 'reports'] },
    { code: 'bench-cells-mqtt', zone: 'bench-cells', transport: 'mqtt', flows: ['orders', 'reports'] },
  ],
};

/** Verdicts the agents reached, by order id, with when (performance.now()); a refusal fails whoever waits for it. */
class Verdicts {
  readonly #accepted = new Map<string, number>();
  readonly #refused = new Map<string, string>();
  readonly #waiting = new Map<string, { resolve: (at: number) => void; reject: (error: Error) => void }>();

  record(verdict: { readonly orderId: string; readonly accepted: boolean; readonly code?: string }): void {
    const waiter = this.#waiting.get(verdict.orderId);
    this.#waiting.delete(verdict.orderId);
    if (verdict.accepted) {
      const at = performance.now();
      this.#accepted.set(verdict.orderId, at);
      waiter?.resolve(at);
    } else {
      this.#refused.set(verdict.orderId, verdict.code ?? 'refused');
      waiter?.reject(new Error(`the agent refused order ${verdict.orderId}: ${verdict.code ?? 'no code'}`));
    }
  }

  /** Resolves with the time the order was accepted (at once if it already was). */
  wait(orderId: string, timeoutMs: number): Promise<number> {
    const accepted = this.#accepted.get(orderId);
    if (accepted !== undefined) return Promise.resolve(accepted);
    const refused = this.#refused.get(orderId);
    if (refused !== undefined) return Promise.reject(new Error(`the agent refused order ${orderId}: ${refused}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(orderId);
        reject(new Error(`order ${orderId} not accepted within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(orderId, {
        resolve: (at) => { clearTimeout(timer); resolve(at); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
    });
  }
}

/** Everything the HTTPS figures need: a served plant with one enrolled, running agent per bench cell. */
interface Floor {
  readonly demo: DemoServer;
  readonly world: DemoWorld;
  readonly cells: readonly PlantNodeView[];
  readonly dirs: readonly string[];
  readonly verdicts: Verdicts;
  /** The agents' thread's event-loop use, as `performance.eventLoopUtilization` answers it (since `before`, if given). */
  readonly agentsLoop: (before?: EventLoopUtilization) => EventLoopUtilization;
}

/** Hands out order numbers' positions so no two bench orders share one. */
let nextPosition = 0;

/**
 * Creates, submits and releases orders at `cells` in turn, `RELEASE_CALLERS` at a time, until
 * `count` are released or (when given) `deadline` (performance.now()) passes.
 */
async function releaseOrders(world: DemoWorld, cells: readonly PlantNodeView[], count: number, deadline = Number.POSITIVE_INFINITY): Promise<OrderView[]> {
  const { planner, approverA } = world.cast;
  const orders: OrderView[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const cell = cells[next % cells.length] as PlantNodeView;
      next += 1;
      nextPosition += 1;
      const input = { ...shopFloorOrderInput(nextPosition, cell, new Date()), number: `BENCH-${randomUUID().slice(0, 8)}` };
      let order = await planner.client.expect<OrderView>('create a bench order', { method: 'POST', path: '/api/v1/orders', body: input }, 201);
      order = await act(planner.client, order, 'submit', 'submitted');
      order = await approverA.signer.sign('approved for production', (fields) => act(approverA.client, order, 'release', 'released', fields));
      orders.push(order);
    }
  };
  await Promise.all(Array.from({ length: RELEASE_CALLERS }, caller));
  return orders;
}

/** Dispatches `orders` from `callers` callers until they run out or `deadline` passes; answers those dispatched, with each call's time. */
async function dispatchOrders(world: DemoWorld, orders: readonly OrderView[], callers: number, deadline = Number.POSITIVE_INFINITY): Promise<{ dispatched: OrderView[]; callMs: number[] }> {
  const dispatched: OrderView[] = [];
  const callMs: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < orders.length && performance.now() < deadline) {
      const batch = orders.slice(next, next + DISPATCH_BATCH);
      next += batch.length;
      const began = performance.now();
      const answer = await world.cast.planner.client.expect<{ results: { id: string; ok: boolean; code?: string }[] }>(
        'dispatch a batch of orders', { method: 'POST', path: '/api/v1/orders/dispatch', body: { orders: batch.map((order) => ({ id: order.id, version: order.version })) } },
      );
      callMs.push(performance.now() - began);
      const refused = answer.results.find((result) => !result.ok);
      if (refused !== undefined) throw new Error(`the server refused to dispatch order ${refused.id}: ${refused.code ?? 'no code'}`);
      dispatched.push(...batch);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { dispatched, callMs: callMs.sort((a, b) => a - b) };
}

/** One timed order: dispatch request to the agent's acceptance, and how much of it the dispatch call itself took. */
interface LatencySample {
  readonly totalMs: number;
  readonly dispatchCallMs: number;
}

/** Dispatches each order in turn and times it to the agent's acceptance (the first few untimed: warm-up). */
async function timeOneByOne(world: DemoWorld, orders: readonly OrderView[], verdicts: Verdicts): Promise<LatencySample[]> {
  const samples: LatencySample[] = [];
  for (const [index, order] of orders.entries()) {
    const began = performance.now();
    await act(world.cast.planner.client, order, 'dispatch', 'dispatched');
    const answered = performance.now();
    const accepted = await verdicts.wait(order.id, 30_000);
    if (index >= WARM_UP_ORDERS) samples.push({ totalMs: accepted - began, dispatchCallMs: answered - began });
  }
  return samples;
}

function latencyFigure(placeholder: Placeholder, samples: readonly LatencySample[], roundTrip: Figure | undefined): Figure {
  const totals = samples.map((sample) => sample.totalMs).sort((a, b) => a - b);
  const calls = samples.map((sample) => sample.dispatchCallMs).sort((a, b) => a - b);
  const rawP99 = roundTrip?.detail?.p99ms;
  return {
    ...placeholder, value: quantile(totals, 0.99), target: { kind: 'below', value: LATENCY_TARGET_MS },
    // Beside the raw round trip of the same run (a share of it would mislead: the paths differ in kind).
    detail: {
      n: totals.length, p50ms: round(quantile(totals, 0.5)), maxms: round(totals.at(-1) ?? Number.NaN),
      dispatchCallP50ms: round(quantile(calls, 0.5)), dispatchCallP99ms: round(quantile(calls, 0.99)),
      ...(typeof rawP99 === 'number' ? { rawTlsRoundTripP99ms: rawP99 } : {}),
    },
    note: 'from just before the dispatch request to the agent\'s verdict on disk (JWS verified; job and accepted report fsynced, jti written); dispatchCall: until the API answered',
  };
}

/** The raw limits of this machine, in this run: each its own figure. */
async function measureLimits(part: Section, root: string, loopMs: number, threadPool: number): Promise<{ roundTrip?: Figure; rawVerify?: Figure; appendSync?: Figure }> {
  const roundTrip = await attempt(part, { id: 'shopfloor.limit.tls_round_trip', label: 'raw TLS 1.3 round trip on loopback (1 KiB)', unit: 'ms p50' }, async () => {
    const tls = await measureTlsRoundTrip(loopMs);
    return {
      id: 'shopfloor.limit.tls_round_trip', label: 'raw TLS 1.3 round trip on loopback (1 KiB)', value: tls.p50Ms, unit: 'ms p50',
      detail: { p99ms: round(tls.p99Ms, 3), perSecond: Math.round(tls.perSecond) }, note: 'one connection, echo: the floor under any latency below',
    };
  });
  const rawVerify = await attempt(part, { id: 'shopfloor.limit.ed25519_verify', label: 'raw Ed25519 verify (order JWS)', unit: 'verifies/s' }, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = orderPublicJwk(publicKey);
    const content = shopFloorOrderInput(0, { id: randomUUID(), name: 'Cell' }, new Date());
    const iat = Math.floor(Date.now() / 1000);
    const orderId = randomUUID();
    const jws = signOrderJws(
      { iss: 'bench', sub: orderId, aud: randomUUID(), iat, exp: iat + 86_400, jti: randomUUID(), order: { id: orderId, number: 'B', revision: 1, contentHash: contentHash(content), content }, signatures: [] },
      { kid: jwk.kid, privateKey },
    );
    const signingInput = Buffer.from(jws.slice(0, jws.lastIndexOf('.')), 'ascii');
    const signature = Buffer.from(jws.slice(jws.lastIndexOf('.') + 1), 'base64url');
    if (!verify(null, signingInput, publicKey, signature)) throw new Error('the order JWS does not verify');
    return {
      id: 'shopfloor.limit.ed25519_verify', label: `raw Ed25519 verify (${signingInput.length} B order JWS)`, unit: 'verifies/s',
      value: measureSync(loopMs, () => verify(null, signingInput, publicKey, signature)).perSecond,
      note: 'one core; each accepted order costs one verify at the agent and one at dispatch',
    };
  });
  const appendSync = await attempt(part, { id: 'shopfloor.limit.append_fdatasync', label: 'raw append + fdatasync', unit: 'syncs/s' }, async () => {
    const synced = await measureAppendSync(root, loopMs, threadPool);
    return {
      id: 'shopfloor.limit.append_fdatasync', label: `raw append + fdatasync (200 B, ${threadPool} files at once)`, value: synced.perSecond, unit: 'syncs/s',
      detail: { n: synced.count, p50ms: round(synced.p50Ms, 3) },
      note: `open, write, fdatasync, close as the agent's journals do, ${threadPool} at once (the libuv pool every agent here shares); each accepted order costs 2 at the agent before its verdict and 1 once the server confirmed its report`,
    };
  });
  return { roundTrip, rawVerify, appendSync };
}

/** Something running that the section stops at its end. */
interface Closable {
  close(): Promise<void>;
}

/** Where the agents' thread writes its CPU profile: beside the server's (BENCH_CPU_PROFILE), when that is asked for. */
function agentsProfilePath(): string | undefined {
  const path = process.env.BENCH_CPU_PROFILE;
  return path === undefined || path === '' ? undefined : `${path.replace(/\.cpuprofile$/, '')}.agents.cpuprofile`;
}

/**
 * Starts one HTTPS agent per folder in a worker thread (an event loop and a core of their own
 * beside the server's, as agents on their own machines would have); their verdicts reach `verdicts`.
 */
async function startAgentsWorker(dirs: readonly string[], serverUrl: string, verdicts: Verdicts): Promise<Closable & { loop: Floor['agentsLoop'] }> {
  const worker = new Worker(new URL('./shop-floor-agents-worker.js', import.meta.url), { workerData: { dirs, serverUrl, profilePath: agentsProfilePath() } satisfies AgentsWorkerData });
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: AgentsWorkerMessage) => {
      if ('verdict' in message) verdicts.record(message.verdict);
      else if ('started' in message) resolve();
      else if ('error' in message) reject(new Error(`the agents' worker failed to start them: ${message.error}`));
    });
    worker.once('error', reject);
  });
  const close = async (): Promise<void> => {
    const closed = new Promise((resolve) => worker.on('message', (message: AgentsWorkerMessage) => { if ('closed' in message) resolve(undefined); }));
    worker.postMessage('close');
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await worker.terminate();
  };
  try {
    await started;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return { close, loop: (before) => worker.performance.eventLoopUtilization(before) };
}

/** Serves a fresh data folder, imports the bench cells and zones, and enrols and starts one HTTPS agent per cell. */
async function buildFloor(root: string, cells: number, agents: Closable[], part: Section, adopt: (demo: DemoServer) => void): Promise<Floor> {
  const demo = await startDemoServer(root);
  adopt(demo);
  const world = await buildWorld(demo);
  const imported = await world.admin.expect<{ nodes: readonly PlantNodeView[] }>('import the bench cells', { method: 'POST', path: '/api/v1/plant/import', body: benchPlant(cells) });
  await world.admin.expect('apply the bench zones', { method: 'PUT', path: '/api/v1/zones', body: BENCH_ZONES });
  const benchCells = imported.nodes.filter((node) => node.kind === 'work-center' && node.code.startsWith('cell-'));
  if (benchCells.length !== cells) throw new Error(`expected ${cells} bench cells, the server has ${benchCells.length}`);
  const anonymous = new DemoClient(demo.connection, 'device');
  const began = performance.now();
  const dirs = await Promise.all(benchCells.map(async (cell) => {
    const dir = join(root, 'agents', cell.code);
    await enrolStationDevice(world.admin, anonymous, cell, dir);
    return dir;
  }));
  const verdicts = new Verdicts();
  const worker = await startAgentsWorker(dirs, demo.server.url, verdicts);
  agents.push(worker);
  part.notes.push(`${dirs.length} agents (one per work center, HTTPS, each with its own certificate and folder; all in one worker thread beside the server's) enrolled and started in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  return { demo, world, cells: benchCells, dirs, verdicts, agentsLoop: worker.loop };
}

/** The sustained figure: orders released beforehand across every cell, then dispatched by several callers at once. */
async function measureSustained(part: Section, floor: Floor, plan: ShopFloorPlan, limits: { rawVerify?: Figure; appendSync?: Figure }, placeholder: Placeholder): Promise<[Figure, Figure]> {
  const { world, cells, verdicts } = floor;
  // Warm-up: one order per agent, so each has fetched the signing keys and opened its files before timing.
  const warm = await releaseOrders(world, cells, cells.length);
  await dispatchOrders(world, warm, DISPATCH_CALLERS);
  await Promise.all(warm.map((order) => verdicts.wait(order.id, 60_000)));

  const prepareBegan = performance.now();
  const orders = await releaseOrders(world, cells, plan.rateOrderCap, prepareBegan + plan.prepareMs);
  const prepareSeconds = (performance.now() - prepareBegan) / 1000;
  part.notes.push(`${orders.length.toLocaleString('en-US')} orders created, submitted and released for the sustained figure in ${prepareSeconds.toFixed(1)} s (${(orders.length / prepareSeconds).toFixed(0)}/s, ${RELEASE_CALLERS} at a time; each release checks the approver's password with argon2id), spread evenly over ${cells.length} work centers`);

  const profile = await startWindowProfile(process.env.BENCH_CPU_PROFILE);
  const meter = startBusyMeter();
  const agentsBefore = floor.agentsLoop();
  const began = performance.now();
  const { dispatched, callMs } = await dispatchOrders(world, orders, DISPATCH_CALLERS, began + plan.dispatchMs);
  const dispatchSeconds = (performance.now() - began) / 1000;
  await Promise.all(dispatched.map((order) => verdicts.wait(order.id, 120_000)));
  const seconds = (performance.now() - began) / 1000;
  const busy = meter.stop();
  const agentsBusy = floor.agentsLoop(agentsBefore).utilization;
  const profilePath = await profile.stop();
  if (profilePath !== undefined) part.notes.push(`CPU profile of the sustained window written to ${profilePath}`);
  const rate = dispatched.length / seconds;
  const dispatchRate = dispatched.length / dispatchSeconds;
  const dispatchCalls: Figure = {
    id: 'shopfloor.https.dispatch_calls', label: `orders through the dispatch API in that window (${DISPATCH_CALLERS} callers, ${DISPATCH_BATCH} orders a call)`, value: dispatchRate, unit: 'orders/s',
    detail: { n: dispatched.length, calls: callMs.length, callP50ms: round(quantile(callMs, 0.5)), callP99ms: round(quantile(callMs, 0.99)) },
    note: 'each order: policy, stored JWS verified, zone and conduit checked, state change and audit entry (the orders of a call share commits); then announced to the transports',
  };
  // Behind by more than a tenth of the window: acceptance, not the dispatch API, set the pace.
  const lagging = seconds - dispatchSeconds > seconds / 10;
  const syncsPerSecond = limits.appendSync?.value;
  const cpuMsPerOrder = (busy.cpuCores * busy.seconds * 1000) / Math.max(1, dispatched.length);
  const serverMsPerOrder = (busy.eventLoopUtilization * busy.seconds * 1000) / Math.max(1, dispatched.length);
  part.notes.push(
    `where the time goes (sustained window): the last acceptance came ${(seconds - dispatchSeconds).toFixed(2)} s after the last dispatch call of ${seconds.toFixed(2)} s${lagging ? ' (the agents fell behind the dispatch API)' : ' (the agents kept pace with the dispatch API)'}; `
    + `the server's JavaScript thread (with the load generator) was busy ${(busy.eventLoopUtilization * 100).toFixed(0)}% of the window, the ${cells.length} agents' thread ${(agentsBusy * 100).toFixed(0)}% (${((agentsBusy * busy.seconds * 1000) / Math.max(1, dispatched.length)).toFixed(2)} ms per order), and the process used ${busy.cpuCores.toFixed(2)} of ${cpus().length} cores, `
    + `${cpuMsPerOrder.toFixed(1)} CPU ms per order end to end (dispatch call, SSE, agent verify and 2 fsyncs, its signed report sent back and stored), so these ${cpus().length} cores carry at most about ${Math.round((cpus().length * 1000) / cpuMsPerOrder).toLocaleString('en-US')} orders/s with server, agents and load generator all on them; `
    + `the server's thread spent ${serverMsPerOrder.toFixed(2)} ms per order (${Math.round(1000 / serverMsPerOrder).toLocaleString('en-US')} orders/s if it had a core to itself)`
    + (typeof syncsPerSecond !== 'number' ? '' : `; the agents' 2 fsyncs per order before the verdict (and 1 more as the report is confirmed) cap this one disk at about ${Math.round(syncsPerSecond / 3).toLocaleString('en-US')} orders/s (raw append + fdatasync / 3), before the server's own commits`),
  );
  return [{
    ...placeholder, value: rate, limit: limits.rawVerify ? limitOf(limits.rawVerify) : undefined, target: { kind: 'at-least', value: RATE_TARGET_PER_SECOND },
    detail: { n: dispatched.length, dispatchSeconds: round(dispatchSeconds), totalSeconds: round(seconds), eventLoopBusy: round(busy.eventLoopUtilization), agentsLoopBusy: round(agentsBusy), cpuCores: round(busy.cpuCores), cpuMsPerOrder: round(cpuMsPerOrder), serverThreadMsPerOrder: round(serverMsPerOrder) },
    note: `${DISPATCH_CALLERS} callers dispatch ${DISPATCH_BATCH} orders a call; each order goes by server-sent events to its agent, which verifies it, fsyncs job and report and writes the jti; counted when every dispatched order was accepted`,
  }, dispatchCalls];
}

/** Section 8. */
export async function shopFloorSection(config: BenchConfig): Promise<Section> {
  const part = section('8. Shop floor: dispatch to the edge agents');
  const plan = planOf(config);
  const root = await mkdtemp(join(tmpdir(), 'forgeline-bench-floor-'));
  const agents: Closable[] = [];
  let demo: DemoServer | undefined;
  let broker: DemoBroker | undefined;
  let mqttServer: RunningServer | undefined;
  const httpsLatency: Placeholder = { id: 'shopfloor.https.release_to_accepted', label: 'dispatch to accepted at the agent, HTTPS (server-sent events)', unit: 'ms p99' };
  const sustained: Placeholder = { id: 'shopfloor.https.sustained', label: `orders dispatched, verified and accepted across ${plan.cells} agents`, unit: 'orders/s' };
  const mqttLatency: Placeholder = { id: 'shopfloor.mqtt.release_to_accepted', label: 'dispatch to accepted at the agent, MQTT (QoS 1, TLS 1.3)', unit: 'ms p99' };
  try {
    const { roundTrip, rawVerify, appendSync } = await measureLimits(part, root, config.limitMs, config.threadPool);

    let floor: Floor | undefined;
    try {
      floor = await buildFloor(root, plan.cells, agents, part, (started) => { demo = started; });
    } catch (error) {
      part.notes.push(`FAILED: setting up the server and ${plan.cells} agents: ${messageOf(error)}`);
      for (const placeholder of [httpsLatency, sustained, mqttLatency]) part.figures.push({ ...placeholder, value: null, note: 'not run: the setup failed' });
      return part;
    }
    const ready = floor;

    // Latency over HTTPS: one order at a time to the first cell's agent.
    const firstCell = ready.cells[0] as PlantNodeView;
    await attempt(part, httpsLatency, async () => {
      const orders = await releaseOrders(ready.world, [firstCell], plan.latencyOrders + WARM_UP_ORDERS);
      return latencyFigure(httpsLatency, await timeOneByOne(ready.world, orders, ready.verdicts), roundTrip);
    });

    await attempt(part, sustained, () => measureSustained(part, ready, plan, { rawVerify, appendSync }, sustained));

    // Latency over MQTT: the broker configured from the registry as `forgeline mqtt config` does, the server bridging to it.
    const mosquitto = findMosquitto();
    if (mosquitto === undefined) {
      part.figures.push({ ...mqttLatency, value: null, note: 'SKIP: mosquitto is not installed' });
    } else {
      await attempt(part, mqttLatency, async () => {
        await Promise.all(agents.splice(0).map((agent) => agent.close()));
        const brokerDir = join(root, 'broker');
        broker = await startDemoBroker({ executable: mosquitto, dataDir: join(root, 'data'), dir: brokerDir });
        // The same data folder and port, now with the MQTT bridge: the signed-in clients keep working.
        const port = Number(new URL(ready.demo.server.url).port);
        await ready.demo.server.close();
        mqttServer = await serveForgeline({ dataDir: join(root, 'data'), host: '127.0.0.1', port, log: false, rateLimits: NO_RATE_LIMITS, mqtt: { url: broker.url, dir: brokerDir } });
        agents.push(await startAgentProcess({ dir: ready.dirs[0] as string, serverUrl: mqttServer.url, transport: mqttTransport(broker.url), onVerdict: (verdict) => ready.verdicts.record(verdict) }));
        // The agent subscribes in the background after it connected, and an order published before that is not queued for it.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const orders = await releaseOrders(ready.world, [firstCell], plan.latencyOrders + WARM_UP_ORDERS);
        return latencyFigure(mqttLatency, await timeOneByOne(ready.world, orders, ready.verdicts), roundTrip);
      });
    }
    part.notes.push(
      `release-to-accepted is timed from the dispatch request, after release (a release is a person's e-signature, not part of the channel); ${WARM_UP_ORDERS} untimed orders first`,
      `server, ${plan.cells} agents and the broker share this machine's ${cpus().length} cores; the HTTPS agents share one worker thread, where a real plant gives each agent its own machine`,
    );
    return part;
  } finally {
    await Promise.allSettled(agents.map((agent) => agent.close()));
    await mqttServer?.close().catch(() => undefined);
    await demo?.server.close().catch(() => undefined);
    await demo?.connection.close().catch(() => undefined);
    await broker?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}
