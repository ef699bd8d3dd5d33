/**
 * Migration 0011: the reports devices send about the orders dispatched to them (issue 6 point 2).
 * - `device_reports`: every report accepted from a device, once per (device, idempotency key), with
 *   its canonical body and signature as received (the evidence), the certificate that verified it,
 *   whether it changed the order, and the receipt answered (again) to a resend of the same report.
 *   Written in the transaction of its effect, so a report is either applied and recorded, or neither.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Builds migration 0011 (the same on both engines). */
export function deviceReportsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('device_reports')
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        // The revision the report is about: the one the device accepted or refused, else the order's at receipt.
        .addColumn('revision', 'integer', (c) => c.notNull())
        // The device's work center when it reported: the order feed asks whether any device of it took a revision.
        .addColumn('work_center_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('https', 'mqtt')`))
        // RFC 8785 canonical JSON of the report, the exact bytes the signature covers, and its SHA-256 (hex).
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('certificate_serial', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('applied', 'integer', (c) => c.notNull().check(sql`applied in (0, 1)`))
        .addColumn('order_state', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addPrimaryKeyConstraint('device_reports_key', ['device_id', 'idempotency_key'])
        .execute();
      // The feed's question: has a device of this work center accepted or refused this revision?
      await db.schema.createIndex('device_reports_order_index').on('device_reports').columns(['order_id', 'revision', 'kind']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('device_reports').execute();
    },
  };
}
