/** How often the running server fills the audit lookup by default: a query then has at most about a second of entries to copy. */
export const DEFAULT_AUDIT_LOOKUP_INTERVAL_MS = 1000;

/**
 * Keeps the audit lookup (the derived index of the log's filter columns) close to the log in the
 * background, outside order transactions, so the catch-up each audit query does first stays
 * small. `catchUp` is the store's `catchUpAuditLookup`; a failure goes to `onError` and the next
 * tick tries again (queries catch up themselves, so nothing is missed meanwhile).
 */
export class AuditLookupFiller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly catchUp: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs: number = DEFAULT_AUDIT_LOOKUP_INTERVAL_MS,
  ) {}

  /** Starts filling every interval. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops filling and waits for a catch-up in progress, so the store can close after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    // One catch-up at a time: a slow one is not piled upon.
    if (this.running) return;
    this.running = (async () => {
      try {
        await this.catchUp();
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = undefined;
      }
    })();
    await this.running;
  }
}
