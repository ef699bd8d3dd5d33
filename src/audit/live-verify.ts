import type { Store } from '../store/index.js';
import { auditExportLines } from './audit-export.js';
import type { AuditLogIdentity } from './audit-log.js';
import { formatExportLine } from './export-format.js';
import { ExportVerifier, type ExportVerification } from './export-verifier.js';
import { verifierKey } from './signed-note.js';

/**
 * Verifies the log as stored, exactly as an exported copy would be verified: every leaf
 * against its columns, the tree of all leaves against every stored checkpoint and against
 * `extraCheckpoints` (notes kept elsewhere, which catch truncation and roll-back).
 */
export async function verifyStoredLog(
  store: Store,
  identity: AuditLogIdentity,
  extraCheckpoints: readonly { readonly size: number; readonly note: string }[] = [],
  exportedAt = new Date().toISOString(),
): Promise<ExportVerification> {
  const verifier = new ExportVerifier({ logKey: verifierKey(identity.origin, identity.publicKey), expectedOrigin: identity.origin });
  let number = 0;
  for await (const line of auditExportLines(store, { origin: identity.origin, exportedAt, extraCheckpoints })) {
    verifier.push(formatExportLine(line).trimEnd(), ++number);
  }
  return verifier.finish();
}
