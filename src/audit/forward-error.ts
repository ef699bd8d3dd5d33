/** Stable codes of {@link ForwardError}. Add freely; never rename (a test pins the list). */
export const FORWARD_ERROR_CODES = [
  'bad-target',
  'state-unreadable',
  'state-invalid',
  'state-unwritable',
  'state-mismatch',
  'target-mismatch',
  'target-unreachable',
  'target-untrusted',
  'target-failed',
  'source-failed',
  'log-gap',
] as const;

/** One of {@link FORWARD_ERROR_CODES}. */
export type ForwardErrorCode = (typeof FORWARD_ERROR_CODES)[number];

// Failures that may pass by themselves (a server restarting, a full disk): the forwarder retries them.
const RETRYABLE: ReadonlySet<ForwardErrorCode> = new Set(['state-unwritable', 'target-unreachable', 'target-failed', 'source-failed']);

/**
 * Why forwarding the audit log stopped: a stable code, a one-line message safe to show, and
 * whether waiting and retrying from the saved index can help (a lost connection) or not (a
 * state file of another log, a missing index).
 */
export class ForwardError extends Error {
  readonly code: ForwardErrorCode;

  constructor(code: ForwardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForwardError';
    this.code = code;
  }

  /** Whether the forwarder's run loop retries this failure with backoff. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** The operating system's reason for a failed call, for one-line messages: "no such file (ENOENT)". */
export function systemReason(error: unknown): string {
  const { code, message } = error as Partial<NodeJS.ErrnoException>;
  const text = typeof message === 'string' && message !== '' ? message.split('\n')[0] ?? '' : String(error);
  // Node writes errno messages as "CODE: text, syscall 'path'"; keep the text and the code once.
  const human = typeof code === 'string' ? text.replace(new RegExp(`^${code}:\\s*`), '').replace(/,\s*\w+( '.*')?$/, '') : text;
  return typeof code === 'string' && !human.includes(code) ? `${human} (${code})` : human;
}
