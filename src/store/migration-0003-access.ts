/**
 * Migration 0003: zero-trust access (issue 4). MFA enrolment and replay
 * protection on users, single-use recovery codes, throttling of failed
 * sign-ins per account and per source, idle expiry of sessions, API tokens
 * for integrations, the site's access policy, and the action each
 * electronic signature was given for.
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** Builds migration 0003. */
export function accessMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One ALTER per column: SQLite adds a single column per statement.
      for (const [column, type] of [
        // Hex of the TOTP secret (RFC 6238), set once the first code confirmed it.
        ['mfa_secret', 'text'],
        ['mfa_enabled_at', 'text'],
        // The last accepted time step: a code at or before it is refused (each code once).
        ['mfa_last_step', 'bigint'],
        // An enrolment shown but not yet confirmed with a first code.
        ['mfa_pending_secret', 'text'],
        ['mfa_pending_at', 'text'],
        ['password_changed_at', 'text'],
      ] as const) {
        await db.schema.alterTable('users').addColumn(column, type).execute();
      }

      await db.schema
        .createTable('recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        // Hex SHA-256 of the normalized code: the codes carry 60 random bits, no slow hash needed.
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();

      // Failed sign-ins counted per key ('account:<username>', 'source:<address>').
      await db.schema
        .createTable('login_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull().check(sql`failures >= 0`))
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .execute();

      // Idle expiry: refreshed at most once a minute, so reads do not each cost a write.
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
      await db.schema.alterTable('sessions').addColumn('revoked_reason', 'text').execute();
      // After a signature with password and TOTP, later signatures of the same session need the
      // password only until then (21 CFR 11.200(a)(1)(i): one component within a continuous session).
      await db.schema.alterTable('sessions').addColumn('signing_until', 'text').execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        // The identity the token acts as (typically a service account); it can never do more than them.
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        // JSON array of the actions the token may ask for.
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('scope_node_id', 'text', (c) => c.references('plant_nodes.id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_source', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user_index').on('api_tokens').column('user_id').execute();

      // The site's access policy: one row per setting, JSON values, changed only by admins (audited).
      await db.schema
        .createTable('site_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // What the signature was given for (release, cancel, unhold, close); older rows are releases.
      await db.schema.alterTable('order_signatures').addColumn('action', 'text', (c) => c.notNull().defaultTo('release')).execute();
      // The order version the signature moved the order from: orders an order's signatures even within one clock tick.
      await db.schema.alterTable('order_signatures').addColumn('order_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('order_signatures').dropColumn('order_version').execute();
      await db.schema.alterTable('order_signatures').dropColumn('action').execute();
      await db.schema.dropTable('site_settings').execute();
      await db.schema.dropTable('api_tokens').execute();
      await db.schema.alterTable('sessions').dropColumn('signing_until').execute();
      await db.schema.alterTable('sessions').dropColumn('revoked_reason').execute();
      await db.schema.alterTable('sessions').dropColumn('last_seen_at').execute();
      await db.schema.dropTable('login_throttle').execute();
      await db.schema.dropTable('recovery_codes').execute();
      for (const column of ['password_changed_at', 'mfa_pending_at', 'mfa_pending_secret', 'mfa_last_step', 'mfa_enabled_at', 'mfa_secret']) {
        await db.schema.alterTable('users').dropColumn(column).execute();
      }
    },
  };
}
