/** Helpers shared by the access tests: expected refusals and the audit entries of a kind. */
import { expect } from 'vitest';
import type { ErrorCode } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';

/** Asserts that `promise` is refused with the stable error `code`; returns the error for further checks. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<{ code: ErrorCode; message: string; extensions: Record<string, unknown> }> {
  const error = await promise.then(
    () => {
      throw new Error(`expected the refusal ${code}, but it succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toMatchObject({ name: 'ForgelineError', code });
  return error as { code: ErrorCode; message: string; extensions: Record<string, unknown> };
}

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
