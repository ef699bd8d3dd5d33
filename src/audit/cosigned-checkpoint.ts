/**
 * The newest stored checkpoint a witness has cosigned, for an auditor's browser that pinned
 * witness keys: the latest checkpoint is often signed minutes before any witness sees it, so the
 * browser asks for this one to prove an entry under a witnessed tree (docs/audit-verification.md).
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import type { StoredCheckpoint } from './audit-log.js';
import { parseNote } from './signed-note.js';

// A note with two signature lines or more (signed-note: "\n— name base64"): only those can hold a cosignature.
const TWO_SIGNATURE_LINES = '%\n\u2014 %\n\u2014 %';
const BATCH = 50;

/**
 * The newest checkpoint whose stored note carries a signature line other than the log's own
 * (`log`: the log key's name and key ID), or null when no witness has cosigned one. The server
 * knows no witness key: which cosignatures count is the auditor's pinned keys' call.
 */
export async function latestCosignedCheckpoint(store: Store, log: { readonly name: string; readonly keyId: number }): Promise<StoredCheckpoint | null> {
  for (let below: number | undefined; ; ) {
    let query = store.db.selectFrom('audit_checkpoints').selectAll().where(sql<boolean>`note like ${TWO_SIGNATURE_LINES}`).orderBy('size', 'desc').limit(BATCH);
    if (below !== undefined) query = query.where('size', '<', below);
    const rows = await query.execute();
    for (const row of rows) {
      const parsed = parseNote(row.note);
      if (parsed.ok && parsed.value.signatures.some((line) => line.name !== log.name || line.keyId !== log.keyId)) {
        return { size: Number(row.size), rootHash: row.root_hash, note: row.note, createdAt: row.created_at };
      }
    }
    if (rows.length < BATCH) return null;
    below = Number(rows.at(-1)?.size);
  }
}
