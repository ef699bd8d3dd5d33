/** Clocks and loops for measuring: monotonic nanoseconds, throughput loops, percentiles. */

/** Now, in nanoseconds of the monotonic clock. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds between two {@link now} readings. */
export function msBetween(start: bigint, end: bigint): number {
  return Number(end - start) / 1e6;
}

/** What a throughput loop measured. */
export interface Throughput {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Latency of one operation, median and 95th percentile, in ms (NaN when nothing ran). */
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** The `p`-quantile (0..1) of ascending `sorted` by nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function summarize(count: number, start: bigint, end: bigint, latenciesMs: number[]): Throughput {
  const seconds = msBetween(start, end) / 1000;
  latenciesMs.sort((a, b) => a - b);
  return { count, seconds, perSecond: seconds > 0 ? count / seconds : 0, p50Ms: quantile(latenciesMs, 0.5), p95Ms: quantile(latenciesMs, 0.95) };
}

/** Options of {@link measureAsync}. */
export interface AsyncLoop<T> {
  /** Callers running at once; each takes the next item when its previous call is done. */
  readonly concurrency: number;
  /** No call starts after this; calls in flight finish and count. */
  readonly durationMs: number;
  /** The next item to work on, or undefined when there is none left (ends the loop early). */
  readonly next: () => T | undefined;
  readonly op: (item: T) => Promise<unknown>;
}

/**
 * Runs `op` from `concurrency` callers until the time is up or the items run out,
 * and returns the completed calls per second of wall time. A failing call fails
 * the measurement: a benchmark that hides errors measures the wrong thing.
 */
export async function measureAsync<T>(loop: AsyncLoop<T>): Promise<Throughput> {
  const latencies: number[] = [];
  const start = now();
  const deadline = start + BigInt(Math.round(loop.durationMs * 1e6));
  const caller = async (): Promise<void> => {
    while (now() < deadline) {
      const item = loop.next();
      if (item === undefined) return;
      const began = now();
      await loop.op(item);
      latencies.push(msBetween(began, now()));
    }
  };
  await Promise.all(Array.from({ length: loop.concurrency }, caller));
  return summarize(latencies.length, start, now(), latencies);
}

/** Runs a synchronous `op` back to back for `durationMs` and returns calls per second. */
export function measureSync(durationMs: number, op: () => void): Throughput {
  const latencies: number[] = [];
  const start = now();
  const deadline = start + BigInt(Math.round(durationMs * 1e6));
  let began = start;
  while (began < deadline) {
    op();
    const ended = now();
    latencies.push(msBetween(began, ended));
    began = ended;
  }
  return summarize(latencies.length, start, began, latencies);
}

/** Calls `op` `times` times, one after another: a warm-up whose timing is thrown away. */
export async function warmUp(times: number, op: (index: number) => Promise<unknown>): Promise<void> {
  for (let index = 0; index < times; index += 1) await op(index);
}
