/**
 * The PostgreSQL commit limit: bare single-row INSERT transactions per second
 * over one pg connection and over ten at once, on the server's own durability
 * settings (which Forgeline does not change), in a throwaway schema.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { benchSchemaName, dropSchema, withPgClient } from './bench-stores.js';
import { measureAsync, type Throughput } from './timing.js';

/** The server settings that decide what a commit costs. */
export interface PostgresSettings {
  readonly version: string;
  readonly fsync: string;
  readonly synchronousCommit: string;
  readonly walSyncMethod: string;
  readonly commitDelay: string;
}

/** What the raw PostgreSQL loops measured. */
export interface PostgresLimit {
  readonly settings: PostgresSettings;
  /** One connection, each INSERT its own (implicit) transaction: one round trip and one WAL flush. */
  readonly single: Throughput;
  /** One connection, BEGIN; INSERT; COMMIT: the three round trips of the shortest explicit transaction. */
  readonly singleExplicit: Throughput;
  /** Ten connections inserting at once (group commit can share a flush). */
  readonly concurrent: Throughput;
  /**
   * Diagnostics: the audit append's own transaction (BEGIN; advisory lock; max(idx);
   * INSERT; COMMIT) from one connection and from ten, the lock serializing them as
   * Forgeline's audit log does (with a lock key of the bench's own).
   */
  readonly auditShaped: Throughput;
  readonly auditShapedConcurrent: Throughput;
}

async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

/** Measures the three loops for `durationMs` each, after a warm-up. */
export async function measurePostgresLimit(url: string, durationMs: number, concurrency: number): Promise<PostgresLimit> {
  const schema = benchSchemaName('pg_limit');
  const settings = await withPgClient(url, async (client) => {
    const setting = async (name: string): Promise<string> => (await client.query<{ v: string }>(`select current_setting('${name}') as v`)).rows[0]?.v ?? '?';
    await client.query(`create schema "${schema}"`);
    await client.query(`create table "${schema}".raw_insert (id bigserial primary key, at text not null, payload text not null)`);
    await client.query(`create table "${schema}".audit_shaped (idx bigint primary key, at text not null, entry text not null)`);
    return {
      version: await setting('server_version'),
      fsync: await setting('fsync'),
      synchronousCommit: await setting('synchronous_commit'),
      walSyncMethod: await setting('wal_sync_method'),
      commitDelay: await setting('commit_delay'),
    };
  });
  const clients: pg.Client[] = [];
  try {
    for (let index = 0; index < concurrency; index += 1) clients.push(await connect(url, schema));
    const payload = 'x'.repeat(300);
    const insert = 'insert into raw_insert (at, payload) values ($1, $2)';
    const first = clients[0];
    if (first === undefined) throw new Error('no connection');
    const implicit = (client: pg.Client) => client.query(insert, [new Date().toISOString(), payload]);
    const explicit = async (client: pg.Client) => {
      await client.query('begin');
      await client.query(insert, [new Date().toISOString(), payload]);
      await client.query('commit');
    };
    const warm = Math.min(300, durationMs / 4);
    await measureAsync({ concurrency: 1, durationMs: warm, next: () => first, op: implicit });
    const single = await measureAsync({ concurrency: 1, durationMs, next: () => first, op: implicit });
    const singleExplicit = await measureAsync({ concurrency: 1, durationMs, next: () => first, op: explicit });
    // Each caller borrows an idle connection for one INSERT: a pg client runs one query at a time.
    const idle = [...clients];
    const borrowing = async (client: pg.Client): Promise<void> => {
      try {
        await implicit(client);
      } finally {
        idle.push(client);
      }
    };
    await measureAsync({ concurrency, durationMs: warm, next: () => idle.pop(), op: borrowing });
    const concurrent = await measureAsync({ concurrency, durationMs, next: () => idle.pop(), op: borrowing });
    const lockKey = randomInt(1, 2 ** 47);
    const entry = 'x'.repeat(600);
    const append = async (client: pg.Client): Promise<void> => {
      await client.query('begin isolation level read committed');
      try {
        await client.query('select pg_advisory_xact_lock($1::bigint)', [lockKey]);
        const { rows } = await client.query<{ last: string | null }>('select max(idx) as last from audit_shaped');
        const last = rows[0]?.last;
        await client.query('insert into audit_shaped (idx, at, entry) values ($1, $2, $3)', [last == null ? 0 : Number(last) + 1, new Date().toISOString(), entry]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    };
    const appending = async (client: pg.Client): Promise<void> => {
      try {
        await append(client);
      } finally {
        idle.push(client);
      }
    };
    const auditShaped = await measureAsync({ concurrency: 1, durationMs, next: () => first, op: append });
    const auditShapedConcurrent = await measureAsync({ concurrency, durationMs, next: () => idle.pop(), op: appending });
    return { settings, single, singleExplicit, concurrent, auditShaped, auditShapedConcurrent };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
    await dropSchema(url, schema);
  }
}

/** The one-connection implicit INSERT loop alone (for the drift check at the end of a run). */
export async function measurePostgresBare(url: string, durationMs: number): Promise<Throughput> {
  const schema = benchSchemaName('pg_drift');
  await withPgClient(url, async (client) => {
    await client.query(`create schema "${schema}"`);
    await client.query(`create table "${schema}".raw_insert (id bigserial primary key, at text not null, payload text not null)`);
  });
  const client = await connect(url, schema);
  try {
    const payload = 'x'.repeat(300);
    const insert = () => client.query('insert into raw_insert (at, payload) values ($1, $2)', [new Date().toISOString(), payload]);
    await measureAsync({ concurrency: 1, durationMs: Math.min(300, durationMs / 4), next: () => client, op: insert });
    return await measureAsync({ concurrency: 1, durationMs, next: () => client, op: insert });
  } finally {
    await client.end();
    await dropSchema(url, schema);
  }
}
