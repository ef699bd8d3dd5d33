/** The devices' order feed: watchers hear of a dispatch once, at once from this instance and by polling from another. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OrderFeed } from '../../src/devices/index.js';
import { DispatchSignal, type DispatchedOrder } from '../../src/orders/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';
import { dispatchedOrder, orderCrew, type OrderCrew } from './device-channel-kit.js';

const POLL_MS = 40;

describeEachEngine('the order feed', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let signal: DispatchSignal;
  let feed: OrderFeed;

  beforeEach(async () => {
    world = await createWorld(engine.store());
    crew = await orderCrew(world);
    // A signal of its own: the world's order service does not announce on it, as another instance would not.
    signal = new DispatchSignal();
    feed = new OrderFeed({ store: engine.store(), clock: world.clock, zones: world.services.zones, dispatches: signal, pollMs: POLL_MS });
  });

  afterEach(() => feed.close());

  /** Lets the feed poll several times. */
  const afterPolls = (polls = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, POLL_MS * polls));

  it('tells of an announced dispatch once: the polls that find it afterwards do not tell of it again', async () => {
    const heard: DispatchedOrder[] = [];
    feed.watch(world.node('wc-mill').id, (order) => heard.push(order));
    await afterPolls();
    expect(heard).toEqual([]);

    const order = await dispatchedOrder(world, crew);
    const announced = { orderId: order.id, revision: order.revision, workCenterId: order.workCenterId };
    signal.announce(announced);
    expect(heard).toEqual([announced]);
    await afterPolls();
    expect(heard).toEqual([announced]);
  });

  it('tells once when a poll found the dispatch before its announcement came', async () => {
    const heard: DispatchedOrder[] = [];
    feed.watch(world.node('wc-mill').id, (order) => heard.push(order));
    await afterPolls();
    const order = await dispatchedOrder(world, crew);
    const found = { orderId: order.id, revision: order.revision, workCenterId: order.workCenterId };
    await expect.poll(() => heard.length, { timeout: 5_000 }).toBe(1);
    signal.announce({ ...found, delivery: { number: order.number, jws: 'eyJ.the.jws' } });
    await afterPolls();
    expect(heard).toEqual([found]);
  });

  it('tells of an order another instance dispatched (never announced here) by polling, once, and only to its work center', async () => {
    const mill: DispatchedOrder[] = [];
    const lathe: DispatchedOrder[] = [];
    feed.watch(world.node('wc-mill').id, (order) => mill.push(order));
    feed.watch(world.node('wc-lathe').id, (order) => lathe.push(order));
    await afterPolls();

    const order = await dispatchedOrder(world, crew);
    await expect.poll(() => mill.length, { timeout: 5_000 }).toBe(1);
    await afterPolls();
    expect(mill).toEqual([{ orderId: order.id, revision: order.revision, workCenterId: order.workCenterId }]);
    expect(lathe).toEqual([]);
  });
});
