import { auditLogSize, sequenceAuditQueue, type AuditEntriesTable, type Store } from '../store/index.js';
import { AUDIT_EXPORT_FORMAT } from './export-format.js';

/** One line of an export, before serialization. */
export type AuditExportLine =
  | { readonly type: 'header'; readonly format: typeof AUDIT_EXPORT_FORMAT; readonly origin: string; readonly exportedAt: string; readonly size: number }
  | { readonly type: 'entry'; readonly index: number; readonly leaf: string; readonly fields: Record<string, unknown> }
  | { readonly type: 'checkpoint'; readonly size: number; readonly checkpoint: string };

/** What to export: the log's origin, the time, and extra checkpoints to place in the stream (ones an auditor kept). */
export interface ExportOptions {
  readonly origin: string;
  readonly exportedAt: string;
  /** Checkpoint notes held outside the database, placed at their sizes so a verifier checks the log against them. */
  readonly extraCheckpoints?: readonly { readonly size: number; readonly note: string }[];
  /**
   * The size of a checkpoint signed for this export: the export ends exactly there, however many
   * entries were appended since, so none goes out without a signature over it.
   */
  readonly upTo?: number;
  readonly batchSize?: number;
}

/** The columns of an audit entry an export line is made of (never `nodes` or `leaf_hash`). */
export type ExportedEntryRow = Pick<
  AuditEntriesTable,
  'idx' | 'entry' | 'at' | 'actor_id' | 'actor' | 'source' | 'kind' | 'outcome' | 'order_id' | 'revision' | 'hash_before' | 'hash_after' | 'detail'
>;

/** Those columns by name, for a select. */
export const EXPORTED_ENTRY_COLUMNS = ['idx', 'entry', 'at', 'actor_id', 'actor', 'source', 'kind', 'outcome', 'order_id', 'revision', 'hash_before', 'hash_after', 'detail'] as const;

/**
 * The export line of one stored entry: the exact bytes of its leaf beside its fields as the
 * columns hold them, so an edited column shows up as a leaf mismatch. Shared by the whole export
 * and the selection, which must write entries alike.
 */
export function entryLine(row: ExportedEntryRow): Extract<AuditExportLine, { type: 'entry' }> {
  const index = Number(row.idx);
  return {
    type: 'entry',
    index,
    leaf: Buffer.from(row.entry, 'utf8').toString('base64'),
    fields: {
      idx: index, at: row.at, actorId: row.actor_id, actor: row.actor, source: row.source, kind: row.kind, outcome: row.outcome,
      orderId: row.order_id, revision: row.revision, hashBefore: row.hash_before, hashAfter: row.hash_after, detail: parseDetail(row.detail),
    },
  };
}

/**
 * Streams the audit log as export lines: a header, every entry in index order with the
 * exact bytes of its leaf and its fields as the columns hold them (so an edited column
 * shows up as a leaf mismatch), and each signed checkpoint right after the entry that
 * completes its size. Reads in batches; memory stays flat for any log size.
 */
export async function* auditExportLines(store: Store, options: ExportOptions): AsyncGenerator<AuditExportLine> {
  const db = store.db;
  // PostgreSQL: entries committed but not yet sequenced (a crash between the two) join the log
  // first. If the stored tree cannot take them, the export goes on: the verifier names what broke.
  await sequenceAuditQueue(store).catch(() => undefined);
  // Checkpoints first, then the size, and no entry past that size: a log that grows while the
  // export streams (a running server) still gives an export whose header counts its entries.
  // With `upTo`, the size is the signed one's: a checkpoint signed since (by the scheduler or
  // another instance) is past the export's end and stays out, as the entries it covers do.
  const { upTo } = options;
  let storedQuery = db.selectFrom('audit_checkpoints').select(['size', 'note']).orderBy('size');
  if (upTo !== undefined) storedQuery = storedQuery.where('size', '<=', upTo);
  const stored = (await storedQuery.execute()).map((row) => ({ size: Number(row.size), note: row.note }));
  const size = upTo ?? (await auditLogSize(db));
  const checkpoints = [...stored, ...(options.extraCheckpoints ?? [])].sort((a, b) => a.size - b.size);
  yield { type: 'header', format: AUDIT_EXPORT_FORMAT, origin: options.origin, exportedAt: options.exportedAt, size };
  let next = 0;
  const checkpointsAt = function* (count: number): Generator<AuditExportLine> {
    while (next < checkpoints.length && (checkpoints[next]?.size ?? Infinity) <= count) {
      const checkpoint = checkpoints[next++];
      if (checkpoint) yield { type: 'checkpoint', size: checkpoint.size, checkpoint: checkpoint.note };
    }
  };
  yield* checkpointsAt(0);
  const batchSize = options.batchSize ?? 2000;
  let count = 0;
  for (let after = -1; ; ) {
    // Every row in index order: a missing index is not skipped here, the verifier sees the gap.
    const rows = await db.selectFrom('audit_entries').select(EXPORTED_ENTRY_COLUMNS).where('idx', '>', after).where('idx', '<', size).orderBy('idx').limit(batchSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      after = Number(row.idx);
      yield entryLine(row);
      count += 1;
      yield* checkpointsAt(count);
    }
  }
  // Checkpoints beyond the entries present (a truncated or rolled-back log) still go out: the verifier names them.
  yield* checkpointsAt(Infinity);
}

// A damaged detail column must not stop the export: it goes out as text, and the verifier names the mismatch.
function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
