import { describe, expect, it } from 'vitest';
import { AuditLookupFiller } from '../../src/audit/index.js';
import { catchUpAuditLookup } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld } from '../support/factories.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit lookup filler', () => {
  it('catches up on every tick, one at a time, reports failures and keeps going, and stops', async () => {
    let calls = 0;
    let running = 0;
    let overlapped = false;
    const errors: unknown[] = [];
    const filler = new AuditLookupFiller(async () => {
      calls += 1;
      overlapped ||= running > 0;
      running += 1;
      await sleep(15);
      running -= 1;
      if (calls === 2) throw new Error('database went away');
    }, (error) => errors.push(error), 5);
    filler.start();
    // Until the tick after the failing one has run (a loaded machine may delay ticks a lot).
    for (const deadline = Date.now() + 10_000; calls < 3 && Date.now() < deadline;) await sleep(5);
    await filler.stop();
    const stoppedAt = calls;
    await sleep(40);
    expect(calls).toBe(stoppedAt);
    expect(calls).toBeGreaterThan(2);
    expect(overlapped).toBe(false);
    expect(errors).toHaveLength(1);
  });
});

describeEachEngine('audit lookup filler on a store', (engine) => {
  it('fills the lookup in the background, outside the order transactions', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    await world.createOrder(planner);
    const filler = new AuditLookupFiller(() => catchUpAuditLookup(engine.store()), (error) => { throw error; }, 10);
    filler.start();
    await sleep(150);
    await filler.stop();
    const count = async (table: 'audit_entries' | 'audit_lookup') =>
      Number((await engine.store().db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count('audit_lookup')).toBe(await count('audit_entries'));
    expect(await count('audit_lookup')).toBeGreaterThan(0);
  });
});
