/**
 * Order service throughput: creations, submissions, releases (with the real
 * electronic signature, and with a cheap one to time the database path) and
 * dispatch/start/complete, through `createServices(...).orders` on a fresh
 * database, from one caller and from several at once.
 */
import type { OrderCommand, OrderDetail } from '../src/domain/index.js';
import type { StoreKind } from '../src/store/index.js';
import { openBenchStore } from './bench-stores.js';
import { BENCH_PASSWORD, createBenchWorld, type BenchWorld } from './bench-world.js';
import { measureAsync, warmUp, type Throughput } from './timing.js';

/** The measured phases, in the order an order goes through them. */
export const SERVICE_PHASES = ['create', 'submit', 'release', 'release-db', 'dispatch', 'start', 'complete'] as const;

/** One of {@link SERVICE_PHASES}; `release-db` is a release signed by the cheap-hash approver. */
export type ServicePhase = (typeof SERVICE_PHASES)[number];

/** The phases measured with one number of callers. */
export interface ServiceRun {
  readonly callers: number;
  readonly phases: Readonly<Record<ServicePhase, Throughput>>;
  /** Orders that reached `completed` in the database, as a cross-check of the counts. */
  readonly completedInDatabase: number;
}

interface Tracked {
  readonly id: string;
  readonly version: number;
}

function track(order: OrderDetail): Tracked {
  return { id: order.id, version: order.version };
}

/** Hands out the items of `list` one by one, front first. */
function drain<T>(list: T[]): () => T | undefined {
  let index = 0;
  return () => list[index++];
}

async function runPhases(world: BenchWorld, callers: number, phaseMs: number): Promise<Record<ServicePhase, Throughput>> {
  const { orders } = world.services;
  const { planner, approver, fastApprover, operator } = world.actors;
  const created: Tracked[] = [];
  const create = await measureAsync({
    concurrency: callers, durationMs: phaseMs, next: () => world.orderInput(),
    op: async (input) => created.push(track(await orders.create(planner, input))),
  });
  const step = async (from: Tracked[], actor: typeof planner, command: OrderCommand, body: Record<string, unknown> = {}): Promise<{ done: Tracked[]; rate: Throughput }> => {
    const done: Tracked[] = [];
    const rate = await measureAsync({
      concurrency: callers, durationMs: phaseMs, next: drain(from),
      op: async (order: Tracked) => done.push(track(await orders.perform(actor, order.id, command, { ...body, version: order.version }))),
    });
    // What the time did not reach stays for the next phase of the same kind.
    from.splice(0, done.length);
    return { done, rate };
  };
  const submit = await step(created, planner, 'submit');
  const submitted = submit.done;
  const release = await step(submitted, approver, 'release', { password: BENCH_PASSWORD, meaning: 'approved for production' });
  const releaseDb = await step(submitted, fastApprover, 'release', { password: BENCH_PASSWORD, meaning: 'approved for production' });
  const released = [...release.done, ...releaseDb.done];
  const dispatch = await step(released, planner, 'dispatch');
  const start = await step(dispatch.done, operator, 'start');
  const complete = await step(start.done, operator, 'complete');
  return {
    create, submit: submit.rate, release: release.rate, 'release-db': releaseDb.rate,
    dispatch: dispatch.rate, start: start.rate, complete: complete.rate,
  };
}

/** Takes `count` orders through the whole measured path once, untimed, so every query and code path is warm. */
async function warmUpWorld(world: BenchWorld, count: number): Promise<void> {
  const { orders } = world.services;
  const { planner, approver, fastApprover, operator } = world.actors;
  await warmUp(count, async (index) => {
    let order = await orders.create(planner, world.orderInput());
    order = await orders.perform(planner, order.id, 'submit', { version: order.version });
    const signer = index < 2 ? approver : fastApprover;
    order = await orders.perform(signer, order.id, 'release', { version: order.version, password: BENCH_PASSWORD });
    for (const [actor, command] of [[planner, 'dispatch'], [operator, 'start'], [operator, 'complete']] as const) {
      order = await orders.perform(actor, order.id, command, { version: order.version });
    }
  });
}

/** Runs the phases with one caller, then with `concurrency` callers, on a fresh database of `kind`. */
export async function benchOrderService(kind: StoreKind, postgresUrl: string, phaseMs: number, concurrency: number, warmUpOrders: number): Promise<ServiceRun[]> {
  const bench = await openBenchStore(kind, postgresUrl, 'service');
  try {
    const world = await createBenchWorld(bench.store);
    await warmUpWorld(world, warmUpOrders);
    const runs: ServiceRun[] = [];
    for (const callers of [1, concurrency]) {
      const before = await countCompleted(world);
      const phases = await runPhases(world, callers, phaseMs);
      runs.push({ callers, phases, completedInDatabase: (await countCompleted(world)) - before });
    }
    return runs;
  } finally {
    await bench.dispose();
  }
}

async function countCompleted(world: BenchWorld): Promise<number> {
  const row = await world.services.store.db
    .selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'completed').executeTakeFirstOrThrow();
  return Number(row.n);
}
