import type { AuditLog } from './audit-log.js';

/** When to sign: after this many new entries, or this long after the first unsigned one. */
export interface CheckpointPolicy {
  readonly everyEntries: number;
  readonly everyMs: number;
}

/** The default: a checkpoint at least every 10 seconds while the log grows, or every 1,000 entries. */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { everyEntries: 1000, everyMs: 10_000 };

/**
 * Signs checkpoints in the background by the policy. A refusal (the stored log no longer
 * extends the last checkpoint) is reported to `onError` on every attempt, never hidden.
 */
export class CheckpointScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private unsignedSince: number | undefined;

  constructor(
    private readonly log: AuditLog,
    private readonly policy: CheckpointPolicy,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts polling (every second, or sooner for short intervals). */
  start(): void {
    const pollMs = Math.max(50, Math.min(1000, this.policy.everyMs / 4));
    this.timer = setInterval(() => void this.tick(), pollMs);
    this.timer.unref();
  }

  /** Stops polling and signs what is unsigned, so a clean shutdown leaves the log covered. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.log.checkpoint().catch(this.onError);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      try {
        const [size, latest] = await Promise.all([this.log.tree.size(), this.log.latest()]);
        const signedSize = latest?.size ?? 0;
        if (size <= signedSize) {
          this.unsignedSince = undefined;
          return;
        }
        this.unsignedSince ??= this.now();
        if (size - signedSize >= this.policy.everyEntries || this.now() - this.unsignedSince >= this.policy.everyMs) {
          await this.log.checkpoint();
          this.unsignedSince = undefined;
        }
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = undefined;
      }
    })();
    await this.running;
  }
}
