/**
 * Table introspection on PostgreSQL, limited to the store's own schema.
 *
 * Kysely's PostgresIntrospector reads the catalog of every schema in the
 * database and calls `has_schema_privilege(nspname, …)` and
 * `pg_get_serial_sequence('schema.table', …)` on each row. Those functions
 * look names up in the latest committed catalog, not in the query's
 * snapshot, so when another session drops any schema or table while the
 * query runs, it fails with `schema "…" does not exist` (or `relation …`).
 * The Migrator introspects on every run to find its own tables, so a store
 * could not open while anyone else in the database (another tenant's
 * schema, a test's teardown) dropped something.
 *
 * This introspector reads only the store's schema and uses only OID-based
 * catalog lookups, which see the query's snapshot and never throw on an
 * object dropped concurrently.
 */
import { PostgresIntrospector, sql, type DatabaseMetadataOptions, type Kysely, type TableMetadata } from 'kysely';

interface ColumnRow {
  readonly column: string;
  readonly not_null: boolean;
  readonly has_default: boolean;
  readonly table: string;
  readonly table_type: string;
  readonly schema: string;
  readonly type: string;
  readonly type_schema: string;
  readonly column_description: string | null;
  readonly auto_incrementing: boolean;
}

/**
 * A PostgresIntrospector whose getTables() lists the tables and views of one
 * schema: `schema` if given, else the session's current_schema().
 */
export class SchemaPostgresIntrospector extends PostgresIntrospector {
  // Kysely<any> as in Kysely's own introspectors: this reads pg_catalog.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #db: Kysely<any>;
  readonly #schema: string | undefined;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(db: Kysely<any>, schema?: string) {
    super(db);
    this.#db = db;
    this.#schema = schema;
  }

  override async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const schema = this.#schema === undefined ? sql`current_schema()` : sql`${this.#schema}`;
    const { rows } = await sql<ColumnRow>`
      select a.attname as column, a.attnotnull as not_null, a.atthasdef as has_default,
        c.relname as table, c.relkind as table_type, ns.nspname as schema,
        typ.typname as type, dtns.nspname as type_schema,
        col_description(a.attrelid, a.attnum) as column_description,
        -- What pg_get_serial_sequence() finds, by OID: a sequence owned by
        -- the column (serial: 'a', identity: 'i').
        exists (
          select 1 from pg_catalog.pg_depend d
            join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
          where d.classid = 'pg_catalog.pg_class'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
            and d.refobjid = a.attrelid and d.refobjsubid = a.attnum and d.deptype in ('a', 'i')
        ) as auto_incrementing
      from pg_catalog.pg_attribute a
        join pg_catalog.pg_class c on c.oid = a.attrelid
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace dtns on dtns.oid = typ.typnamespace
      where ns.nspname = ${schema}
        and c.relkind in ('r', 'v', 'p')
        and coalesce(has_schema_privilege(ns.oid, 'USAGE'), false)
        and a.attnum > 0 and not a.attisdropped
        ${options.withInternalKyselyTables === true ? sql`` : sql`and c.relname not in ('kysely_migration', 'kysely_migration_lock')`}
      order by c.relname, a.attnum`.execute(this.#db);
    return tablesOf(rows);
  }
}

/** Groups column rows (ordered by table) into Kysely's table metadata. */
function tablesOf(rows: readonly ColumnRow[]): TableMetadata[] {
  const tables = new Map<string, TableMetadata>();
  for (const row of rows) {
    let table = tables.get(row.table);
    if (table === undefined) {
      table = { name: row.table, schema: row.schema, isView: row.table_type === 'v', columns: [] };
      tables.set(row.table, table);
    }
    table.columns.push({
      name: row.column,
      dataType: row.type,
      dataTypeSchema: row.type_schema,
      isNullable: !row.not_null,
      isAutoIncrementing: row.auto_incrementing,
      hasDefaultValue: row.has_default,
      comment: row.column_description ?? undefined,
    });
  }
  return [...tables.values()];
}
