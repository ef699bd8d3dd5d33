/**
 * The benchmark's configuration, read from the environment once at start-up
 * (STYLE.md: nothing else reads `process.env`), every problem listed at once.
 */
import { storeKinds, type StoreKind } from '../src/store/index.js';

/** The sections `run.ts` knows, in the order it runs them. */
export const BENCH_SECTIONS = ['limits', 'service', 'https', 'list', 'audit', 'crypto', 'shopfloor', 'web'] as const;

/** One of {@link BENCH_SECTIONS}. */
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** The PostgreSQL database the bench uses unless BENCH_DATABASE_URL says otherwise (the tests' one). */
export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Everything a benchmark needs to know about this run. */
export interface BenchConfig {
  /** BENCH_QUICK=1: every section shrunk so the whole run takes about 30 s (smoke test). */
  readonly quick: boolean;
  readonly engines: readonly StoreKind[];
  readonly sections: readonly BenchSection[];
  readonly postgresUrl: string;
  /** How long each raw-limit loop runs. */
  readonly limitMs: number;
  /** How long each order-service phase may run (a phase also ends when it runs out of orders). */
  readonly phaseMs: number;
  /** How long the HTTPS clients send requests, per figure (after a warm-up of a fifth of it). */
  readonly httpsMs: number;
  /** Concurrent callers / clients in the concurrent variants. */
  readonly concurrency: number;
  /** Orders bulk-loaded for the listing benchmark. */
  readonly listRows: number;
  /** Most timed calls per listing query shape, and the time budget of each shape. */
  readonly listIterations: number;
  readonly listMs: number;
  /** libuv's thread pool size (UV_THREADPOOL_SIZE, default 4): where argon2 runs. */
  readonly threadPool: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) {
    problems.push(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
}

function subset<T extends string>(env: NodeJS.ProcessEnv, name: string, known: readonly T[], problems: string[]): readonly T[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return known;
  const wanted = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const unknown = wanted.filter((part) => !(known as readonly string[]).includes(part));
  if (unknown.length > 0) problems.push(`${name}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return known.filter((kind) => wanted.includes(kind));
}

/**
 * Reads BENCH_QUICK, BENCH_ENGINES, BENCH_SECTIONS, BENCH_DATABASE_URL,
 * BENCH_LIST_ROWS, BENCH_SECONDS (a development override of every
 * measuring duration) and UV_THREADPOOL_SIZE (read, not set); throws one
 * error naming every bad variable.
 */
export function readBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const problems: string[] = [];
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const seconds = env.BENCH_SECONDS === undefined ? undefined : Number(env.BENCH_SECONDS);
  if (seconds !== undefined && !(seconds > 0 && seconds <= 600)) problems.push(`BENCH_SECONDS must be a number of seconds in (0, 600], got ${JSON.stringify(env.BENCH_SECONDS)}`);
  const ms = (full: number, smoke: number): number => Math.round(seconds !== undefined && seconds > 0 ? seconds * 1000 : quick ? smoke : full);
  const config: BenchConfig = Object.freeze({
    quick,
    engines: subset(env, 'BENCH_ENGINES', storeKinds, problems),
    sections: subset(env, 'BENCH_SECTIONS', BENCH_SECTIONS, problems),
    postgresUrl: env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL,
    limitMs: ms(3000, 500),
    phaseMs: ms(3000, 300),
    httpsMs: ms(5000, 1000),
    concurrency: 10,
    listRows: positiveInteger(env, 'BENCH_LIST_ROWS', quick ? 20_000 : 1_000_000, problems),
    listIterations: quick ? 30 : 300,
    listMs: ms(3000, 300),
    threadPool: positiveInteger(env, 'UV_THREADPOOL_SIZE', 4, problems),
  });
  if (problems.length > 0) throw new Error(`bad benchmark settings:\n  ${problems.join('\n  ')}`);
  return config;
}
