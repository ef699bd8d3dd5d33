/**
 * Migration 0009: devices and their certificates (issue 5 point 6).
 * - `devices`: the machines and edge agents of a work center, active until an admin revokes them.
 * - `device_enrolment_tokens`: one-time, short-lived enrolment tokens, stored as the SHA-256 of the
 *   token (never the token); `used_at` is set in the transaction that stores the certificate.
 * - `device_certificates`: every client certificate the Forgeline CA issued to a device, by serial;
 *   a revoked one carries `revoked_at` and its RFC 5280 CRL reason, and is listed in the CRL.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Builds migration 0009 (the same on both engines). */
export function devicesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('work_center_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'revoked')`))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_reason', 'text')
        // Refreshed at most once a minute by the client-certificate check.
        .addColumn('last_seen_at', 'text')
        .execute();
      // A device is named once within its work center, so `device list` tells them apart.
      await db.schema.createIndex('devices_work_center_name').on('devices').columns(['work_center_id', 'name']).unique().execute();

      await db.schema
        .createTable('device_enrolment_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Hex SHA-256 of the token: it carries 256 random bits, so no slow hash is needed.
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('work_center_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('device_enrolment_tokens_device_index').on('device_enrolment_tokens').column('device_id').execute();

      await db.schema
        .createTable('device_certificates')
        // Lowercase hex of the certificate's serial number (RFC 5280 §4.1.2.2), unique per CA.
        .addColumn('serial', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('work_center_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        // The RFC 5280 §5.3.1 CRLReason name (keyCompromise, cessationOfOperation, ...).
        .addColumn('revocation_reason', 'text')
        .execute();
      await db.schema.createIndex('device_certificates_device_index').on('device_certificates').column('device_id').execute();
      // The CRL lists the revoked certificates: a partial index keeps that read small.
      await sql`create index device_certificates_revoked_index on device_certificates (revoked_at) where revoked_at is not null`.execute(db);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('device_certificates').execute();
      await db.schema.dropTable('device_enrolment_tokens').execute();
      await db.schema.dropTable('devices').execute();
    },
  };
}
