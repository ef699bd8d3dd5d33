/** A side-by-side comparison of two revisions' contents, changed fields marked in words and colour. */
import { useState } from 'react';
import { diffContents } from './content-diff';

/** The table of fields; `leftTitle` undefined compares against nothing (a first release). */
export function RevisionDiff(props: { readonly label: string; readonly leftTitle: string; readonly rightTitle: string; readonly left: unknown; readonly right: unknown }) {
  const [all, setAll] = useState(false);
  const rows = diffContents(props.left, props.right);
  const changed = rows.filter((row) => row.changed).length;
  const shown = all ? rows : rows.filter((row) => row.changed);
  return (
    <div className="stack">
      <p role="status">
        {changed === 0 ? 'No field differs.' : `${changed} ${changed === 1 ? 'field differs' : 'fields differ'}.`}
      </p>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(event) => setAll(event.target.checked)} /> Show unchanged fields too
      </label>
      {shown.length > 0 && (
        <div className="table-scroll">
          <table className="diff-table" aria-label={props.label}>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">{props.leftTitle}</th>
                <th scope="col">{props.rightTitle}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={row.path} className={row.changed ? 'diff-changed' : undefined}>
                  <th scope="row">
                    <code>{row.path}</code>
                    {row.changed && <span className="visually-hidden"> (changed)</span>}
                  </th>
                  <td className={row.changed && row.left !== undefined ? 'diff-old' : undefined}>{row.left ?? '—'}</td>
                  <td className={row.changed && row.right !== undefined ? 'diff-new' : undefined}>{row.right ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
