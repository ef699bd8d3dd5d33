/** One audit entry in full, with the checks an auditor can run on it in the browser. */
import { useEffect, useRef } from 'react';
import { formatDateTime } from '../format';
import type { AuditEntry } from './audit-types';
import { EntryVerification } from './entry-verification';
import { ReleaseVerification } from './release-verification';

/**
 * Every field of the entry, its detail as JSON text (never markup), "Verify", and for a release
 * (`order.release`) the check of the release it records: that revision and content hash.
 */
export function AuditEntryDetail(props: { readonly entry: AuditEntry; readonly onClose: () => void }) {
  const { entry } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [entry.index]);
  return (
    <section className="card stack" aria-labelledby="audit-entry-heading">
      <div className="audit-detail-head">
        <h2 id="audit-entry-heading" ref={heading} tabIndex={-1}>
          Entry {entry.index}
        </h2>
        <button type="button" className="button button-small" onClick={props.onClose}>
          Close entry
        </button>
      </div>
      <dl className="facts">
        <dt>Time</dt>
        <dd>{formatDateTime(entry.at)}</dd>
        <dt>Actor</dt>
        <dd>{entry.actor}</dd>
        <dt>Source</dt>
        <dd>{entry.source ?? 'Not known'}</dd>
        <dt>Kind</dt>
        <dd>
          <code>{entry.kind}</code>
        </dd>
        <dt>Outcome</dt>
        <dd>{entry.outcome === 'ok' ? 'Done (ok)' : 'Refused (denied)'}</dd>
        {entry.orderId !== null && (
          <>
            <dt>Order</dt>
            <dd>
              <code>{entry.orderId}</code>
              {entry.revision !== null && `, revision ${entry.revision}`}
            </dd>
          </>
        )}
        {entry.hashBefore !== null && (
          <>
            <dt>Content before</dt>
            <dd>
              <code className="hash">{entry.hashBefore}</code>
            </dd>
          </>
        )}
        {entry.hashAfter !== null && (
          <>
            <dt>Content after</dt>
            <dd>
              <code className="hash">{entry.hashAfter}</code>
            </dd>
          </>
        )}
        <dt>Leaf hash</dt>
        <dd>
          <code className="hash">{entry.leafHash}</code>
        </dd>
      </dl>
      <h3>Detail</h3>
      <pre className="audit-json" aria-label="Entry detail as JSON">
        {JSON.stringify(entry.detail, null, 2)}
      </pre>
      <EntryVerification key={`entry-${entry.index}`} entry={entry} />
      {entry.kind === 'order.release' && entry.outcome === 'ok' && entry.orderId !== null && entry.revision !== null && entry.hashAfter !== null && (
        <ReleaseVerification key={`release-${entry.index}`} orderId={entry.orderId} revision={entry.revision} contentHash={entry.hashAfter} />
      )}
    </section>
  );
}
