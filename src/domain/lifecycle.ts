/**
 * The production order lifecycle (DESIGN.md): the one table of allowed
 * transitions. The order service, the policy, the API and the CLI all ask it;
 * nothing else decides which state follows which.
 */

/** Every state an order can be in. */
export const ORDER_STATES = [
  'draft',
  'submitted',
  'released',
  'dispatched',
  'running',
  'paused',
  'held',
  'completed',
  'closed',
  'cancelled',
] as const;

/** One of {@link ORDER_STATES}. */
export type OrderState = (typeof ORDER_STATES)[number];

/** The actions that move an order along (or record against it without moving it). */
export const ORDER_ACTIONS = [
  'edit',
  'submit',
  'release',
  'dispatch',
  'start',
  'pause',
  'resume',
  'progress',
  'complete',
  'close',
  'hold',
  'unhold',
  'cancel',
] as const;

/** One of {@link ORDER_ACTIONS}. */
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** Where a transition leads: a fixed state, the same state, or back to where a hold came from. */
export type TransitionTarget = OrderState | 'same' | 'before-hold';

/** One row of the transition table. */
export interface TransitionRule {
  readonly action: OrderAction;
  readonly from: readonly OrderState[];
  readonly to: TransitionTarget;
  /** An electronic signature (re-entered password and a stated meaning) is required. */
  readonly signature: boolean;
  /** A reason must be given. */
  readonly reason: boolean;
}

/** States in which quality may hold an order: released up to running (and paused, running's pause). */
const HOLDABLE: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused'];

/** The transition table. */
export const TRANSITIONS: readonly TransitionRule[] = [
  { action: 'edit', from: ['draft'], to: 'same', signature: false, reason: false },
  { action: 'submit', from: ['draft'], to: 'submitted', signature: false, reason: false },
  { action: 'release', from: ['submitted'], to: 'released', signature: true, reason: false },
  { action: 'dispatch', from: ['released'], to: 'dispatched', signature: false, reason: false },
  { action: 'start', from: ['dispatched'], to: 'running', signature: false, reason: false },
  { action: 'pause', from: ['running'], to: 'paused', signature: false, reason: false },
  { action: 'resume', from: ['paused'], to: 'running', signature: false, reason: false },
  { action: 'progress', from: ['running'], to: 'same', signature: false, reason: false },
  { action: 'complete', from: ['running', 'paused'], to: 'completed', signature: false, reason: false },
  { action: 'close', from: ['completed'], to: 'closed', signature: false, reason: false },
  { action: 'hold', from: HOLDABLE, to: 'held', signature: false, reason: true },
  { action: 'unhold', from: ['held'], to: 'before-hold', signature: false, reason: false },
  { action: 'cancel', from: ['draft', 'submitted', ...HOLDABLE, 'held'], to: 'cancelled', signature: false, reason: true },
];

/** States from which cancelling needs an approver: anything already released for production. */
export const RELEASED_STATES: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused', 'held'];

/** States in which nothing more can happen. */
export const TERMINAL_STATES: readonly OrderState[] = ['closed', 'cancelled'];

/** The outcome of asking the table: the rule and the state it leads to, or why not. */
export type TransitionResult =
  | { readonly ok: true; readonly rule: TransitionRule; readonly to: OrderState }
  | { readonly ok: false; readonly allowedFrom: readonly OrderState[] };

/** The rule for an action. Every action has exactly one row. */
export function ruleFor(action: OrderAction): TransitionRule {
  const rule = TRANSITIONS.find((row) => row.action === action);
  if (!rule) throw new Error(`no transition rule for ${action}`);
  return rule;
}

/**
 * Asks the table whether `action` may happen in state `from`, and where it leads.
 * A hold remembers where it came from; releasing a hold on a running order leaves it
 * paused, so the machine restarts only when an operator resumes it deliberately.
 */
export function transition(from: OrderState, action: OrderAction, heldFrom: OrderState | null): TransitionResult {
  const rule = ruleFor(action);
  if (!rule.from.includes(from)) return { ok: false, allowedFrom: rule.from };
  if (rule.to === 'same') return { ok: true, rule, to: from };
  if (rule.to === 'before-hold') {
    const previous = heldFrom ?? 'released';
    return { ok: true, rule, to: previous === 'running' ? 'paused' : previous };
  }
  return { ok: true, rule, to: rule.to };
}

/** The actions possible from a state, for presenting "what can I do next". */
export function actionsFrom(state: OrderState): OrderAction[] {
  return TRANSITIONS.filter((row) => row.from.includes(state)).map((row) => row.action);
}
