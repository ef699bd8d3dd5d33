import { expect, it } from 'vitest';
import { createServices } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { expectCode } from '../support/expect-code.js';
import { createWorld } from '../support/factories.js';

describeEachEngine('a customer search the keyring refuses', (engine) => {
  it('is audited as a refused confidential read with the code, naming no customer', async () => {
    const world = await createWorld(engine.store());
    const planner = await world.user('pia.planner', ['planner']);
    await world.createOrder(planner, { customerReference: 'ACME-42' });
    // Another process whose keyring lacks the KEK that wrapped the search key (an unknown KEK is keyring-unavailable).
    const elsewhere = createServices({ store: engine.store(), clock: world.clock, auditIdentity: world.identity });

    const refusal = await expectCode(elsewhere.orders.queries.list(planner, { customer: 'ACME-42' }), 'keyring-unavailable');
    const rows = await engine.store().db.selectFrom('audit_entries').select(['kind', 'outcome', 'actor', 'order_id', 'detail']).where('kind', '=', 'order.read-confidential').orderBy('idx').execute();
    expect(rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as unknown }))).toEqual([
      { kind: 'order.read-confidential', outcome: 'denied', actor: 'pia.planner', order_id: null, detail: { search: 'customerReference', reason: refusal.message, code: 'keyring-unavailable' } },
    ]);
    expect(refusal.message).toMatch(/^the customer search key: /);
    expect(rows[0]?.detail).not.toMatch(/acme/i);

    // The same search where the keyring opens the key: audited as the confidential read it is.
    await world.services.orders.queries.list(planner, { customer: 'ACME-42' });
    const outcomes = await engine.store().db.selectFrom('audit_entries').select('outcome').where('kind', '=', 'order.read-confidential').orderBy('idx').execute();
    expect(outcomes.map((row) => row.outcome)).toEqual(['denied', 'ok']);
  });
});
