/** An order's revision history: every revision with its content hash, and two of them side by side. */
import { useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';
import { fetchRevision, listRevisions, readsConfidential } from './orders-api';
import type { RevisionDetail, RevisionSummary } from './order-types';
import { RevisionDiff } from './revision-diff';

/** The history of order `id`. */
export function RevisionsPage(props: { readonly id: string }) {
  usePageTitle('Revision history');
  const user = useSignedInUser();
  const confidential = readsConfidential(user);
  // Each revision read once for the page's life: a confidential read is audited, so a new selection must not repeat it.
  const [cache] = useState(() => new Map<string, Promise<RevisionDetail>>());
  const [revisions, setRevisions] = useState<readonly RevisionSummary[]>();
  const [left, setLeft] = useState(0);
  const [right, setRight] = useState(0);
  const [pair, setPair] = useState<{ readonly left: RevisionDetail; readonly right: RevisionDetail }>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    listRevisions(props.id).then((items) => {
      setRevisions(items);
      const last = items.at(-1)?.revision ?? 0;
      setRight(last);
      setLeft(Math.max(1, last - 1));
    }, setError);
  }, [props.id]);

  useEffect(() => {
    if (left === 0 || right === 0) return;
    let live = true;
    const read = (revision: number): Promise<RevisionDetail> => {
      const key = JSON.stringify([props.id, revision, confidential, user.id]);
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const reading = fetchRevision(props.id, revision, confidential, user.id);
      cache.set(key, reading);
      // A failed read is not kept: the next selection tries again.
      reading.catch(() => cache.delete(key));
      return reading;
    };
    Promise.all([read(left), read(right)]).then(
      ([before, after]) => live && setPair({ left: before, right: after }),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [props.id, left, right, confidential, user.id, cache]);

  const number = pair?.right.content.number;
  return (
    <div className="stack">
      <h1>Revision history{number !== undefined ? ` of ${number}` : ''}</h1>
      <p>
        <Link to={`/orders/${props.id}`}>Back to the order</Link>
      </p>
      <ErrorAlert error={error} />
      {revisions !== undefined && (
        <div className="table-scroll">
          <table className="order-table" aria-label="Revisions">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">Saved</th>
                <th scope="col">Content hash (SHA-256)</th>
              </tr>
            </thead>
            <tbody>
              {revisions.map((revision) => (
                <tr key={revision.revision}>
                  <th scope="row">{revision.revision}</th>
                  <td>{formatDateTime(revision.createdAt)}</td>
                  <td>
                    <code className="hash">{revision.contentHash}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revisions !== undefined && revisions.length > 0 && (
        <section className="card stack" aria-labelledby="compare-heading">
          <h2 id="compare-heading">Compare revisions</h2>
          <div className="field-grid">
            <RevisionSelect label="Left revision" value={left} revisions={revisions} onChange={setLeft} />
            <RevisionSelect label="Right revision" value={right} revisions={revisions} onChange={setRight} />
          </div>
          {pair !== undefined && (
            <RevisionDiff label={`Revision ${pair.left.revision} and revision ${pair.right.revision}`} leftTitle={`Revision ${pair.left.revision}`} rightTitle={`Revision ${pair.right.revision}`} left={pair.left.content} right={pair.right.content} />
          )}
        </section>
      )}
    </div>
  );
}

function RevisionSelect(props: { readonly label: string; readonly value: number; readonly revisions: readonly RevisionSummary[]; readonly onChange: (revision: number) => void }) {
  const id = `revision-${props.label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} className="input" value={props.value} onChange={(event) => props.onChange(Number(event.target.value))}>
        {props.revisions.map((revision) => (
          <option key={revision.revision} value={revision.revision}>
            Revision {revision.revision}
          </option>
        ))}
      </select>
    </div>
  );
}
