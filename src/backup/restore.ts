/**
 * `forgeline restore`: everything is checked before anything is touched. The whole file is
 * decrypted into a private folder beside the target (header, every chunk's tag, every part's
 * SHA-256, the manifest), the database is restored into a temporary place (an SQLite file
 * there, or a temporary PostgreSQL schema) and its audit log verified against its signed
 * checkpoints with the backed-up audit key; only then is it moved into place.
 */
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { verifierKey, verifyStoredLog, type ExportVerified } from '../audit/index.js';
import { openFileKeyring } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { openDatabase, StoreMigrationError, StoreOpenError, type StoreOptions } from '../store/index.js';
import { readManifest, type DataManifest } from '../server/index.js';
import { BackupFileReader } from './backup-file.js';
import { DATABASE_PARTS, FOLDER_DIRECTORIES, type BackupManifest } from './backup-manifest.js';
import { extractPayload } from './backup-payload.js';
import type { ProgressListener } from './backup-progress.js';
import { folderAuditIdentity, namedFiles } from './folder-parts.js';
import { dropSchema, inspectTargetSchema, loadIntoTemporarySchema, suffixedSchema, swapInSchema, undoSchemaSwap, urlForLoadedSchema } from './postgres-restore.js';
import { assertReplaceable, inspectFolder, moveIntoPlace, prepareFolder, timeStamp } from './restore-target.js';

/** Options of {@link restoreBackup}. */
export interface RestoreOptions {
  readonly file: string;
  readonly dataDir: string;
  readonly passphrase: string;
  /** Where a PostgreSQL backup goes: the store's schema in this database. */
  readonly databaseUrl?: string | undefined;
  /** Replace an initialized data folder (and schema), keeping the old one under another name. */
  readonly force?: boolean;
  /** The log's verifier key line the backup must carry (from `GET /api/v1/audit/key`), when the operator kept it. */
  readonly auditKey?: string | undefined;
  readonly now?: () => Date;
  readonly onProgress?: ProgressListener;
}

/** What a restore did. */
export interface RestoreResult {
  readonly dataDir: string;
  readonly manifest: BackupManifest;
  readonly verification: ExportVerified;
  /** Where the folder that was replaced is kept, or null. */
  readonly keptFolder: string | null;
  /** PostgreSQL: the schema restored into, and the name the replaced one is kept under. */
  readonly schema: string | null;
  readonly keptSchema: string | null;
}

function invalid(message: string): ForgelineError {
  return new ForgelineError('backup-invalid', message);
}

async function freePath(base: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const path = attempt === 1 ? base : `${base}-${attempt}`;
    if (!(await stat(path).then(() => true, () => false))) return path;
  }
}

