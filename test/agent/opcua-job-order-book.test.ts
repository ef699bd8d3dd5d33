import { describe, expect, it } from 'vitest';
import { JOB_COMMANDS, JobOfferError, JobOrderBook, type JobCommand, type JobOrderState, type JobPlan } from '../../src/agent/opcua/job-order-book.js';

function bookWith(jobOrderId = 'job-1'): JobOrderBook {
  const book = new JobOrderBook();
  book.offer({ jobOrderId, orderNumber: 'PO-1', content: { item: { code: 'GEAR-12', revision: 'A' } } });
  return book;
}

/** Runs commands in order, committing each accepted one; answers the last plan. */
function run(book: JobOrderBook, ...commands: JobCommand[]): JobPlan | null {
  let plan: JobPlan | null = null;
  for (const command of commands) {
    plan = book.planCommand(command, 'job-1', null);
    if (plan.ok) book.commit(plan);
  }
  return plan;
}

describe('JobOrderBook', () => {
  it('puts an offered job in AllowedToStart/Ready and ignores a second offer of the same id', () => {
    const book = bookWith();
    expect(book.get('job-1')).toMatchObject({ state: 'AllowedToStart', substate: 'Ready', good: '0', scrap: '0', lots: [] });
    expect(book.offer({ jobOrderId: 'job-1', orderNumber: 'PO-other', content: {} })).toBe(false);
    expect(book.get('job-1')?.orderNumber).toBe('PO-1');
  });

  it.each(['', 'has space', 'x'.repeat(65), '../etc', 'a/b'])('refuses to offer the job order id %j', (jobOrderId) => {
    expect(() => new JobOrderBook().offer({ jobOrderId, orderNumber: 'PO-1', content: {} })).toThrow(JobOfferError);
  });

  it('follows the ISA-95 job order states through a whole run', () => {
    const book = bookWith();
    const states: [JobCommand, JobOrderState, string][] = [
      ['Start', 'Running', ''], ['Pause', 'Interrupted', 'Suspended'], ['Resume', 'Running', ''], ['Stop', 'Ended', 'Completed'],
    ];
    for (const [command, state, substate] of states) {
      const plan = book.planCommand(command, 'job-1', null);
      expect(plan.ok).toBe(true);
      if (plan.ok) book.commit(plan);
      expect(book.get('job-1')).toMatchObject({ state, substate });
    }
    const cleared = book.planCommand('Clear', 'job-1', 'done');
    expect(cleared).toMatchObject({ ok: true, next: null, event: { kind: 'cleared', state: 'Ended', comment: 'done' } });
    if (cleared.ok) book.commit(cleared);
    expect(book.list()).toEqual([]);
  });

  it('does not change anything when it only plans', () => {
    const book = bookWith();
    expect(book.planCommand('Start', 'job-1', null).ok).toBe(true);
    expect(book.get('job-1')?.state).toBe('AllowedToStart');
  });

  it.each<[JobCommand[], JobCommand]>([
    [['Start'], 'Start'],
    [[], 'Pause'],
    [[], 'Stop'],
    [[], 'Resume'],
    [[], 'Clear'],
    [['Start'], 'Cancel'],
    [['Start', 'Stop'], 'Abort'],
    [['Start', 'Abort'], 'Resume'],
    [['RevokeStart'], 'RevokeStart'],
  ])('after %j refuses %s as an illegal transition', (before, command) => {
    const book = bookWith();
    run(book, ...before);
    const stateBefore = book.get('job-1')?.state;
    expect(book.planCommand(command, 'job-1', null)).toMatchObject({ ok: false, reason: 'illegal-transition' });
    expect(book.get('job-1')?.state).toBe(stateBefore);
  });

  it('starts a job whose start was revoked when Start comes', () => {
    const book = bookWith();
    expect(run(book, 'RevokeStart')).toMatchObject({ ok: true, event: { kind: 'start-revoked', state: 'NotAllowedToStart' } });
    expect(run(book, 'Start')).toMatchObject({ ok: true, event: { kind: 'started', state: 'Running' } });
  });

  it('answers unknown-job for every command on a job that was never offered', () => {
    const book = bookWith();
    for (const command of JOB_COMMANDS) expect(book.planCommand(command, 'job-2', null)).toMatchObject({ ok: false, reason: 'unknown-job' });
    expect(book.planResults('job-2', { good: '1', scrap: '0', lots: [] })).toMatchObject({ ok: false, reason: 'unknown-job' });
  });

  it('keeps cumulative results, merges lots, and announces only a change', () => {
    const book = bookWith();
    run(book, 'Start');
    const first = book.planResults('job-1', { good: '2.50', scrap: '0', lots: ['LOT-1'] });
    expect(first).toMatchObject({ ok: true, event: { kind: 'progress', good: '2.5', scrap: '0', lots: ['LOT-1'] } });
    if (first.ok) book.commit(first);
    expect(book.planResults('job-1', { good: '2.5', scrap: '0', lots: ['LOT-1'] })).toMatchObject({ ok: true, event: null });
    const second = book.planResults('job-1', { good: '3', scrap: '1', lots: ['LOT-2', 'LOT-1'] });
    expect(second).toMatchObject({ ok: true, event: { good: '3', scrap: '1', lots: ['LOT-1', 'LOT-2'] } });
  });

  it.each([
    [{ good: '1e3', scrap: '0', lots: [] }, 'invalid-argument'],
    [{ good: '1', scrap: '-1', lots: [] }, 'out-of-range'],
    [{ good: '1', scrap: '0', lots: [''] }, 'invalid-argument'],
    [{ good: '1', scrap: '0', lots: ['x'.repeat(65)] }, 'invalid-argument'],
    [{ good: '1', scrap: '0', lots: Array.from({ length: 201 }, (_, index) => `LOT-${index}`) }, 'out-of-range'],
  ])('refuses the results %j', (report, reason) => {
    const book = bookWith();
    run(book, 'Start');
    expect(book.planResults('job-1', report)).toMatchObject({ ok: false, reason });
  });

  it('refuses results that go down and results for a job that is not running', () => {
    const book = bookWith();
    expect(book.planResults('job-1', { good: '1', scrap: '0', lots: [] })).toMatchObject({ ok: false, reason: 'illegal-transition' });
    run(book, 'Start');
    const plan = book.planResults('job-1', { good: '5', scrap: '2', lots: [] });
    if (plan.ok) book.commit(plan);
    expect(book.planResults('job-1', { good: '4', scrap: '2', lots: [] })).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(book.planResults('job-1', { good: '5', scrap: '1', lots: [] })).toMatchObject({ ok: false, reason: 'out-of-range' });
  });
});
