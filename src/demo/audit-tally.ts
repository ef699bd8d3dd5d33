import type { AuditEntryView, AuditPageView } from './demo-api.js';
import type { DemoClient } from './demo-client.js';
import { DemoError } from './demo-error.js';

/** What the auditor found in the log. */
export interface AuditTally {
  readonly entries: number;
  readonly ok: number;
  readonly denied: number;
  readonly pages: number;
  /** Entries per kind, split by outcome. */
  readonly byKind: ReadonlyMap<string, { ok: number; denied: number }>;
}

/**
 * Pages through `GET /api/v1/audit/entries` as the auditor, counting entries by kind
 * and outcome, and checks the log has no gaps: indices run 0, 1, …, n-1. Each page
 * read is itself audited, so the log grows while it is read; those entries are
 * counted too, up to the last page.
 */
export async function tallyAudit(auditor: DemoClient, pageSize = 250): Promise<AuditTally> {
  const byKind = new Map<string, { ok: number; denied: number }>();
  let expected = 0;
  let after: number | undefined;
  let pages = 0;
  const count = (entry: AuditEntryView): void => {
    if (entry.index !== expected) throw new DemoError('read the audit log', `expected entry ${expected}, found ${entry.index}: the log has a gap`);
    expected += 1;
    const tally = byKind.get(entry.kind) ?? { ok: 0, denied: 0 };
    tally[entry.outcome] += 1;
    byKind.set(entry.kind, tally);
  };
  for (;;) {
    const page = await auditor.expect<AuditPageView>(`read the audit log after ${after ?? 'the start'}`, {
      method: 'GET',
      path: '/api/v1/audit/entries',
      query: { limit: pageSize, after },
    });
    pages += 1;
    page.items.forEach(count);
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
  const denied = [...byKind.values()].reduce((sum, tally) => sum + tally.denied, 0);
  return { entries: expected, ok: expected - denied, denied, pages, byKind };
}