/** Checks the restored folder's own manifest against the backup's; a mismatch is `backup-invalid`. */
async function checkFolder(folder: string, manifest: BackupManifest): Promise<DataManifest & { audit: NonNullable<DataManifest['audit']> }> {
  const data = await readManifest(folder).catch((error: unknown) => {
    throw invalid(`the data folder manifest in the backup is damaged: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (data.database.kind !== manifest.engine) throw invalid(`the backup holds a ${manifest.engine} database but its folder manifest says ${data.database.kind}`);
  if (data.audit === undefined || data.audit.origin !== manifest.audit.origin) throw invalid('the backup\'s folder manifest does not name the audit log the backup was made of');
  const held = new Set(manifest.parts.map((part) => part.name));
  const missing = namedFiles(data).find((name) => !held.has(name));
  if (missing !== undefined) throw invalid(`the backup lacks ${missing}, which its folder manifest names`);
  if (data.database.kind === 'sqlite') {
    const { file } = data.database;
    // A plain name of its own: never a path out of the folder, nor a file or folder the backup also holds.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file) || held.has(file) || (FOLDER_DIRECTORIES as readonly string[]).includes(file)) {
      throw invalid('the backup\'s folder manifest names an SQLite file that is not a plain file of its own in the folder');
    }
  }
  return { ...data, audit: data.audit };
}

/** Verifies the restored store's audit log; anything but a log that verifies and holds what the backup recorded is `audit-integrity`. */
async function verifyRestoredLog(options: StoreOptions, folder: string, data: { audit: NonNullable<DataManifest['audit']> }, manifest: BackupManifest, auditKey: string | undefined): Promise<ExportVerified> {
  const identity = await folderAuditIdentity(folder, data.audit).catch(() => {
    throw invalid(`the audit signing key in the backup (${data.audit.signingKey}) cannot be read`);
  });
  if (auditKey !== undefined && verifierKey(identity.origin, identity.publicKey) !== auditKey.trim()) {
    throw invalid('the backup\'s audit key is not the one given with --audit-key: it is a backup of another installation');
  }
  const store = await openDatabase(options).catch((error: unknown) => {
    // The SQLite file came out of the backup intact: if it does not open, it was never a database.
    if (options.kind === 'sqlite' && (error instanceof StoreOpenError || error instanceof StoreMigrationError)) throw invalid(`the database in the backup cannot be opened: ${error.message}`);
    throw error;
  });
  let result;
  try {
    const latest = manifest.audit.latestCheckpoint;
    result = await verifyStoredLog(store, identity, latest === null ? [] : [{ size: latest.size, note: latest.note }]);
  } finally {
    await store.close();
  }
  if (!result.ok) {
    const { failure } = result;
    throw new ForgelineError('audit-integrity', `the audit log in the backup does not verify (${failure.code}${failure.index !== undefined ? ` at entry ${failure.index}` : ''}: ${failure.message}); nothing was restored`);
  }
  const expected = manifest.audit.size + manifest.audit.queued;
  if (result.entries !== expected) {
    throw new ForgelineError('audit-integrity', `the audit log in the backup holds ${result.entries} entries, but the backup recorded ${expected}; nothing was restored`);
  }
  return result;
}

/** Restores the backup `file` into the data folder `dataDir` (and, for PostgreSQL, the database at `databaseUrl`). */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const dataDir = resolve(options.dataDir);
  const file = resolve(options.file);
  const force = options.force === true;
  const progress = options.onProgress ?? (() => undefined);
  // Refused at once when it would be refused at the end anyway.
  assertReplaceable(dataDir, await inspectFolder(dataDir), force);
  if (options.databaseUrl !== undefined) {
    const target = await inspectTargetSchema(options.databaseUrl);
    if (target.tables > 0 && !force) throw new ForgelineError('conflict', `the PostgreSQL schema ${target.schema} already holds a Forgeline database; nothing was changed (restore with --force to keep it under another name)`);
  }
  const reader = await BackupFileReader.open(file, options.passphrase);
  let madeParent: string | undefined;
  let work: string;
  try {
    madeParent = await mkdir(dirname(dataDir), { recursive: true });
    work = await mkdtemp(join(dirname(dataDir), `.${basename(dataDir)}.restore-`));
  } catch (error) {
    await reader.close();
    throw error;
  }
  let loadedSchema: string | null = null;
  let restored = false;
  try {
    const folder = join(work, 'folder');
    await prepareFolder(folder, FOLDER_DIRECTORIES);
    const manifest = await extractPayload(reader, file, (part) => join(part.name.startsWith('database.') ? work : folder, part.name), (done) => progress({ phase: 'decrypt', done, total: reader.fileBytes }));
    for (const part of manifest.parts) {
      // Group and others never write; keys stay private as they were made.
      if (!part.name.startsWith('database.')) await chmod(join(folder, part.name), part.mode & 0o755);
    }
    const data = await checkFolder(folder, manifest);
    const dumped = join(work, DATABASE_PARTS[manifest.engine]);
    let storeOptions: StoreOptions;
    let targetSchema: string | null = null;
    if (data.database.kind === 'sqlite') {
      if (options.databaseUrl !== undefined) throw new ForgelineError('validation-failed', 'this backup is of an embedded SQLite store: restore it without --database-url');
      const databaseFile = join(folder, data.database.file);
      await rename(dumped, databaseFile);
      await chmod(databaseFile, 0o600);
      storeOptions = { kind: 'sqlite', file: databaseFile };
    } else {
      if (options.databaseUrl === undefined) throw new ForgelineError('validation-failed', 'this backup is of a PostgreSQL store: name the database to restore into with --database-url or FORGELINE_DATABASE_URL');
      if (manifest.schema === null) throw invalid('the backup of a PostgreSQL store does not name its schema');
      progress({ phase: 'load', done: 0, total: null });
      targetSchema = (await inspectTargetSchema(options.databaseUrl)).schema;
      loadedSchema = await loadIntoTemporarySchema(options.databaseUrl, dumped, manifest.schema);
      storeOptions = { kind: 'postgres', url: urlForLoadedSchema(options.databaseUrl), schema: loadedSchema };
    }
    progress({ phase: 'verify', done: manifest.audit.size, total: null });
    const verification = await verifyRestoredLog(storeOptions, folder, data, manifest, options.auditKey);
    if (data.keyring?.kind === 'file') await openFileKeyring(join(folder, data.keyring.file));
    await rm(dumped, { force: true });

    // Everything checked: now the target changes.
    const stamp = timeStamp(options.now?.() ?? new Date());
    assertReplaceable(dataDir, await inspectFolder(dataDir), force);
    let keptSchema: string | null = null;
    if (loadedSchema !== null && targetSchema !== null && options.databaseUrl !== undefined) {
      keptSchema = await swapInSchema(options.databaseUrl, loadedSchema, targetSchema, { force, keepAs: suffixedSchema(targetSchema, `_before_restore_${stamp}`) });
      loadedSchema = null;
    }
    let keptFolder: string | null;
    try {
      keptFolder = await moveIntoPlace(folder, dataDir, await freePath(`${dataDir}.before-restore-${stamp}`));
    } catch (error) {
      if (targetSchema !== null && options.databaseUrl !== undefined) await undoSchemaSwap(options.databaseUrl, targetSchema, keptSchema).catch(() => undefined);
      throw error;
    }
    restored = true;
    return { dataDir, manifest, verification, keptFolder, schema: targetSchema, keptSchema };
  } finally {
    await reader.close();
    if (loadedSchema !== null && options.databaseUrl !== undefined) await dropSchema(options.databaseUrl, loadedSchema).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    // A refused restore leaves nothing behind, not even the parent folders it made.
    if (!restored && madeParent !== undefined) await rm(madeParent, { recursive: true, force: true });
  }
}
