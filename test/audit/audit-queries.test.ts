import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';

/**
 * The auditor's filters go through the audit lookup, which order changes do not fill: a query
 * right after a burst of changes must still be exact, and page as a scan of the log would.
 */
describeEachEngine('audit queries through the lookup', (engine) => {
  let world: TestWorld;
  let planners: Actor[];

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planners = [await world.user('pia.planner', ['planner']), await world.user('paul.planner', ['planner'])];
  });

  /** Every entry as a scan of `audit_entries` sees it: index, actor, order, kind, outcome, time. */
  const scan = async () => (await engine.store().db.selectFrom('audit_entries').select(['idx', 'actor', 'order_id', 'kind', 'outcome', 'at', 'entry']).orderBy('idx').execute())
    .map((row) => ({ index: Number(row.idx), actor: row.actor, orderId: row.order_id, kind: row.kind, outcome: row.outcome, at: row.at, entry: row.entry }));

  /** Every page of a filtered listing, `limit` at a time, followed through `nextAfter`. */
  const listAll = async (filter: Record<string, unknown>, limit: number) => {
    const indices: number[] = [];
    for (let after = -1; ;) {
      const page = await world.services.audit.list(SETUP_ADMIN, { ...filter, after, limit });
      indices.push(...page.items.map((item) => item.index));
      if (page.nextAfter === null) return indices;
      after = page.nextAfter;
    }
  };

  it('finds the entries of changes made just before, with every filter, exactly as a scan of the log', async () => {
    const orders = await Promise.all(Array.from({ length: 8 }, (_, i) => world.createOrder(planners[i % 2] as Actor)));
    world.clock.advance(60_000);
    const midway = world.clock.now().toISOString();
    await Promise.all(orders.slice(0, 5).map((order, i) => world.services.orders.perform(planners[i % 2] as Actor, order.id, 'submit', { version: 1 })));
    // Refused: a planner of nothing may not read the log; the refusal is itself an entry.
    await expect(world.services.audit.list(planners[0] as Actor, {})).rejects.toThrow();
    const target = orders[2]?.id ?? '';

    const filters: Record<string, unknown>[] = [
      {}, { actor: 'pia.planner' }, { orderId: target }, { kind: 'order.submit' }, { outcome: 'denied' }, { since: midway }, { until: midway },
      { kind: 'order.create', actor: 'paul.planner' }, { orderId: target, kind: 'order.submit' }, { q: 'PIA.planner' }, { q: 'submit', actor: 'paul.planner' },
    ];
    for (const filter of filters) {
      const all = await scan();
      const expected = all.filter((entry) =>
        (filter.actor === undefined || entry.actor === filter.actor) && (filter.orderId === undefined || entry.orderId === filter.orderId) &&
        (filter.kind === undefined || entry.kind === filter.kind) && (filter.outcome === undefined || entry.outcome === filter.outcome) &&
        (filter.since === undefined || entry.at >= String(filter.since)) && (filter.until === undefined || entry.at < String(filter.until)) &&
        (filter.q === undefined || entry.entry.toLowerCase().includes(String(filter.q).toLowerCase())));
      // Paging logs each page read; those later entries are past the scan.
      const listed = (await listAll(filter, 3)).filter((index) => index <= (all.at(-1)?.index ?? -1));
      expect(listed, JSON.stringify(filter)).toEqual(expected.map((entry) => entry.index));
      expect(listed.length, JSON.stringify(filter)).toBeGreaterThan(0);
    }
    expect((await listAll({ orderId: target }, 100)).length).toBe(2);
    expect((await listAll({ outcome: 'denied' }, 100)).length).toBe(1);
  });

  it('sees an entry committed just before the query, on every call, without waiting for the background filler', async () => {
    for (let round = 0; round < 5; round += 1) {
      const order = await world.createOrder(planners[round % 2] as Actor);
      const page = await world.services.audit.list(SETUP_ADMIN, { orderId: order.id });
      expect(page.items.map((item) => item.kind)).toEqual(['order.create']);
      expect(page.items[0]).not.toHaveProperty('entry');
      expect(page.items[0]).not.toHaveProperty('nodes');
    }
  });

  it('lists only entries whose own columns match, whatever a stale lookup row says', async () => {
    const order = await world.createOrder(planners[0] as Actor);
    await world.services.audit.list(SETUP_ADMIN, {});
    // The lookup only finds indices: pointing every lookup row at the order lists none of the others.
    await engine.store().db.updateTable('audit_lookup').set({ order_id: order.id }).execute();
    const listed = await world.services.audit.list(SETUP_ADMIN, { orderId: order.id });
    expect(listed.items.map((item) => item.kind)).toEqual(['order.create']);
  });
});
