/** The order of work in a report batch: one order's reports in turn, different orders' at once, a transient failure holding back its order. */
import { describe, expect, it } from 'vitest';
import { receiveReportBatch, type ReportReceipt } from '../../src/devices/index.js';
import { ForgelineError } from '../../src/domain/index.js';

const item = (orderId: string, key: string) => ({ report: { orderId, idempotencyKey: key }, signature: 'x' });
/** The idempotency key of an item, or the item itself when it is no report (a malformed one). */
const keyOf = (input: unknown): string => (typeof input === 'string' ? input : (input as ReturnType<typeof item>).report.idempotencyKey);
const receiptFor = (input: unknown): ReportReceipt => ({ idempotencyKey: keyOf(input), duplicate: false, applied: true, orderId: 'o', orderState: 'running' });

describe('a batch of reports', () => {
  it('starts different orders\' reports together and one order\'s only after the one before it', async () => {
    const started: string[] = [];
    const pending = new Map<string, () => void>();
    const receive = (input: unknown) => {
      const key = keyOf(input);
      started.push(key);
      return new Promise<ReportReceipt>((resolve) => pending.set(key, () => resolve(receiptFor(input))));
    };
    const batch = receiveReportBatch([item('a', 'a1'), item('b', 'b1'), item('a', 'a2'), 'malformed'], receive);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'b1', 'malformed']);
    pending.get('b1')?.();
    pending.get('malformed')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'b1', 'malformed']);
    pending.get('a1')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'b1', 'malformed', 'a2']);
    pending.get('a2')?.();
    const outcomes = await batch;
    expect(outcomes.map((outcome) => outcome.ok && outcome.receipt.idempotencyKey)).toEqual(['a1', 'b1', 'a2', 'malformed']);
  });

  it('after a failure a resend may mend, answers the order\'s later reports with it untried; a refusal for good holds back nothing', async () => {
    const tried: string[] = [];
    const busy = new ForgelineError('rate-limited');
    const refused = new ForgelineError('report-signature-invalid');
    const receive = (input: unknown) => {
      const key = keyOf(input);
      tried.push(key);
      if (key === 'a1') return Promise.reject(busy);
      if (key === 'b1') return Promise.reject(refused);
      return Promise.resolve(receiptFor(input));
    };
    const outcomes = await receiveReportBatch([item('a', 'a1'), item('b', 'b1'), item('a', 'a2'), item('b', 'b2'), item('c', 'c1')], receive);
    expect(tried.sort()).toEqual(['a1', 'b1', 'b2', 'c1']);
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error))).toEqual([busy, refused, busy, 'ok', 'ok']);
  });
});
