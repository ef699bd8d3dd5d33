/**
 * The witness keys this browser checks cosignatures against: the auditor pastes each witness's key
 * line (from the witness's operator, out of band), sees the ones pinned, and can remove one.
 */
import { useId, useState } from 'react';
import { browserTrust } from './checkpoint-memory';
import { parseWitnessKey } from './verify-cosignatures';

/** A folded section: the pinned witness keys, each removable, and a field to pin another. */
export function WitnessPins() {
  const [lines, setLines] = useState<readonly string[]>(() => browserTrust.witnesses);
  const [draft, setDraft] = useState('');
  const [said, setSaid] = useState<string>();
  const fieldId = useId();
  const pin = async () => {
    const key = await parseWitnessKey(draft);
    if (!key.ok) {
      setSaid(key.message);
      return;
    }
    browserTrust.pinWitness(key.value.keyLine);
    setLines(browserTrust.witnesses);
    setDraft('');
    setSaid(`Pinned ${key.value.name}. Verify again to check its cosignatures.`);
  };
  const unpin = (line: string) => {
    browserTrust.unpinWitness(line);
    setLines(browserTrust.witnesses);
    setSaid(undefined);
  };
  return (
    <details className="audit-witness-pins">
      <summary>Witness keys pinned in this browser ({lines.length})</summary>
      <div className="stack">
        {lines.length === 0 ? (
          <p className="muted">None: cosignatures are listed but not checked.</p>
        ) : (
          <ul className="audit-cosigners" aria-label="Pinned witness keys">
            {lines.map((line) => (
              <li key={line}>
                <code className="hash">{line}</code>{' '}
                <button type="button" className="button button-small" onClick={() => unpin(line)} aria-label={`Remove witness key ${line.split('+')[0] ?? ''}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="field">
          <label htmlFor={fieldId}>Witness key line</label>
          <input id={fieldId} className="input input-mono" value={draft} onChange={(event) => setDraft(event.target.value)} placeholder="name+1a2b3c4d+BA…" />
        </div>
        <p>
          <button type="button" className="button" disabled={draft.trim() === ''} onClick={() => void pin()}>
            Pin witness key
          </button>
        </p>
        {said !== undefined && <p role="status">{said}</p>}
      </div>
    </details>
  );
}
