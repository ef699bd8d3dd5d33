import { describe, expect, it } from 'vitest';
import { ORDER_ACTIONS, ORDER_STATES, TERMINAL_STATES, TRANSITIONS, actionsFrom, transition, type OrderState } from '../../src/domain/index.js';

describe('the order lifecycle table', () => {
  it('has exactly one rule per action', () => {
    expect(TRANSITIONS.map((rule) => rule.action).sort()).toEqual([...ORDER_ACTIONS].sort());
  });

  it('follows DESIGN.md: draft to closed, holds, cancels', () => {
    const path: [OrderState, (typeof ORDER_ACTIONS)[number], OrderState][] = [
      ['draft', 'submit', 'submitted'],
      ['submitted', 'release', 'released'],
      ['released', 'dispatch', 'dispatched'],
      ['dispatched', 'start', 'running'],
      ['running', 'pause', 'paused'],
      ['paused', 'resume', 'running'],
      ['running', 'progress', 'running'],
      ['running', 'complete', 'completed'],
      ['completed', 'close', 'closed'],
      ['released', 'hold', 'held'],
      ['submitted', 'cancel', 'cancelled'],
      ['running', 'cancel', 'cancelled'],
    ];
    for (const [from, action, to] of path) expect(transition(from, action, null)).toMatchObject({ ok: true, to });
  });

  it('returns a hold to where it came from, but a running order to paused', () => {
    expect(transition('held', 'unhold', 'dispatched')).toMatchObject({ ok: true, to: 'dispatched' });
    expect(transition('held', 'unhold', 'running')).toMatchObject({ ok: true, to: 'paused' });
  });

  it('allows nothing after closed or cancelled, and no cancel after completion', () => {
    for (const state of TERMINAL_STATES) expect(actionsFrom(state)).toEqual([]);
    expect(transition('completed', 'cancel', null)).toMatchObject({ ok: false });
    expect(actionsFrom('completed')).toEqual(['close']);
  });

  it('refuses every pair the table does not list, naming the states it allows', () => {
    let refused = 0;
    for (const state of ORDER_STATES) {
      for (const action of ORDER_ACTIONS) {
        const result = transition(state, action, null);
        const listed = TRANSITIONS.some((rule) => rule.action === action && rule.from.includes(state));
        expect(result.ok).toBe(listed);
        if (!result.ok) {
          refused += 1;
          expect(result.allowedFrom).not.toContain(state);
        }
      }
    }
    expect(refused).toBeGreaterThan(80);
  });

  it('requires a signature to release and a reason to hold or cancel', () => {
    expect(TRANSITIONS.filter((rule) => rule.signature).map((rule) => rule.action)).toEqual(['release']);
    expect(TRANSITIONS.filter((rule) => rule.reason).map((rule) => rule.action).sort()).toEqual(['cancel', 'hold']);
  });
});
