import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CodeMigrationProvider, openDatabase, StoreMigrationError, type Store } from '../../src/store/index.js';
import { describeEachEngine, type EngineContext } from '../support/engines.js';

/** The schema as the foundation and audit-log issues specify it, table by table. */
const expectedColumns: Record<string, readonly string[]> = {
  plant_nodes: ['id', 'kind', 'code', 'name', 'parent_id', 'path', 'created_at'],
  items: ['id', 'code', 'revision', 'description', 'unit', 'created_at'],
  users: [
    'id', 'username', 'display_name', 'password_hash', 'disabled', 'password_must_change', 'created_at', 'updated_at',
    'mfa_secret', 'mfa_enabled_at', 'mfa_last_step', 'mfa_pending_secret', 'mfa_pending_at', 'password_changed_at',
  ],
  role_assignments: ['id', 'user_id', 'role', 'scope_node_id', 'created_at'],
  sessions: ['id', 'token_hash', 'user_id', 'source', 'created_at', 'expires_at', 'revoked_at', 'last_seen_at', 'revoked_reason', 'signing_until'],
  orders: [
    'id', 'number', 'site_id', 'work_center_id', 'state', 'held_from', 'revision', 'version', 'content_hash', 'priority',
    'due_end', 'created_by', 'created_at', 'updated_at', 'good_quantity', 'scrap_quantity', 'unit', 'item_code', 'customer_tag',
  ],
  order_revisions: ['order_id', 'revision', 'content_hash', 'content', 'confidential', 'created_by', 'created_at'],
  order_signatures: ['id', 'order_id', 'revision', 'signer_id', 'meaning', 'content_hash', 'signed_at', 'action', 'order_version'],
  order_progress: ['id', 'order_id', 'seq', 'operation_seq', 'good', 'scrap', 'lots', 'reported_by', 'reported_at'],
  idempotency_keys: ['user_id', 'key', 'request_hash', 'order_id', 'created_at'],
  audit_entries: [
    'idx', 'at', 'actor_id', 'actor', 'source', 'kind', 'outcome', 'order_id', 'revision', 'hash_before', 'hash_after',
    'detail', 'entry', 'leaf_hash', 'nodes',
  ],
  audit_lookup: ['idx', 'at', 'actor_id', 'kind', 'outcome', 'order_id'],
  signing_keys: [
    'kid', 'algorithm', 'public_jwk', 'kek_id', 'private_key_wrapped', 'status', 'created_at', 'retired_at', 'revoked_at', 'revoked_since', 'revoked_reason',
  ],
  order_jws: ['order_id', 'revision', 'kid', 'jti', 'audience', 'issued_at', 'expires_at', 'jws', 'attestation'],
  order_data_keys: ['order_id', 'kek_id', 'wrapped_key', 'created_at'],
  search_keys: ['purpose', 'kek_id', 'wrapped_key', 'created_at'],
  audit_queue: [
    'seq', 'entry_before', 'entry_after', 'at', 'actor_id', 'actor', 'source', 'kind', 'outcome', 'order_id', 'revision', 'hash_before',
    'hash_after', 'detail',
  ],
  audit_checkpoints: ['size', 'root_hash', 'note', 'created_at'],
  recovery_codes: ['user_id', 'code_hash', 'created_at', 'used_at'],
  login_throttle: ['key', 'failures', 'window_started_at', 'locked_until'],
  api_tokens: [
    'id', 'name', 'user_id', 'token_hash', 'actions', 'scope_node_id', 'created_by', 'created_at', 'expires_at', 'revoked_at',
    'last_used_at', 'last_used_source',
  ],
  site_settings: ['key', 'value', 'updated_by', 'updated_at'],
  devices: ['id', 'name', 'kind', 'work_center_id', 'status', 'created_by', 'created_at', 'revoked_at', 'revoked_reason', 'last_seen_at'],
  device_enrolment_tokens: ['id', 'token_hash', 'device_id', 'work_center_id', 'created_by', 'created_at', 'expires_at', 'used_at'],
  device_certificates: [
    'serial', 'device_id', 'work_center_id', 'subject', 'not_before', 'not_after', 'certificate_pem', 'issued_at', 'revoked_at', 'revocation_reason',
  ],
  zones: ['id', 'code', 'name', 'security_level', 'created_at'],
  zone_members: ['node_id', 'zone_id'],
  conduits: ['id', 'code', 'zone_id', 'transport', 'carries_orders', 'carries_reports', 'created_at'],
  zone_plan: ['id', 'version', 'description_hash', 'updated_by', 'updated_at'],
  device_reports: [
    'device_id', 'idempotency_key', 'order_id', 'revision', 'work_center_id', 'kind', 'via', 'body', 'body_hash', 'signature', 'certificate_serial',
    'reported_at', 'received_at', 'applied', 'order_state', 'note',
  ],
};

