/** What a limiter says about one more request from a key. */
export interface LimitDecision {
  readonly allowed: boolean;
  /** Whole seconds until the key's window ends (at least 1), for `Retry-After` (RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number;
  /** Requests still allowed in the current window. */
  readonly remaining: number;
}

/** Options of {@link FixedWindowLimiter}. */
export interface FixedWindowOptions {
  /** Requests allowed per key per window; 0 or less: no limit. */
  readonly limit: number;
  readonly windowMs: number;
  /** Most keys remembered at once (memory bound under a spray of addresses); default 100,000. */
  readonly maxKeys?: number;
}

interface Window {
  count: number;
  resetAt: number;
}

const UNLIMITED: LimitDecision = { allowed: true, retryAfterSeconds: 0, remaining: Number.POSITIVE_INFINITY };

/**
 * Counts requests per key (a source address) in fixed windows, in this process's
 * memory. Each server instance counts its own requests: behind a load balancer the
 * effective limit is the per-instance limit times the instances. When more keys
 * than `maxKeys` are live, the oldest are forgotten (they may then start afresh).
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;

  constructor(private readonly options: FixedWindowOptions) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** True when the limiter limits anything at all. */
  get enabled(): boolean {
    return this.options.limit > 0;
  }

  /** Counts one request from `key` at `nowMs`; refused when the window already holds the limit. */
  hit(key: string, nowMs: number): LimitDecision {
    if (!this.enabled) return UNLIMITED;
    const window = this.current(key, nowMs) ?? this.open(key, nowMs);
    window.count += 1;
    return this.decide(window, nowMs, window.count <= this.options.limit);
  }

  /** Whether one more request from `key` would be refused, without counting it. */
  peek(key: string, nowMs: number): LimitDecision {
    if (!this.enabled) return UNLIMITED;
    const window = this.current(key, nowMs);
    if (!window) return { allowed: true, retryAfterSeconds: 0, remaining: this.options.limit };
    return this.decide(window, nowMs, window.count < this.options.limit);
  }

  /** How many keys are remembered (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private decide(window: Window, nowMs: number, allowed: boolean): LimitDecision {
    return {
      allowed,
      retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - nowMs) / 1000)),
      remaining: Math.max(0, this.options.limit - window.count),
    };
  }

  private current(key: string, nowMs: number): Window | undefined {
    const window = this.windows.get(key);
    return window && window.resetAt > nowMs ? window : undefined;
  }

  private open(key: string, nowMs: number): Window {
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.evict(nowMs);
    const window = { count: 0, resetAt: nowMs + this.options.windowMs };
    this.windows.set(key, window);
    return window;
  }

  /** Drops ended windows, then the oldest, down to 90% of the bound, so a sweep happens at most every tenth of `maxKeys` new keys. */
  private evict(nowMs: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= nowMs) this.windows.delete(key);
    const target = Math.floor(this.maxKeys * 0.9);
    // A Map iterates in insertion order: the first keys are the oldest windows.
    for (const key of this.windows.keys()) {
      if (this.windows.size <= target) break;
      this.windows.delete(key);
    }
  }
}
