/** The kinds of failure the CLI itself detects (beside the server's problem codes). */
export const CLI_ERROR_CODES = [
  'usage',
  'file-not-found',
  'file-unreadable',
  'invalid-file',
  'invalid-config',
  'not-logged-in',
  'unreachable',
  'untrusted-certificate',
  'cancelled',
  'bad-response',
  'audit-verification-failed',
  'witness-inconsistent',
  'witness-regressed',
  'orders-refused',
] as const;

/** One of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/**
 * An expected failure detected by the CLI (bad arguments, a missing file, an
 * unreachable server): a stable code and a one-line message safe to print.
 * Usage errors exit 2, everything else 1.
 */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }

  /** The process exit code this failure ends with. */
  get exitCode(): number {
    return this.code === 'usage' ? 2 : 1;
  }
}

/** A usage error: the command line itself is wrong. */
export function usageError(message: string): CliError {
  return new CliError('usage', message);
}
