/**
 * Measurements the shop-floor section takes beside its figures: the disk's append-and-fdatasync
 * rate (what the agent's journals and the server's commits wait for) and how busy this process
 * was over a window (its one JavaScript thread and its CPU time), to say where the time goes.
 */
import { open, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * Appends `bytes` bytes and fdatasyncs, opening and closing the file each time as the agent's
 * journals do (jobs, jti, reports), from `writers` writers at once (each its own file) for
 * `durationMs`. Answers completed appends per second and the median latency of one.
 */
export async function measureAppendSync(dir: string, durationMs: number, writers: number, bytes = 200): Promise<{ perSecond: number; p50Ms: number; count: number }> {
  const line = `${'x'.repeat(bytes - 1)}\n`;
  const latencies: number[] = [];
  const began = performance.now();
  const deadline = began + durationMs;
  const writer = async (index: number): Promise<void> => {
    const path = join(dir, `append-sync-${index}.log`);
    try {
      while (performance.now() < deadline) {
        const start = performance.now();
        const file = await open(path, 'a', 0o600);
        try {
          await file.write(line);
          await file.datasync();
        } finally {
          await file.close();
        }
        latencies.push(performance.now() - start);
      }
    } finally {
      await rm(path, { force: true });
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p50Ms: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN, count: latencies.length };
}

/** How busy this process was between {@link startBusyMeter} and `stop()`. */
export interface Busy {
  /** Share of the window the JavaScript thread was running code (1: it never waited). */
  readonly eventLoopUtilization: number;
  /** CPU seconds of the whole process (every thread: JavaScript, libuv pool, GC) per second of the window. */
  readonly cpuCores: number;
  readonly seconds: number;
}

/** Starts measuring how busy this process is; `stop()` answers for the window since. */
export function startBusyMeter(): { stop(): Busy } {
  const loopBefore: EventLoopUtilization = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - began) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      return {
        eventLoopUtilization: performance.eventLoopUtilization(loopBefore).utilization,
        cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
        seconds,
      };
    },
  };
}

/**
 * When `path` is set (BENCH_CPU_PROFILE, for development), profiles this process's JavaScript
 * thread until `stop()`, which writes the profile there (open it in Chrome's DevTools) and answers
 * the path; otherwise does nothing.
 */
export async function startWindowProfile(path: string | undefined): Promise<{ stop(): Promise<string | undefined> }> {
  if (path === undefined || path === '') return { stop: () => Promise.resolve(undefined) };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(path, JSON.stringify(profile));
      return path;
    },
  };
}