/** Application tables of this test's database (the schema filter guards the store's schema-scoped introspection). */
async function tableColumns(engine: EngineContext, store: Store): Promise<Record<string, string[]>> {
  const options = engine.options();
  const schema = options.kind === 'postgres' ? options.schema : undefined;
  const tables = await store.db.introspection.getTables();
  return Object.fromEntries(
    tables
      .filter((t) => !t.name.startsWith('kysely_') && (schema === undefined || t.schema === schema))
      .map((t) => [t.name, t.columns.map((c) => c.name).sort()]),
  );
}

function sortedExpectation(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(expectedColumns).map(([t, cols]) => [t, [...cols].sort()]));
}

describeEachEngine('migrations', (engine) => {
  it('creates every table with its columns', async () => {
    expect(await tableColumns(engine, engine.store())).toEqual(sortedExpectation());
  });

  it('records every migration as applied and changes nothing when the database is reopened', async () => {
    await engine.store().db.insertInto('items')
      .values({ id: 'i1', code: 'BRKT', revision: 'A', description: 'Bracket', unit: 'pcs', created_at: '2025-01-01T00:00:00.000Z' })
      .execute();
    await engine.store().close();

    const again = await engine.openStore();
    const migrations = await new Migrator({ db: again.db, provider: new CodeMigrationProvider(again.kind) }).getMigrations();
    expect(migrations.map((m) => [m.name, m.executedAt instanceof Date])).toEqual([
      ['0001_foundation', true], ['0002_audit_tree', true], ['0003_access', true], ['0004_audit_row_nodes', true],
      ['0005_audit_lookup', true], ['0006_audit_append_function', true], ['0007_audit_queue', true], ['0008_order_keys', true],
      ['0009_devices', true], ['0010_zones', true], ['0011_device_reports', true], ['0012_due_end_utc', true], ['0013_due_end_index', true], ['0014_work_center_state_index', true], ['0015_order_search', true], ['0016_release_attestations', true],
    ]);
    expect(await tableColumns(engine, again)).toEqual(sortedExpectation());
    expect(await again.db.selectFrom('items').select('code').execute()).toEqual([{ code: 'BRKT' }]);
  });

  it('applies the migrations once when several stores open the same database at once', async () => {
    // The harness already migrated; a burst of reopeners must all see "nothing to do".
    const stores = await Promise.all([engine.openStore(), engine.openStore(), engine.openStore()]);
    for (const store of stores) {
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
      expect(rows.rows.map((r) => r.name).sort()).toEqual(['0001_foundation', '0002_audit_tree', '0003_access', '0004_audit_row_nodes', '0005_audit_lookup', '0006_audit_append_function', '0007_audit_queue', '0008_order_keys', '0009_devices', '0010_zones', '0011_device_reports', '0012_due_end_utc', '0013_due_end_index', '0014_work_center_state_index', '0015_order_search', '0016_release_attestations']);
    }
  });

  it('reports the failing migration and leaves no partial schema behind', async () => {
    // Undo 0001 except its last table, so re-running it fails after creating the others.
    const store = engine.store();
    for (const table of [
      'search_keys', 'device_reports', 'zone_plan', 'conduits', 'zone_members', 'zones', 'device_certificates', 'device_enrolment_tokens', 'devices', 'order_data_keys', 'order_jws', 'recovery_codes', 'api_tokens', 'idempotency_keys', 'order_progress', 'order_signatures', 'order_revisions', 'orders',
      'sessions', 'role_assignments', 'users', 'items', 'plant_nodes', 'kysely_migration', 'kysely_migration_lock',
    ]) {
      await store.db.schema.dropTable(table).execute();
    }
    await store.close();

    const failure = await openDatabase(engine.options()).then(
      (s) => s.close().then(() => undefined),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StoreMigrationError);
    expect((failure as StoreMigrationError).migration).toBe('0001_foundation');
    expect((failure as Error).message).toMatch(/database migration failed at migration 0001_foundation: .*audit_entries/);

    // Had plant_nodes and the rest survived the failure, a second run would
    // stop at plant_nodes; it stops at audit_entries again, so they were rolled back.
    const again = await engine.openStore().catch((error: unknown) => error);
    expect(again).toBeInstanceOf(StoreMigrationError);
    expect((again as Error).message).toMatch(/audit_entries/);
    expect((again as Error).message).not.toMatch(/plant_nodes/);
  });

  if (engine.kind === 'postgres') {
    it('introspects only its own schema, even while another session drops a schema', async () => {
      const options = engine.options();
      if (options.kind !== 'postgres' || options.schema === undefined) throw new Error('unreachable');
      const db = engine.store().db;
      const other = sql.id(`${options.schema}_other`);
      await sql`create schema ${other}`.execute(db);
      await sql`create table ${other}.t (id serial primary key)`.execute(db);
      try {
        // The snapshot still sees the other schema's catalog rows after its
        // drop commits; name lookups (Kysely's stock introspector) then throw.
        const tables = await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
          await sql`select 1`.execute(trx);
          await sql`drop schema ${other} cascade`.execute(db);
          return trx.introspection.getTables({ withInternalKyselyTables: true });
        });
        expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([options.schema]));
        expect(tables.map((t) => t.name)).toContain('kysely_migration');
      } finally {
        await sql`drop schema if exists ${other} cascade`.execute(db);
      }
    });
  }

  it('keeps one enterprise-wide grant of a role per user despite NULL scopes', async () => {
    const db = engine.store().db;
    const at = '2025-01-01T00:00:00.000Z';
    await db.insertInto('users').values({
      id: 'u1', username: 'ada', display_name: 'Ada', password_hash: 'x', disabled: 0, password_must_change: 0,
      created_at: at, updated_at: at,
    }).execute();
    await db.insertInto('role_assignments').values({ id: 'r1', user_id: 'u1', role: 'planner', scope_node_id: null, created_at: at }).execute();
    await expect(
      db.insertInto('role_assignments').values({ id: 'r2', user_id: 'u1', role: 'planner', scope_node_id: null, created_at: at }).execute(),
    ).rejects.toThrow();
  });

  it('enforces foreign keys', async () => {
    await expect(
      engine.store().db.insertInto('role_assignments')
        .values({ id: 'r1', user_id: 'nobody', role: 'planner', scope_node_id: null, created_at: '2025-01-01T00:00:00.000Z' })
        .execute(),
    ).rejects.toThrow(/foreign key/i);
  });

  it('rejects a plant node kind outside the hierarchy', async () => {
    await expect(
      engine.store().db.insertInto('plant_nodes')
        .values({ id: 'n1', kind: 'galaxy' as 'site', code: 'X', name: 'X', parent_id: null, path: '/n1/', created_at: '2025-01-01T00:00:00.000Z' })
        .execute(),
    ).rejects.toThrow(/check/i);
  });
});

describe('migration provider', () => {
  it('names migrations so that lexical order is apply order', async () => {
    const names = Object.keys(await new CodeMigrationProvider('sqlite').getMigrations());
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('0001_foundation');
  });
});
