/**
 * Throwaway databases for benchmarks: a SQLite file in a temp folder, or a
 * random schema of the PostgreSQL database, each removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Store, type StoreKind, type StoreOptions } from '../src/store/index.js';

/** A migrated store on a fresh database, and how to remove it. */
export interface BenchStore {
  readonly store: Store;
  readonly options: StoreOptions;
  /** The SQLite file (undefined on PostgreSQL). */
  readonly file: string | undefined;
  /** Closes the store and deletes the database. */
  dispose(): Promise<void>;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Runs `fn` with one new pg client, closed afterwards. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Undefined when PostgreSQL answers at `url`, else why not (and the server version when it does, via `version`). */
export async function probePostgres(url: string): Promise<{ readonly unavailable?: string; readonly version?: string }> {
  try {
    const version = await withPgClient(url, async (client) => (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?');
    return { version };
  } catch (error) {
    return { unavailable: `PostgreSQL unreachable at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A fresh lower-case schema name for one benchmark. */
export function benchSchemaName(purpose: string): string {
  return `forgeline_bench_${purpose}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Drops a bench schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withPgClient(url, (client) => client.query(`drop schema if exists "${schema}" cascade`));
}

/** A new temp folder under the system's temp dir. */
export function benchTempDir(purpose: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `forgeline-bench-${purpose}-`));
}

/** Opens (and migrates) a fresh database of `kind` through Forgeline's own `openDatabase`. */
export async function openBenchStore(kind: StoreKind, postgresUrl: string, purpose: string): Promise<BenchStore> {
  if (kind === 'sqlite') {
    const dir = await benchTempDir(purpose);
    const file = join(dir, 'forgeline.db');
    const options: StoreOptions = { kind: 'sqlite', file };
    const store = await openDatabase(options).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
    return {
      store, options, file,
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = benchSchemaName(purpose);
  const options: StoreOptions = { kind: 'postgres', url: postgresUrl, schema };
  const store = await openDatabase(options).catch(async (error: unknown) => {
    await dropSchema(postgresUrl, schema);
    throw error;
  });
  return {
    store, options, file: undefined,
    dispose: async () => {
      // Close first: the drop would wait on the pool's locks.
      await store.close();
      await dropSchema(postgresUrl, schema);
    },
  };
}
