/**
 * The electronic-signature limit: argon2id verifications per second with
 * Forgeline's own parameters, one at a time and from several callers (the
 * work runs on libuv's thread pool, so callers beyond the cores only queue).
 */
import { hashPassword, verifyPassword, ARGON2_OPTIONS } from '../src/access/index.js';
import { measureAsync, type Throughput } from './timing.js';

/** What the argon2 loops measured. */
export interface Argon2Limit {
  readonly parameters: string;
  readonly threadPool: number;
  readonly sequential: Throughput;
  readonly concurrent: Throughput;
}

/** Verifies one correct password against a Forgeline hash back to back, for `durationMs` per loop. */
export async function measureArgon2Limit(durationMs: number, concurrency: number, threadPool: number): Promise<Argon2Limit> {
  const password = 'correct horse battery staple';
  const stored = await hashPassword(password);
  const verify = async (): Promise<void> => {
    if (!(await verifyPassword(stored, password))) throw new Error('argon2 verification failed');
  };
  await measureAsync({ concurrency, durationMs: Math.min(300, durationMs / 4), next: () => true, op: verify });
  const sequential = await measureAsync({ concurrency: 1, durationMs, next: () => true, op: verify });
  const concurrent = await measureAsync({ concurrency, durationMs, next: () => true, op: verify });
  const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
  return { parameters: `argon2id m=${memoryCost} KiB t=${timeCost} p=${parallelism}`, threadPool, sequential, concurrent };
}
