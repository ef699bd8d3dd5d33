/** Helpers shared by the access tests: expected refusals and the audit entries of a kind. */
import type { Store } from '../../src/store/index.js';
export { expectCode } from '../support/expect-code.js';

/** One audit entry as the access tests read it: who, what, how it ended, and the parsed detail. */
export interface AuditLine {
  readonly actor: string;
  readonly source: string | null;
  readonly kind: string;
  readonly outcome: 'ok' | 'denied';
  readonly detail: Record<string, unknown>;
  /** The entry's canonical bytes, to search for what must never be in it. */
  readonly entry: string;
}

/** The audit entries, oldest first, of the given kinds (all when none are given). */
export async function auditLines(store: Store, ...kinds: string[]): Promise<AuditLine[]> {
  let query = store.db.selectFrom('audit_entries').select(['actor', 'source', 'kind', 'outcome', 'detail', 'entry']).orderBy('idx');
  if (kinds.length > 0) query = query.where('kind', 'in', kinds);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

/** A six-digit code that is none of `codes` (the ones valid right now), for a guaranteed wrong guess. */
export function otherCode(...codes: string[]): string {
  for (let digit = 0; digit < 10; digit++) {
    const candidate = String(digit).repeat(6);
    if (!codes.includes(candidate)) return candidate;
  }
  throw new Error('unreachable: ten candidates, at most three taken');
}
