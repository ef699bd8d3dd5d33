/**
 * Section 3: order creation over the HTTPS API. A temp data folder made by
 * `initDataFolder`, served by `serveForgeline` in a worker thread on
 * 127.0.0.1; clients share one keep-alive undici Agent that trusts the
 * folder's CA. The same clients' rate on `GET /healthz` is the HTTP+TLS limit.
 */
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { initDataFolder, readManifest, storeOptionsFor } from '../src/server/index.js';
import { openDatabase } from '../src/store/index.js';
import type { BenchConfig } from './bench-config.js';
import { benchTempDir } from './bench-stores.js';
import { BENCH_PASSWORD, createBenchWorld, type BenchWorld } from './bench-world.js';
import type { MeasuredLimits } from './limits-section.js';
import { formatNumber, section, type Section } from './report.js';
import type { ServerWorkerData } from './https-server-worker.js';
import { measureAsync, type Throughput } from './timing.js';

interface RunningWorker {
  readonly url: string;
  stop(): Promise<void>;
}

async function startServer(dataDir: string): Promise<RunningWorker> {
  const worker = new Worker(new URL('./https-server-worker.js', import.meta.url), { workerData: { dataDir } satisfies ServerWorkerData });
  const [message] = (await once(worker, 'message')) as [{ url?: string; error?: string }];
  if (message.url === undefined) {
    await worker.terminate();
    throw new Error(`the server did not start: ${message.error ?? 'no reason given'}`);
  }
  return {
    url: message.url,
    stop: async () => {
      worker.postMessage('close');
      await once(worker, 'message');
      await worker.terminate();
    },
  };
}

/** Prepares the data folder through the services (plant, items, users), as an admin would before serving. */
async function prepareDataFolder(dataDir: string): Promise<{ world: BenchWorld; ca: string }> {
  const passwordFile = join(dataDir, '..', 'admin-password');
  await writeFile(passwordFile, `${BENCH_PASSWORD}\n`, { mode: 0o600 });
  await initDataFolder({ dataDir, adminPasswordFile: passwordFile });
  const manifest = await readManifest(dataDir);
  const store = await openDatabase(storeOptionsFor(dataDir, manifest));
  try {
    const world = await createBenchWorld(store);
    return { world, ca: await readFile(join(dataDir, manifest.tls.ca), 'utf8') };
  } finally {
    await store.close();
  }
}

async function expectStatus(response: Awaited<ReturnType<typeof request>>, status: number, what: string): Promise<string> {
  const body = await response.body.text();
  if (response.statusCode !== status) throw new Error(`${what}: HTTP ${response.statusCode} ${body.slice(0, 300)}`);
  return body;
}

function detail(rate: Throughput): Record<string, number> {
  return { n: rate.count, p50ms: rate.p50Ms, p95ms: rate.p95Ms };
}

/** Measures `GET /healthz` and `POST /api/v1/orders` from `config.concurrency` clients on SQLite, the embedded default. */
export async function httpsSection(config: BenchConfig, limits: MeasuredLimits): Promise<Section> {
  const part = section('3. HTTPS API (SQLite, the embedded default)');
  const root = await benchTempDir('https');
  const dataDir = join(root, 'data');
  try {
    const { world, ca } = await prepareDataFolder(dataDir);
    const server = await startServer(dataDir);
    const agent = new Agent({ connect: { ca }, connections: config.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
    try {
      const signIn = await request(`${server.url}/api/v1/sessions`, {
        dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: world.actors.planner.subject.username, password: BENCH_PASSWORD }),
      });
      const { token } = JSON.parse(await expectStatus(signIn, 201, 'sign-in')) as { token: string };
      const healthz = async (): Promise<void> => {
        await expectStatus(await request(`${server.url}/healthz`, { dispatcher: agent }), 200, 'GET /healthz');
      };
      const create = async (input: Record<string, unknown>): Promise<void> => {
        const response = await request(`${server.url}/api/v1/orders`, {
          dispatcher: agent, method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input),
        });
        await expectStatus(response, 201, 'POST /api/v1/orders');
      };
      const loop = { concurrency: config.concurrency };
      const warm = config.httpsMs / 5;
      await measureAsync({ ...loop, durationMs: warm, next: () => true, op: healthz });
      const health = await measureAsync({ ...loop, durationMs: config.httpsMs, next: () => true, op: healthz });
      await measureAsync({ ...loop, durationMs: warm, next: () => world.orderInput(), op: create });
      const creates = await measureAsync({ ...loop, durationMs: config.httpsMs, next: () => world.orderInput(), op: create });

      const c = config.concurrency;
      const healthLimit = { id: 'https.sqlite.healthz', label: `GET /healthz (${c} clients)`, value: health.perSecond };
      part.figures.push(
        { id: healthLimit.id, label: healthLimit.label, value: health.perSecond, unit: 'req/s', detail: detail(health), note: 'the HTTP+TLS limit: same clients, a trivial route (select 1)' },
        { id: 'https.sqlite.create', label: `POST /api/v1/orders (${c} clients)`, value: creates.perSecond, unit: 'orders/s', limit: healthLimit, target: { kind: 'at-least', value: 2000 }, detail: detail(creates) },
        ...(limits.sqlite ? [{ id: 'https.sqlite.create_vs_commit', label: 'same creations, beside the commit limit', value: creates.perSecond, unit: 'orders/s', limit: limits.sqlite }] : []),
      );
      part.notes.push(
        `Server: serveForgeline({ host: '127.0.0.1', port: 0, log: false, rateLimits: NO_RATE_LIMITS }) in a worker thread; clients: ${c} concurrent loops on one undici Agent (${c} keep-alive TLS connections, the data folder's CA) in the main thread. Both share the machine's cores.`,
        `Each figure: ${formatNumber(config.httpsMs / 1000)} s after a ${formatNumber(warm / 1000)} s warm-up; every response is read and its status checked (201 / 200).`,
      );
    } finally {
      await agent.close();
      await server.stop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return part;
}
