/** The auditor's view of the log: filters and search, pages newest first or in log order, an entry's detail and its checks, and export. */
import { useCallback, useEffect, useId, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { auditExportUrl, listAuditEntries, NO_FILTER, type AuditFilter } from './audit-api';
import { AuditEntryDetail } from './audit-entry-detail';
import { AuditFilterForm } from './audit-filter-form';
import type { AuditEntry, AuditOrder, AuditPage as Page } from './audit-types';
import './audit.css';

/** Entries per page. */
const PAGE_SIZE = 25;

/** The page. */
export function AuditPage() {
  usePageTitle('Audit log');
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  // Auditors look at what happened last first; log order is one choice away.
  const [order, setOrder] = useState<AuditOrder>('desc');
  // The keyset cursor of each page shown so far (undefined: the first): the last is the current page's, the ones before lead back.
  const [cursors, setCursors] = useState<readonly (number | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<AuditEntry>();
  const orderId = useId();
  const cursor = cursors.at(-1);

  const load = useCallback(async (which: AuditFilter, direction: AuditOrder, from: number | undefined) => {
    setBusy(true);
    setError(undefined);
    try {
      setPage(await listAuditEntries(which, direction, from, PAGE_SIZE));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void load(filter, order, cursor);
  }, [load, filter, order, cursor]);

  const restart = () => {
    setSelected(undefined);
    setCursors([undefined]);
  };
  const apply = (next: AuditFilter) => {
    restart();
    setFilter(next);
  };
  // A page answered for another order than the one now chosen has no cursor that fits.
  const next = page === undefined || page.order !== order ? null : order === 'asc' ? page.nextAfter : page.nextBefore;
  const firstShown = (cursors.length - 1) * PAGE_SIZE + 1;
  const filtered = Object.values(filter).some((value) => value !== '');

  return (
    <div className="stack">
      <h1>Audit log</h1>
      <p>Every access and change the log holds, newest first or in log order. Open an entry to see it in full and verify it against the log&apos;s signed checkpoint.</p>
      <AuditFilterForm busy={busy} onApply={apply} />
      <ErrorAlert error={error} />
      <section className="stack" aria-labelledby="audit-entries-heading">
        <div className="audit-detail-head">
          <h2 id="audit-entries-heading">Entries</h2>
          <p className="audit-order">
            <label htmlFor={orderId}>Order</label>
            <select
              id={orderId}
              className="input"
              value={order}
              onChange={(event) => {
                restart();
                setOrder(event.target.value === 'asc' ? 'asc' : 'desc');
              }}
            >
              <option value="desc">Newest first</option>
              <option value="asc">Oldest first (log order)</option>
            </select>
          </p>
          <a className="button button-small" href={auditExportUrl(filter)} download>
            {filtered ? 'Download all matching entries (JSON Lines)' : 'Download the whole log (JSON Lines)'}
          </a>
        </div>
        <p className="field-hint">
          Without filters the download is the whole log as <code>forgeline audit export</code> writes it: check it offline with{' '}
          <code>forgeline audit verify FILE --key KEYLINE</code>. With filters it holds every matching entry, not only this page, each with the exact bytes of its leaf, and
          a signed checkpoint whose tree holds them all. Every download is itself recorded in the log.
        </p>
        {page === undefined && error === undefined && <p className="muted">Loading…</p>}
        {page !== undefined && page.items.length === 0 && <p role="status">No entries match these filters.</p>}
        {page !== undefined && page.items.length > 0 && (
          <>
            <p role="status" className="muted">
              Entries {firstShown} to {firstShown + page.items.length - 1} that match, {page.order === 'asc' ? 'oldest first' : 'newest first'}.
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
            disabled={busy || next === null}
            onClick={() => setCursors((current) => (next === null ? current : [...current, next]))}
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
