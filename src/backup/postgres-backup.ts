/**
 * A consistent dump of a PostgreSQL store while servers keep writing: `pg_dump --format=custom`
 * of the store's schema, inside a snapshot this module exports from a REPEATABLE READ
 * transaction (`pg_export_snapshot()`, `pg_dump --snapshot`), so the audit counts it reads and
 * the dump are of the very same instant.
 */
import { stat } from 'node:fs/promises';
import pg from 'pg';
import { ForgelineError } from '../domain/index.js';
import type { AuditCounts } from './audit-counts.js';
import { pgTarget, startPgTool } from './pg-tools.js';

// The names Forgeline gives schemas (store/postgres-connection.ts): plain, lower-case, unquoted.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** True for a schema name this module can dump and restore without quoting. */
export function isPlainSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

/** The schema a connection's tables live in (the first of its search_path that exists), as the store opens it. */
export async function currentSchema(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
  const schema = rows[0]?.schema;
  if (schema == null) throw new ForgelineError('validation-failed', 'no schema on the database URL\'s search_path exists');
  if (!isPlainSchemaName(schema)) throw new ForgelineError('validation-failed', `the schema ${JSON.stringify(schema)} is not a plain lower-case name; backups support those only`);
  return schema;
}

/** What a dump holds besides its file. */
export interface PostgresDump {
  readonly schema: string;
  readonly counts: AuditCounts;
}

/** Dumps the store at `url` (its current schema) to the file `destination`; `onBytes` hears the dump's size as it grows. */
export async function dumpPostgres(url: string, destination: string, onBytes?: (bytes: number) => void): Promise<PostgresDump> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const schema = await currentSchema(client);
    const { rows } = await client.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot');
    const snapshot = rows[0]?.snapshot;
    if (snapshot === undefined) throw new Error('PostgreSQL exported no snapshot');
    const counts = await readCounts(client);
    // The exporting transaction stays open until pg_dump is done: the snapshot lives as long as it.
    const run = startPgTool('pg_dump', ['--format=custom', `--schema=${schema}`, `--snapshot=${snapshot}`, '--no-password', `--file=${destination}`, `--dbname=${pgTarget(url).dbname}`], pgTarget(url));
    // pg_dump does not say how much it will write: its file's size is the progress there is.
    const poll = setInterval(() => {
      stat(destination).then((stats) => onBytes?.(stats.size), () => undefined);
    }, 250);
    try {
      await run.done;
    } finally {
      clearInterval(poll);
    }
    await client.query('commit');
    return { schema, counts };
  } finally {
    await client.end();
  }
}

async function readCounts(client: pg.Client): Promise<AuditCounts> {
  const last = await client.query<{ last: string | null }>('select max(idx)::text as last from audit_entries');
  const queued = await client.query<{ queued: string }>('select count(*)::text as queued from audit_queue');
  const checkpoint = await client.query<{ size: string; root_hash: string; note: string }>('select size::text as size, root_hash, note from audit_checkpoints order by size desc limit 1');
  const row = checkpoint.rows[0];
  const lastIndex = last.rows[0]?.last;
  return {
    size: lastIndex == null ? 0 : Number(lastIndex) + 1,
    queued: Number(queued.rows[0]?.queued ?? 0),
    latestCheckpoint: row === undefined ? null : { size: Number(row.size), rootHash: row.root_hash, note: row.note },
  };
}
