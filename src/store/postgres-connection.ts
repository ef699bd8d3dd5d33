/** Connecting to PostgreSQL through a pg pool, optionally inside one schema. */
import { Kysely, PostgresDialect, sql, type DatabaseIntrospector, type PostgresDialectConfig } from 'kysely';
import pg from 'pg';
import { SchemaPostgresIntrospector } from './postgres-introspector.js';
import type { Database } from './schema.js';

/** PostgreSQL's OID for int8/bigint (audit idx, count(*), max(idx)). */
const INT8_OID = 20;

// Lower-case only: the name goes unquoted into search_path, which folds case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses int8 as a JS number rather than pg's default string, so both engines
 * return the same types. Audit indices and counters stay far below 2^53.
 * Set per pool, not through pg's global `types`, to leave other pools alone.
 */
const storeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Throws unless `schema` is a plain lower-case identifier, safe for search_path. */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  }
}

/**
 * PostgresDialect whose introspection (which Kysely's Migrator runs on every
 * migrateToLatest) sees only the store's schema, and so cannot fail because
 * another session drops some other schema or table of the database meanwhile.
 */
class StorePostgresDialect extends PostgresDialect {
  readonly #schema: string | undefined;

  constructor(config: PostgresDialectConfig, schema: string | undefined) {
    super(config);
    this.#schema = schema;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaPostgresIntrospector(db, this.#schema);
  }
}

/**
 * A Kysely instance over a pool of at most 10 connections to `url`. With a
 * `schema`, every connection starts with `search_path` set to it (a startup
 * option, so no query can run before it applies).
 */
export function postgresKysely(url: string, schema?: string): Kysely<Database> {
  if (schema !== undefined) assertSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Fail instead of waiting forever when the server is unreachable.
    connectionTimeoutMillis: 10_000,
    types: storeTypes,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection emits 'error' on the pool; the
  // pool drops it, and the next query reports the failure. Without a
  // listener Node would crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new StorePostgresDialect({ pool }, schema) });
}

/** Creates `schema` if it is missing; safe when several instances start at once. */
export async function ensurePostgresSchema(db: Kysely<Database>, schema: string): Promise<void> {
  assertSchemaName(schema);
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // IF NOT EXISTS can still race another creator (23505 on pg_namespace,
    // or 42P06 duplicate_schema): either way the schema now exists.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
