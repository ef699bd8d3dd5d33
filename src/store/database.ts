/** Opening the store: the engine connection, migrated to the latest schema. */
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from './migrations.js';
import { ensurePostgresSchema, postgresKysely } from './postgres-connection.js';
import type { Database } from './schema.js';
import { openSqliteFile, sqliteKysely } from './sqlite-connection.js';
import { StoreOpenError } from './store-errors.js';
import type { StoreKind } from './store-kind.js';
import { writeTransactionsSettled } from './write-transaction.js';

/** Where the data lives: an embedded SQLite file, or a PostgreSQL database (optionally one schema of it). */
export type StoreOptions =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** An open, migrated database. Close it once; it owns its connections. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  close(): Promise<void>;
}

/** The URL without its password, for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'a PostgreSQL database (unparsable URL)';
  }
}

function connect(options: StoreOptions): Kysely<Database> {
  return options.kind === 'sqlite'
    ? sqliteKysely(openSqliteFile(options.file))
    : postgresKysely(options.url, options.schema);
}

/**
 * Proves the connection works (and creates the schema) before migrating, so
 * a bad URL is reported as such. Returns the PostgreSQL schema the tables
 * live in: the one asked for, else the first of the server's search_path.
 */
async function prepare(db: Kysely<Database>, options: StoreOptions): Promise<string | undefined> {
  if (options.kind === 'sqlite') return undefined;
  if (options.schema !== undefined) {
    await ensurePostgresSchema(db, options.schema);
    return options.schema;
  }
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema == null) throw new Error('no schema on the search_path exists; pass one explicitly');
  return schema;
}

/**
 * Opens the database described by `options` and applies pending migrations.
 * Throws {@link StoreOpenError} if it cannot connect or prepare, and
 * `StoreMigrationError` if a migration fails; nothing stays open then.
 */
export async function openDatabase(options: StoreOptions): Promise<Store> {
  const what = options.kind === 'sqlite'
    ? `SQLite database ${options.file}`
    : `PostgreSQL database ${describeUrl(options.url)}${options.schema === undefined ? '' : ` (schema ${options.schema})`}`;
  let db: Kysely<Database>;
  try {
    db = connect(options);
  } catch (error) {
    throw new StoreOpenError(what, { cause: error });
  }
  try {
    let schema: string | undefined;
    try {
      schema = await prepare(db, options);
    } catch (error) {
      throw new StoreOpenError(what, { cause: error });
    }
    await migrateToLatest(db, options.kind, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    db,
    kind: options.kind,
    // Idempotent: callers' finally blocks and test teardown may both close.
    // Write transactions already asked for run (and commit) first.
    close: () => (closed ??= writeTransactionsSettled(db).then(() => db.destroy())),
  };
}
