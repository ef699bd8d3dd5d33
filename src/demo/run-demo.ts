import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { tallyAudit } from './audit-tally.js';
import { DemoError } from './demo-error.js';
import { auditLines, floorAuditLine, itemsLine, line, ordersLine, plantLine, refusalLines, usersLine } from './demo-report.js';
import { buildWorld, startDemoServer, type DemoServer, type DemoWorld } from './demo-setup.js';
import { countOrdersByState } from './order-census.js';
import { DEMO_ORDER_COUNT, planOrder } from './order-plan.js';
import { runOrder, type OrderOutcome } from './order-story.js';
import { runLimited } from './run-limited.js';
import { runShopFloor, type ShopFloorSummary } from './shop-floor.js';
import { findMosquitto } from './shop-floor-broker.js';
import { Closers } from './shop-floor-closers.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Receives each line of the report. */
  readonly out: (line: string) => void;
  /** Leave the temporary data folder in place (its path is printed). */
  readonly keep?: boolean;
  /** The Mosquitto executable for the MQTT work centers; null runs them over HTTPS. By default the usual install locations are looked in. */
  readonly mosquitto?: string | null;
}

/** What the demo did, for the CLI and for tests. */
export interface DemoSummary {
  readonly ordersByState: Record<string, number>;
  readonly auditEntries: number;
  readonly deniedEntries: number;
  /** Refusals provoked on purpose, counted by the API's problem `code`. */
  readonly refusals: Record<string, number>;
  /** The shop floor chapter: agents and machines per work center, orders completed by them, the tampered copy refused. */
  readonly shopFloor: ShopFloorSummary;
  readonly seconds: number;
}

/** Orders in flight at once: enough to overlap network and hashing, few enough for two cores. */
const IN_FLIGHT = 4;

function elapsedSeconds(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}

async function runOrders(world: DemoWorld, out: (line: string) => void): Promise<OrderOutcome[]> {
  const plans = Array.from({ length: DEMO_ORDER_COUNT }, (_, index) => planOrder(index));
  let done = 0;
  const now = new Date();
  return runLimited(plans, IN_FLIGHT, async (plan) => {
    const workCenter = world.workCenters[plan.index % world.workCenters.length];
    if (!workCenter) throw new DemoError('plan the orders', 'the plant has no work center');
    const outcome = await runOrder({ cast: world.cast, workCenterId: workCenter.id, now }, plan);
    done += 1;
    if (done % 10 === 0) out(line('orders', `${done}/${DEMO_ORDER_COUNT} through their lifecycle`));
    return outcome;
  });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/**
 * Runs the whole story against a real server in a temporary folder: a plant, its
 * people, 50 orders from draft to closed (some held, paused or cancelled, some
 * refused on purpose), then the shop floor (an edge agent and a simulated machine per work
 * center, over HTTPS and MQTT), then the auditor's reading of the log. People talk to the
 * server only over HTTPS through the public API. Removes the folder afterwards unless `keep`.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { out } = options;
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), 'forgeline-demo-'));
  let demo: DemoServer | undefined;
  const closers = new Closers();
  try {
    out(`Forgeline demo in ${root}`);
    demo = await startDemoServer(root).catch((error: unknown) => {
      throw error instanceof DemoError ? error : new DemoError('start the server', error instanceof Error ? error.message : String(error));
    });
    out(line('server', `${demo.server.url}, HTTPS trusting only the folder's own CA`));
    const world = await buildWorld(demo);
    out(plantLine(world.nodes));
    out(itemsLine());
    out(usersLine());
    const ordersStarted = performance.now();
    const outcomes = await runOrders(world, out);
    const ordersSeconds = elapsedSeconds(ordersStarted);
    const auditor = world.cast.auditor.client;
    const ordersByState = await countOrdersByState(auditor);
    const settled = (ordersByState.closed ?? 0) + (ordersByState.cancelled ?? 0);
    if (settled !== DEMO_ORDER_COUNT || Object.keys(ordersByState).length > 2) {
      throw new DemoError('count the orders', `expected ${DEMO_ORDER_COUNT} orders closed or cancelled, the server lists ${JSON.stringify(ordersByState)}`);
    }
    out(ordersLine(ordersByState, outcomes, ordersSeconds));
    const refused = outcomes.flatMap((outcome) => outcome.refusals);
    refusalLines(refused).forEach((text) => out(text));
    const mosquitto = options.mosquitto === null ? undefined : (options.mosquitto ?? findMosquitto());
    const shopFloor = await runShopFloor({ root, dataDir: join(root, 'data'), demo, world, mosquitto, out, closers });
    const tally = await tallyAudit(auditor);
    // The retried create must not have made a second order, so exactly one create per order.
    const creates = tally.byKind.get('order.create')?.ok ?? 0;
    const expectedCreates = DEMO_ORDER_COUNT + shopFloor.completed;
    if (creates !== expectedCreates) throw new DemoError('read the audit log', `expected ${expectedCreates} order.create entries, found ${creates}`);
    out(floorAuditLine(tally));
    auditLines(tally).forEach((text) => out(text));
    const seconds = elapsedSeconds(started);
    out(line('time', `${seconds.toFixed(1)} s in all`));
    if (options.keep) out(line('kept', `${join(root, 'data')} (admin password in ${join(root, 'admin-password')})`));
    return { ordersByState, auditEntries: tally.entries, deniedEntries: tally.denied, refusals: countBy(refused, (refusal) => refusal.code), shopFloor, seconds };
  } finally {
    // Agents and machines first, then the server they talk to, then its broker.
    await closers.closeAll();
    await demo?.connection.close().catch(() => undefined);
    await demo?.server.close();
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
}
