/** The auditor's view of the log: filters and search, pages in log order, an entry's detail and its checks, and export. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { listAuditEntries, NO_FILTER, type AuditFilter } from './audit-api';
import { AuditEntryDetail } from './audit-entry-detail';
import { downloadJson, exportDocument } from './audit-export';
import { AuditFilterForm } from './audit-filter-form';
import type { AuditEntry, AuditPage as Page } from './audit-types';
import './audit.css';

/** Entries per page. */
const PAGE_SIZE = 25;

/** The page. */
export function AuditPage() {
  usePageTitle('Audit log');
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  // The `after` of each page shown so far: the last is the current page's, the ones before lead back.
  const [cursors, setCursors] = useState<readonly number[]>([-1]);
  const [page, setPage] = useState<Page>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<AuditEntry>();
  const after = cursors.at(-1) ?? -1;

  const load = useCallback(async (which: AuditFilter, from: number) => {
    setBusy(true);
    setError(undefined);
    try {
      setPage(await listAuditEntries(which, from, PAGE_SIZE));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void load(filter, after);
  }, [load, filter, after]);

  const apply = (next: AuditFilter) => {
    setSelected(undefined);
    setCursors([-1]);
    setFilter(next);
  };
  const firstShown = (cursors.length - 1) * PAGE_SIZE + 1;

  return (
    <div className="stack">
      <h1>Audit log</h1>
      <p>Every access and change, in the order the log holds them. Open an entry to see it in full and verify it against the log&apos;s signed checkpoint.</p>
      <AuditFilterForm busy={busy} onApply={apply} />
      <ErrorAlert error={error} />
      <section className="stack" aria-labelledby="audit-entries-heading">
        <div className="audit-detail-head">
          <h2 id="audit-entries-heading">Entries</h2>
          {page !== undefined && page.items.length > 0 && (
            <button
              type="button"
              className="button button-small"
              onClick={() => downloadJson(`forgeline-audit-${new Date().toISOString().slice(0, 10)}.json`, exportDocument(filter, page.items, new Date()))}
            >
              Download these entries (JSON)
            </button>
          )}
        </div>
        <p className="field-hint">
          The download holds the entries on this page as the server listed them. The complete log, with its checkpoints, is exported on the server with{' '}
          <code>forgeline audit export</code> and checked offline with <code>forgeline audit verify</code>.
        </p>
        {page === undefined && error === undefined && <p className="muted">Loading…</p>}
        {page !== undefined && page.items.length === 0 && <p role="status">No entries match these filters.</p>}
        {page !== undefined && page.items.length > 0 && (
          <>
            <p role="status" className="muted">
              Entries {firstShown} to {firstShown + page.items.length - 1} that match, oldest first.
            </p>
            <ul className="audit-list" aria-label="Audit entries">
              {page.items.map((entry) => (
                <EntryRow key={entry.index} entry={entry} selected={selected?.index === entry.index} onOpen={() => setSelected(entry)} />
              ))}
            </ul>
          </>
        )}
        <nav className="actions" aria-label="Pages of the audit log">
          <button type="button" className="button" disabled={busy || cursors.length === 1} onClick={() => setCursors((current) => current.slice(0, -1))}>
            Previous page
          </button>
          <button
            type="button"
            className="button"
            disabled={busy || page?.nextAfter === null || page === undefined}
            onClick={() => setCursors((current) => (page === undefined || page.nextAfter === null ? current : [...current, page.nextAfter]))}
          >
            Next page
          </button>
        </nav>
      </section>
      {selected !== undefined && <AuditEntryDetail entry={selected} onClose={() => setSelected(undefined)} />}
    </div>
  );
}

/** One entry in the list: when, who, what, outcome, and the button that opens it. */
function EntryRow(props: { readonly entry: AuditEntry; readonly selected: boolean; readonly onOpen: () => void }) {
  const { entry } = props;
  const labelId = `audit-entry-${entry.index}`;
  return (
    <li className={props.selected ? 'audit-row audit-row-selected' : 'audit-row'} aria-labelledby={labelId}>
      <p id={labelId} className="audit-row-title">
        <span className="audit-index">#{entry.index}</span> <code>{entry.kind}</code> by {entry.actor}
      </p>
      <p className="muted">
        {formatDateTime(entry.at)}
        {entry.orderId !== null && ` · order ${entry.orderId.slice(0, 8)}…`}
      </p>
      <p className={entry.outcome === 'ok' ? 'badge badge-ok' : 'badge badge-denied'}>{entry.outcome === 'ok' ? 'ok' : 'denied'}</p>
      <button type="button" className="button button-small" aria-describedby={labelId} aria-pressed={props.selected} onClick={props.onOpen}>
        Open entry {entry.index}
      </button>
    </li>
  );
}
