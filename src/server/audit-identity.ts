import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { auditIdentityOf, type AuditLogIdentity } from '../audit/index.js';
import { DATA_MANIFEST, type DataManifest } from './data-folder.js';

/** Where a data folder keeps the audit log's signing key. */
export const AUDIT_KEY_FILE = 'keys/audit-log-ed25519.pem';

/** A checkpoint origin unique to this installation (C2SP: schema-less, no spaces or '+'). */
function newOrigin(): string {
  const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'localhost';
  return `forgeline.audit/${host}/${randomBytes(6).toString('hex')}`;
}

/** Creates the audit log's Ed25519 key (0600) and origin in a data folder; returns the manifest part to record. */
export async function createAuditKey(dataDir: string): Promise<NonNullable<DataManifest['audit']>> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const path = join(dataDir, AUDIT_KEY_FILE);
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await chmod(path, 0o600);
  return { origin: newOrigin(), signingKey: AUDIT_KEY_FILE };
}

/**
 * Loads the audit log's signing identity. A data folder made before the audit log existed
 * gets its key now, recorded in the manifest (written to a temporary file, then renamed).
 */
export async function loadAuditIdentity(dataDir: string, manifest: DataManifest): Promise<AuditLogIdentity> {
  let audit = manifest.audit;
  if (!audit) {
    audit = await createAuditKey(dataDir);
    const next = join(dataDir, `${DATA_MANIFEST}.new`);
    await writeFile(next, `${JSON.stringify({ ...manifest, audit }, null, 2)}\n`, { mode: 0o600 });
    await rename(next, join(dataDir, DATA_MANIFEST));
  }
  return auditIdentityOf(audit.origin, await readFile(join(dataDir, audit.signingKey), 'utf8'));
}
