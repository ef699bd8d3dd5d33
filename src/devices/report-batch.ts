/**
 * A batch of device reports received in one request: each report is handled exactly as if it came
 * alone, reports of one order strictly in the batch's order, reports of different orders at the
 * same time (their write transactions then share one commit on SQLite).
 */
import { isForgelineError } from '../domain/index.js';
import type { ReportReceipt } from './report-service.js';

/** The most reports one batch may carry. */
export const MAX_REPORTS_PER_BATCH = 100;

/** What became of one report of a batch: its receipt, or what it was refused or failed with. */
export type BatchedReportOutcome =
  | { readonly ok: true; readonly receipt: ReportReceipt }
  | { readonly ok: false; readonly error: unknown };

/**
 * Whether a failure may pass if the report is sent again (the server erred or was busy): then the
 * order's later reports in the batch must wait too, or they would apply before it.
 */
export function isTransientReportFailure(error: unknown): boolean {
  if (!isForgelineError(error)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

/**
 * Hands every item to `receive` and answers one outcome per item, in the batch's order. Items of
 * the same order (by the order id they claim; a malformed one stands alone) go one after another;
 * after a transient failure the order's later items are not tried and get the same failure.
 */
export async function receiveReportBatch(items: readonly unknown[], receive: (item: unknown) => Promise<ReportReceipt>): Promise<BatchedReportOutcome[]> {
  const outcomes: BatchedReportOutcome[] = new Array<BatchedReportOutcome>(items.length);
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const orderId = claimedOrderId(item);
    const key = orderId === undefined ? `#${index}` : `order:${orderId}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [index]);
    else group.push(index);
  });
  // All groups start in this turn of the event loop, so their first transactions share one batch.
  await Promise.all([...groups.values()].map(async (indexes) => {
    let failure: { readonly error: unknown } | undefined;
    for (const index of indexes) {
      if (failure !== undefined) {
        outcomes[index] = { ok: false, error: failure.error };
        continue;
      }
      try {
        outcomes[index] = { ok: true, receipt: await receive(items[index]) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
        if (isTransientReportFailure(error)) failure = { error };
      }
    }
  }));
  return outcomes;
}

/** The order id something that looks like a report names, for grouping only (it is checked by `receive`). */
function claimedOrderId(input: unknown): string | undefined {
  const orderId = (input as { report?: { orderId?: unknown } } | null)?.report?.orderId;
  return typeof orderId === 'string' ? orderId : undefined;
}
