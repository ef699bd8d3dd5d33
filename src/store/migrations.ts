/**
 * Versioned migrations, provided from code rather than files so they run the
 * same from `src/` under vitest and from compiled `dist/`.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { foundationMigration } from './migration-0001-foundation.js';
import { auditTreeMigration } from './migration-0002-audit-tree.js';
import { accessMigration } from './migration-0003-access.js';
import { auditRowNodesMigration } from './migration-0004-audit-row-nodes.js';
import { auditLookupMigration } from './migration-0005-audit-lookup.js';
import { auditAppendFunctionMigration } from './migration-0006-audit-append-function.js';
import { auditQueueMigration } from './migration-0007-audit-queue.js';
import { orderKeysMigration } from './migration-0008-order-keys.js';
import { devicesMigration } from './migration-0009-devices.js';
import { zonesMigration } from './migration-0010-zones.js';
import { deviceReportsMigration } from './migration-0011-device-reports.js';
import { dueEndUtcMigration } from './migration-0012-due-end-utc.js';
import { dueEndIndexMigration } from './migration-0013-due-end-index.js';
import { workCenterStateIndexMigration } from './migration-0014-work-center-state-index.js';
import { orderSearchMigration } from './migration-0015-order-search.js';
import { releaseAttestationsMigration } from './migration-0016-release-attestations.js';
import { StoreMigrationError } from './store-errors.js';
import type { StoreKind } from './store-kind.js';

/** The migrations in order; names sort lexically, which is the order Kysely applies. */
export function storeMigrations(kind: StoreKind): Record<string, Migration> {
  return {
    '0001_foundation': foundationMigration(kind),
    '0002_audit_tree': auditTreeMigration(),
    '0003_access': accessMigration(),
    '0004_audit_row_nodes': auditRowNodesMigration(kind),
    '0005_audit_lookup': auditLookupMigration(kind),
    '0006_audit_append_function': auditAppendFunctionMigration(kind),
    '0007_audit_queue': auditQueueMigration(kind),
    '0008_order_keys': orderKeysMigration(),
    '0009_devices': devicesMigration(),
    '0010_zones': zonesMigration(),
    '0011_device_reports': deviceReportsMigration(),
    '0012_due_end_utc': dueEndUtcMigration(),
    '0013_due_end_index': dueEndIndexMigration(),
    '0014_work_center_state_index': workCenterStateIndexMigration(),
    '0015_order_search': orderSearchMigration(kind),
    '0016_release_attestations': releaseAttestationsMigration(),
  };
}

/** A Kysely migration provider over {@link storeMigrations}. */
export class CodeMigrationProvider implements MigrationProvider {
  readonly #kind: StoreKind;

  constructor(kind: StoreKind) {
    this.#kind = kind;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(storeMigrations(this.#kind));
  }
}

/**
 * Applies every pending migration. Each runs in a transaction with its
 * bookkeeping row (both engines have transactional DDL), under Kysely's
 * migration lock, so concurrent starters apply each migration once.
 * On PostgreSQL pass the schema the tables go in: Kysely otherwise takes a
 * `kysely_migration` table in any schema of the database as its own.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, kind: StoreKind, schema?: string): Promise<readonly string[]> {
  const migrator = new Migrator({
    db,
    provider: new CodeMigrationProvider(kind),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreMigrationError(failed, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
