/**
 * `forgeline backup`: a consistent, encrypted copy of a data folder while its server runs: the
 * live log is checkpointed, then the database copied as of one instant (SQLite's online backup,
 * or pg_dump for PostgreSQL), and with the folder's manifest, TLS material and keys sealed
 * under a passphrase. Written to FILE.tmp, synced, then renamed, so FILE is always a whole
 * backup or the previous one.
 */
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ForgelineError } from '../domain/index.js';
import { readManifest, storeOptionsFor } from '../server/index.js';
import type { AuditCounts } from './audit-counts.js';
import { BackupFileWriter, type BackupWriterOptions } from './backup-file.js';
import { DATABASE_PARTS, type BackupManifest } from './backup-manifest.js';
import { checkNewPassphrase } from './backup-passphrase.js';
import { filePart, writePayload } from './backup-payload.js';
import type { ProgressListener } from './backup-progress.js';
import { folderAuditIdentity, folderParts } from './folder-parts.js';
import { checkpointLiveLog } from './live-checkpoint.js';
import { dumpPostgres } from './postgres-backup.js';
import { snapshotSqlite } from './sqlite-backup.js';

/** Options of {@link createBackup}. */
export interface BackupOptions {
  readonly dataDir: string;
  readonly out: string;
  readonly passphrase: string;
  /** The PostgreSQL database of a folder that keeps its data there. */
  readonly databaseUrl?: string | undefined;
  readonly now?: () => Date;
  /** The scrypt cost and chunk size (tests lower the cost). */
  readonly file?: BackupWriterOptions;
  readonly onProgress?: ProgressListener;
}

/** What a backup wrote. */
export interface BackupResult {
  readonly out: string;
  readonly bytes: number;
  readonly manifest: BackupManifest;
}

async function syncDirectory(path: string): Promise<void> {
  // A rename is durable only once its directory is synced.
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes an encrypted backup of the data folder `dataDir` to `out` (mode 0600). */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  checkNewPassphrase(options.passphrase);
  const dataDir = resolve(options.dataDir);
  const out = resolve(options.out);
  const folder = await readManifest(dataDir);
  if (folder.audit === undefined) throw new ForgelineError('validation-failed', `${dataDir} has no audit signing key yet: start its server once, then back it up`);
  const store = storeOptionsFor(dataDir, folder, options.databaseUrl);
  await checkpointLiveLog(store, await folderAuditIdentity(dataDir, folder.audit), { now: () => options.now?.() ?? new Date() }, out);
  const progress = options.onProgress ?? (() => undefined);
  // The database copy waits beside the output, in a folder only this user can enter.
  const work = await mkdtemp(join(dirname(out), `.${basename(out)}.work-`));
  const temporary = `${out}.tmp`;
  try {
    const databasePath = join(work, DATABASE_PARTS[store.kind]);
    let counts: AuditCounts;
    let schema: string | null = null;
    if (store.kind === 'sqlite') {
      counts = await snapshotSqlite(store.file, databasePath, (done, total) => progress({ phase: 'snapshot', done, total }));
    } else {
      progress({ phase: 'dump', done: 0, total: null });
      const dump = await dumpPostgres(store.url, databasePath, (done) => progress({ phase: 'dump', done, total: null }));
      counts = dump.counts;
      schema = dump.schema;
    }
    // The folder's files after the database: a key-encryption key is added before anything is
    // wrapped with it, so every key the copy holds is wrapped with a KEK these files have.
    const parts = [...(await folderParts(dataDir, folder)), await filePart(DATABASE_PARTS[store.kind], databasePath, 0o600)];
    const manifest: BackupManifest = {
      format: 1,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      engine: store.kind,
      schema,
      audit: { origin: folder.audit.origin, ...counts },
      parts: parts.map((sourced) => sourced.part),
    };
    const total = parts.reduce((sum, sourced) => sum + sourced.part.size, 0);
    const writer = await BackupFileWriter.create(temporary, options.passphrase, options.file);
    let bytes: number;
    try {
      await writePayload(writer, manifest, parts, (done) => progress({ phase: 'encrypt', done, total }));
      bytes = await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await rename(temporary, out);
    await syncDirectory(dirname(out));
    return { out, bytes, manifest };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
