/** Backups (issue 5 point 7): consistent, encrypted backups of a data folder while it serves, and restores that check everything first. */
export { createBackup, type BackupOptions, type BackupResult } from './create-backup.js';
export { restoreBackup, type RestoreOptions, type RestoreResult } from './restore.js';
export { readBackupPassphrase, checkNewPassphrase, MIN_PASSPHRASE_LENGTH, type PassphraseSources } from './backup-passphrase.js';
export { BACKUP_PHASES, type BackupPhase, type BackupProgress, type ProgressListener } from './backup-progress.js';
export { BACKUP_SCRYPT, type ScryptParams } from './backup-crypto.js';
export { BackupFileReader, BackupFileWriter, type BackupWriterOptions } from './backup-file.js';
export { BACKUP_FORMAT, BACKUP_MAGIC, DEFAULT_CHUNK_BYTES } from './backup-header.js';
export type { BackupManifest, BackupPart, BackupAuditSummary } from './backup-manifest.js';
export { schemaLineRewriter, schemaRewriteStream } from './schema-rewrite.js';
