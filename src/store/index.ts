/** The store: database access, migrations and the audit append. Other folders import from here only. */
export { openDatabase, type Store, type StoreOptions } from './database.js';
export { storeKinds, type StoreKind } from './store-kind.js';
export { StoreMigrationError, StoreOpenError } from './store-errors.js';
export { CodeMigrationProvider, migrateToLatest, storeMigrations } from './migrations.js';
export {
  withWriteTransaction, writeTransactionStats, type AuditAppendMemo, type WriteTransaction, type WriteTransactionStats,
} from './write-transaction.js';
export { isUniqueViolation } from './unique-violation.js';
export {
  appendAuditEntry, auditEntryInsert, auditEntryRecord, auditLeafHash, canonicalAuditEntry, auditOutcomes, AUDIT_APPEND_LOCK_KEY,
  AUDIT_APPEND_SQL, AUDIT_APPEND_FUNCTION, AUDIT_SEQUENCE_FUNCTION, planAuditAppendFromMemo, planAuditAppendFromFrontier, auditAppendArguments, canonicalAuditEntryAround, type AuditEntryFields, type AuditOutcome, type AuditTailRow,
} from './audit-append.js';
export type * from './schema.js';
export { auditLogSize, readAuditTreeNodes } from './audit-log-reads.js';
export { catchUpAuditLookup } from './audit-lookup.js';
export { sequenceAuditQueue } from './audit-sequencer.js';
export { auditNodeRow, auditRowAddresses, auditRowNode, NODE_HEX_LENGTH } from './audit-row-nodes.js';
