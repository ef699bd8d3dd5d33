/**
 * A consistent copy of the embedded SQLite database while the server keeps writing: SQLite's
 * online backup API (https://sqlite.org/backup.html) through better-sqlite3, from a read-only
 * connection of its own that holds one read transaction for the whole copy.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { AuditCounts } from './audit-counts.js';

/** Pages copied per step by default; the event loop (and progress) runs between steps. */
const PAGES_PER_STEP = 1024;

/**
 * Copies the database `source` to the new file `destination` as of one instant, and reads the
 * audit log's counts in that same instant. In WAL mode a read transaction pins a snapshot
 * without blocking writers, and a backup step run inside it uses that transaction instead of
 * restarting whenever another connection commits (SQLite's backup.c takes its own read
 * transaction only when none is open), so the copy is of one instant however long it takes.
 */
export async function snapshotSqlite(
  source: string,
  destination: string,
  onProgress?: (done: number, total: number) => void,
  pagesPerStep = PAGES_PER_STEP,
): Promise<AuditCounts> {
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    // The writer holds its lock only for a commit; a read waits that long rather than failing.
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN');
    // The first read starts the snapshot (BEGIN alone is deferred); the counts come from it.
    const counts = readCounts(db);
    await db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return pagesPerStep;
      },
    });
    db.exec('COMMIT');
    return counts;
  } finally {
    db.close();
  }
}

function readCounts(db: BetterSqlite3.Database): AuditCounts {
  const last = db.prepare<[], { last: number | bigint | null }>('select max(idx) as last from audit_entries').get();
  const queued = db.prepare<[], { queued: number | bigint }>('select count(*) as queued from audit_queue').get();
  const checkpoint = db
    .prepare<[], { size: number | bigint; root_hash: string; note: string }>('select size, root_hash, note from audit_checkpoints order by size desc limit 1')
    .get();
  return {
    size: last?.last == null ? 0 : Number(last.last) + 1,
    queued: Number(queued?.queued ?? 0),
    latestCheckpoint: checkpoint === undefined ? null : { size: Number(checkpoint.size), rootHash: checkpoint.root_hash, note: checkpoint.note },
  };
}
