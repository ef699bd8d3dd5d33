import type { CastMember } from './demo-plant.js';

/** How many orders the demo runs. */
export const DEMO_ORDER_COUNT = 50;

/** A refusal the demo provokes on purpose, to show the API saying no. */
export const SHOWCASES = ['idempotent-retry', 'planner-releases-own-order', 'approver-releases-own-order', 'stale-version', 'logistics-reads-recipe'] as const;

/** One of {@link SHOWCASES}. */
export type Showcase = (typeof SHOWCASES)[number];

/** Where in its life an order is cancelled, by whom and why. */
export interface CancelPlan {
  readonly at: 'draft' | 'submitted' | 'released' | 'running';
  readonly by: CastMember;
  readonly reason: string;
}

/** What happens to one order: who writes and releases it, and its detours. */
export interface OrderPlan {
  readonly index: number;
  readonly author: 'planner' | 'approverB';
  readonly approver: 'approverA' | 'approverB';
  readonly cancel: CancelPlan | null;
  /** Quality holds it (and then releases the hold) while it is released or running. */
  readonly hold: 'released' | 'running' | null;
  readonly pause: boolean;
  readonly showcases: readonly Showcase[];
}

const SHOWCASE_AT: Readonly<Record<number, readonly Showcase[]>> = {
  0: ['idempotent-retry', 'planner-releases-own-order'],
  1: ['approver-releases-own-order'],
  2: ['stale-version'],
  3: ['logistics-reads-recipe'],
};

/**
 * The plan of order `index`: about 5 held, about 4 cancelled (two by the planner before
 * release, two by an approver after), some paused; releases alternate between approvers.
 */
export function planOrder(index: number): OrderPlan {
  // Order 1 is written by the supervisor, who may approve but not her own order.
  const author = index === 1 ? 'approverB' : 'planner';
  const alternating = index % 2 === 0 ? 'approverA' : 'approverB';
  const approver = alternating === author ? 'approverA' : alternating;
  const cancels: Readonly<Record<number, CancelPlan>> = {
    7: { at: 'draft', by: 'planner', reason: 'Duplicate of NW-0006, entered twice' },
    23: { at: 'submitted', by: 'planner', reason: 'Customer moved the call-off to next quarter' },
    15: { at: 'released', by: approver, reason: 'Wire rod heat failed incoming inspection' },
    38: { at: 'running', by: approver, reason: 'Draw die cracked; order re-planned on another bench' },
  };
  return {
    index,
    author,
    approver,
    cancel: cancels[index] ?? null,
    hold: index % 10 === 4 ? (index % 20 === 4 ? 'released' : 'running') : null,
    pause: index % 5 === 2,
    showcases: SHOWCASE_AT[index] ?? [],
  };
}
