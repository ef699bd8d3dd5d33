/**
 * Migration 0008: keys and signatures of released orders (issue 5).
 * - `signing_keys`: the order-signing keys (Ed25519, JWS `kid`), the private key stored wrapped by
 *   the keyring's key-encryption key so every server instance on one database signs with it, and
 *   each key's lifecycle: active (signs new orders; one at a time), retired (verifies only),
 *   revoked (anything it signed at or after `revoked_since` is refused).
 * - `order_jws`: the compact JWS of each released revision, made in the release transaction.
 * - `order_data_keys`: the per-order AES-256 data key of the confidential fields, wrapped by a
 *   key-encryption key of the keyring (envelope encryption); re-wrapped by `keys rotate-kek`.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Builds migration 0008 (the same on both engines). */
export function orderKeysMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('algorithm', 'text', (c) => c.notNull().check(sql`algorithm = 'EdDSA'`))
        // The public JWK (RFC 8037 OKP, crv Ed25519), canonical JSON.
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        // The PKCS#8 private key wrapped by key-encryption key `kek_id` of the keyring.
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('private_key_wrapped', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'retired', 'revoked')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_since', 'text')
        .addColumn('revoked_reason', 'text')
        .execute();
      // At most one active key: every instance signs with the same one.
      await sql`create unique index signing_keys_one_active on signing_keys (status) where status = 'active'`.execute(db);

      await db.schema
        .createTable('order_jws')
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('kid', 'text', (c) => c.notNull().references('signing_keys.kid'))
        .addColumn('jti', 'text', (c) => c.notNull().unique())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_jws_pk', ['order_id', 'revision'])
        .execute();

      await db.schema
        .createTable('order_data_keys')
        .addColumn('order_id', 'text', (c) => c.primaryKey().references('orders.id'))
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('order_data_keys_kek_index').on('order_data_keys').column('kek_id').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('order_data_keys').execute();
      await db.schema.dropTable('order_jws').execute();
      await db.schema.dropTable('signing_keys').execute();
    },
  };
}
