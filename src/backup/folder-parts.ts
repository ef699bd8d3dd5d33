/**
 * The files of a data folder a backup carries beside its database: the manifest, the TLS
 * material and the keys (the keyring file and the audit log's signing key), so a restore gives
 * a folder that serves. Only regular files directly in tls/ and keys/; leftovers of atomic
 * writes (`*.tmp`, `*.new`) are skipped.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditIdentityOf, type AuditLogIdentity } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { DATA_MANIFEST, type DataManifest } from '../server/index.js';
import { FOLDER_DIRECTORIES, FOLDER_MANIFEST_PART } from './backup-manifest.js';
import { bytesPart, type SourcedPart } from './backup-payload.js';

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const LEFTOVER = /\.(tmp|new|partial)$/;

/** The folder-relative files a data folder's manifest names: they must all be in a backup. */
export function namedFiles(manifest: DataManifest): string[] {
  const named = [manifest.tls.ca, manifest.tls.caKey, manifest.tls.cert, manifest.tls.key];
  if (manifest.audit) named.push(manifest.audit.signingKey);
  if (manifest.keyring && manifest.keyring.kind !== 'command') named.push(manifest.keyring.file);
  return named;
}

/** Reads the manifest, tls/ and keys/ of a data folder as backup parts (small files, held in memory). */
export async function folderParts(dataDir: string, manifest: DataManifest): Promise<SourcedPart[]> {
  const manifestPath = join(dataDir, DATA_MANIFEST);
  const parts = [bytesPart(FOLDER_MANIFEST_PART, await readFile(manifestPath), (await lstat(manifestPath)).mode)];
  for (const directory of FOLDER_DIRECTORIES) {
    const entries = await readdir(join(dataDir, directory), { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isFile() || !FILE_NAME.test(entry.name) || LEFTOVER.test(entry.name)) continue;
      const path = join(dataDir, directory, entry.name);
      parts.push(bytesPart(`${directory}/${entry.name}`, await readFile(path), (await lstat(path)).mode));
    }
  }
  const held = new Set(parts.map((part) => part.part.name));
  const missing = namedFiles(manifest).find((name) => !held.has(name));
  if (missing !== undefined) throw new ForgelineError('validation-failed', `${join(dataDir, missing)}, which the data folder's manifest names, is missing or is not a plain file in tls/ or keys/`);
  return parts;
}

/** The audit log's signing identity from a folder's key file (the one the manifest names). */
export async function folderAuditIdentity(dataDir: string, audit: NonNullable<DataManifest['audit']>): Promise<AuditLogIdentity> {
  return auditIdentityOf(audit.origin, await readFile(join(dataDir, audit.signingKey), 'utf8'));
}
