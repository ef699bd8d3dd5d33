/** Recognising a unique-constraint failure on either engine, so services can answer "conflict". */

/** SQLite extended result codes for a UNIQUE or PRIMARY KEY failure (https://sqlite.org/rescode.html). */
const SQLITE_UNIQUE_CODES: ReadonlySet<string> = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** PostgreSQL SQLSTATE unique_violation (Appendix A of the PostgreSQL manual). */
const PG_UNIQUE_VIOLATION = '23505';

/**
 * True when `error` is the engine refusing a duplicate key (a UNIQUE or
 * PRIMARY KEY constraint). Use it to turn a lost insert race into a
 * conflict answer; any other error stays unexpected.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (SQLITE_UNIQUE_CODES.has(code) || code === PG_UNIQUE_VIOLATION);
}
