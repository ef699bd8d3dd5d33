/**
 * Migration 0010: IEC 62443 zones and conduits (issue 6 point 1).
 * - `zones`: a zone by code, with its target security level (SL-T 1..4, IEC 62443-3-3).
 * - `zone_members`: the plant nodes (sites, areas, work centers) a zone is drawn on; the node is
 *   the key, so a node is in at most one zone.
 * - `conduits`: the permitted flows between the server and one zone over one transport; one
 *   conduit per zone and transport.
 * - `zone_plan`: one row, its `version` bumped by every replacement. Replacements update it first,
 *   which serializes them on PostgreSQL, and readers poll it to know when to reload.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Builds migration 0010 (the same on both engines). */
export function zonesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('zones')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('security_level', 'integer', (c) => c.notNull().check(sql`security_level between 1 and 4`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('zone_members')
        .addColumn('node_id', 'text', (c) => c.primaryKey().references('plant_nodes.id'))
        .addColumn('zone_id', 'text', (c) => c.notNull().references('zones.id'))
        .execute();
      await db.schema.createIndex('zone_members_zone_index').on('zone_members').column('zone_id').execute();

      await db.schema
        .createTable('conduits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('zone_id', 'text', (c) => c.notNull().references('zones.id'))
        .addColumn('transport', 'text', (c) => c.notNull().check(sql`transport in ('https', 'mqtt')`))
        .addColumn('carries_orders', 'integer', (c) => c.notNull().check(sql`carries_orders in (0, 1)`))
        .addColumn('carries_reports', 'integer', (c) => c.notNull().check(sql`carries_reports in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        // A conduit that carries nothing permits nothing: it is left out instead.
        .addCheckConstraint('conduits_carry_something', sql`carries_orders = 1 or carries_reports = 1`)
        .execute();
      await db.schema.createIndex('conduits_zone_transport').on('conduits').columns(['zone_id', 'transport']).unique().execute();

      await db.schema
        .createTable('zone_plan')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('description_hash', 'text')
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text')
        .execute();
      await sql`insert into zone_plan (id, version) values (1, 0)`.execute(db);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('zone_plan').execute();
      await db.schema.dropTable('conduits').execute();
      await db.schema.dropTable('zone_members').execute();
      await db.schema.dropTable('zones').execute();
    },
  };
}
