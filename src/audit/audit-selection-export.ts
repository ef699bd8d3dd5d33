/**
 * A selection of the audit log (the entries matching a filter) as JSON Lines, for an auditor who
 * wants every entry about one order or actor rather than the whole log. It is no export to
 * replay: `forgeline audit verify` checks whole logs and refuses it by its format name. Each entry
 * line is the export's own (the exact leaf bytes beside the columns), and the last line is a
 * checkpoint whose tree holds every entry listed, so each is checked with its inclusion proof.
 */
import { canonicalJson } from '../crypto/index.js';
import { catchUpAuditLookup, type Store } from '../store/index.js';
import { EXPORTED_ENTRY_COLUMNS, entryLine } from './audit-export.js';
import type { StoredCheckpoint } from './audit-log.js';
import { filteredEntries, type AuditFilter } from './audit-queries.js';
import { formatExportLine } from './export-format.js';

/** The format name a selection's header carries. */
export const AUDIT_SELECTION_FORMAT = 'forgeline-audit-selection/1';

/** What a selection is taken from and when. */
export interface SelectionOptions {
  readonly origin: string;
  readonly exportedAt: string;
  /** A checkpoint signed after the export was recorded: exactly the matching entries in its tree are listed. */
  readonly checkpoint: StoredCheckpoint;
  readonly batchSize?: number;
}

const SELECTED_COLUMNS = EXPORTED_ENTRY_COLUMNS.map((column) => `e.${column}` as const);

/**
 * The selection's lines, `\n`-terminated: a header naming the filter, the size of the checkpoint
 * the selection is cut at and how many entries it lists, the matching entries in index order, then
 * that checkpoint. A reader who counts fewer entry lines than the header states holds a cut-short
 * file. Reads in batches; memory stays flat for any selection.
 */
export async function* auditSelectionText(store: Store, filter: AuditFilter, options: SelectionOptions): AsyncGenerator<string> {
  const { checkpoint } = options;
  // The lookup finds the entries, so it must hold every entry of the checkpoint's tree: a catch-up
  // that starts after the checkpoint was signed copies every entry committed before it (it was
  // signed over committed entries only). One run before the signing would miss those appended in
  // between, which the tree holds and the selection would silently leave out.
  await catchUpAuditLookup(store);
  const inTree = () => filteredEntries(store, filter).where('l.idx', '<', checkpoint.size);
  const counted = await inTree().select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirst();
  const count = Number(counted?.count ?? 0);
  yield `${canonicalJson({ type: 'header', format: AUDIT_SELECTION_FORMAT, origin: options.origin, exportedAt: options.exportedAt, filter: { ...filter }, size: checkpoint.size, count })}\n`;
  const batchSize = options.batchSize ?? 2000;
  for (let after = -1; ; ) {
    const rows = await inTree().select(SELECTED_COLUMNS).where('l.idx', '>', after).orderBy('l.idx').limit(batchSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      after = Number(row.idx);
      yield formatExportLine(entryLine(row));
    }
  }
  yield formatExportLine({ type: 'checkpoint', size: checkpoint.size, checkpoint: checkpoint.note });
}
