/**
 * Restoring a PostgreSQL dump without touching the live schema until it is proven: the dump is
 * loaded (pg_restore's script, moved to another schema, run by psql in one transaction) into a
 * fresh temporary schema of the target database, checked there, and only then swapped in by
 * renaming schemas in one transaction, the old one kept under another name.
 */
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { ForgelineError } from '../domain/index.js';
import { pgTarget, startPgTool } from './pg-tools.js';
import { isPlainSchemaName } from './postgres-backup.js';
import { schemaRewriteStream } from './schema-rewrite.js';

/** The schema a restore goes to, as it is now. */
export interface SchemaState {
  readonly schema: string;
  readonly exists: boolean;
  /** Tables in it: any means a store lives there. */
  readonly tables: number;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function tableCount(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ tables: string }>('select count(*)::text as tables from pg_tables where schemaname = $1', [schema]);
  return Number(rows[0]?.tables ?? 0);
}

/** The schema the store at `url` would use (the first of its search_path), whether it exists, and how many tables it holds. */
export function inspectTargetSchema(url: string): Promise<SchemaState> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ schema: string | null; path: string; user: string }>("select current_schema() as schema, current_setting('search_path') as path, current_user as user");
    const row = rows[0];
    // Without an existing schema on the path, the store would create the first one named.
    const first = row?.schema ?? row?.path.split(',').map((item) => item.trim()).map((item) => (item === '"$user"' ? row.user : item.replace(/^"(.*)"$/, '$1'))).find((item) => item !== '');
    if (first === undefined || !isPlainSchemaName(first)) {
      throw new ForgelineError('validation-failed', `the database URL's search_path names no plain lower-case schema to restore into (${row?.path ?? 'empty'})`);
    }
    const exists = row?.schema != null;
    return { schema: first, exists, tables: exists ? await tableCount(client, first) : 0 };
  });
}

/**
 * Loads the dump `dumpFile` of schema `from` into a new schema of the database at `url`, and
 * answers its name. pg_restore writes the script, {@link schemaRewriteStream} moves it, psql
 * runs it in one transaction that stops at the first error; on failure the schema is dropped.
 */
export async function loadIntoTemporarySchema(url: string, dumpFile: string, from: string): Promise<string> {
  const temporary = `forgeline_restore_${randomBytes(6).toString('hex')}`;
  await withClient(url, (client) => client.query(`create schema ${temporary}`));
  try {
    const target = pgTarget(url);
    const script = startPgTool('pg_restore', ['--no-owner', '--no-privileges', '--file=-', dumpFile], target, { stdout: true });
    const psql = startPgTool('psql', ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', '--no-password', `--dbname=${target.dbname}`], target, { stdin: true });
    const { stdout } = script.child;
    const { stdin } = psql.child;
    if (stdout === null || stdin === null) throw new Error('pg_restore and psql were started without pipes');
    const piped = pipeline(stdout, schemaRewriteStream(from, temporary), stdin);
    const [load, dump, flow] = await Promise.allSettled([psql.done, script.done, piped]);
    // psql's own complaint says most; a broken pipe is only its echo.
    const failure = [load, dump, flow].find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) {
      const reason = (failure as PromiseRejectedResult).reason as unknown;
      throw new ForgelineError('backup-invalid', `the database in the backup could not be loaded into PostgreSQL: ${reason instanceof Error ? reason.message : String(reason)}`);
    }
    return temporary;
  } catch (error) {
    await dropSchema(url, temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * The URL to open the loaded schema with: without its `options` parameter, whose search_path
 * (the target schema's) would win over the one the store sets for the loaded schema.
 */
export function urlForLoadedSchema(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('options');
  return parsed.toString();
}

/** Drops a schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!isPlainSchemaName(schema)) throw new Error(`refusing to drop the schema ${JSON.stringify(schema)}`);
  await withClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
}

/** A schema name with a suffix, cut to PostgreSQL's 63-byte limit. */
export function suffixedSchema(schema: string, suffix: string): string {
  return `${schema.slice(0, 63 - suffix.length)}${suffix}`;
}

/** `name`, or `name_2`, `name_3`… (within 63 bytes): the first no schema has. */
async function freeSchemaName(client: pg.Client, name: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const candidate = attempt === 1 ? name : suffixedSchema(name, `_${attempt}`);
    const { rows } = await client.query<{ found: boolean }>('select exists (select 1 from pg_namespace where nspname = $1) as found', [candidate]);
    if (rows[0]?.found !== true) return candidate;
  }
}

/**
 * Puts the loaded schema in place of `target` in one transaction: a target holding tables is
 * renamed to `keepAs` (or `keepAs_2`… when taken) when `force`, else refused (`conflict`); an
 * empty one is dropped. Answers the name the old schema is kept under, or null.
 */
export function swapInSchema(url: string, loaded: string, target: string, options: { force: boolean; keepAs: string }): Promise<string | null> {
  return withClient(url, async (client) => {
    await client.query('begin');
    try {
      const { rows } = await client.query<{ found: boolean }>('select exists (select 1 from pg_namespace where nspname = $1) as found', [target]);
      let kept: string | null = null;
      if (rows[0]?.found === true) {
        if ((await tableCount(client, target)) > 0) {
          if (!options.force) throw new ForgelineError('conflict', `the PostgreSQL schema ${target} already holds a Forgeline database; nothing was changed (restore with --force to keep it as ${options.keepAs})`);
          kept = await freeSchemaName(client, options.keepAs);
          await client.query(`alter schema ${target} rename to ${kept}`);
        } else {
          await client.query(`drop schema ${target}`);
        }
      }
      await client.query(`alter schema ${loaded} rename to ${target}`);
      await client.query('commit');
      return kept;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}

/** Undoes {@link swapInSchema} when what follows it fails: the restored schema is dropped and the kept one put back. */
export function undoSchemaSwap(url: string, target: string, kept: string | null): Promise<void> {
  return withClient(url, async (client) => {
    await client.query('begin');
    await client.query(`drop schema ${target} cascade`);
    if (kept !== null) await client.query(`alter schema ${kept} rename to ${target}`);
    await client.query('commit');
  });
}
