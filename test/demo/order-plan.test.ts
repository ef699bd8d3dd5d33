import { describe, expect, it } from 'vitest';
import { DEMO_ORDER_COUNT, planOrder } from '../../src/demo/order-plan.js';

describe('demo order plan', () => {
  const plans = Array.from({ length: DEMO_ORDER_COUNT }, (_, index) => planOrder(index));

  it('cancels four orders: two by the planner before release, two by an approver after', () => {
    const cancels = plans.flatMap((plan) => (plan.cancel ? [{ ...plan.cancel, approver: plan.approver }] : []));
    expect(cancels.map((cancel) => cancel.at).sort()).toEqual(['draft', 'released', 'running', 'submitted']);
    for (const cancel of cancels) {
      expect(cancel.by).toBe(cancel.at === 'draft' || cancel.at === 'submitted' ? 'planner' : cancel.approver);
    }
  });

  it('holds five orders, none of them cancelled, and never has an author release their own order', () => {
    expect(plans.filter((plan) => plan.hold !== null && plan.cancel === null)).toHaveLength(5);
    expect(plans.every((plan) => plan.author !== plan.approver)).toBe(true);
    expect(new Set(plans.map((plan) => plan.approver))).toEqual(new Set(['approverA', 'approverB']));
  });
});
