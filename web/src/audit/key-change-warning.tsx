/**
 * Shown when the server serves another log key than the one this browser pinned: the new key's
 * fingerprint to compare with the operator's, and an explicit, confirmed way to pin it instead.
 */
import { useId, useState } from 'react';
import { browserTrust } from './checkpoint-memory';
import type { NewKey } from './entry-check';

/** The warning, the fingerprint, and "Pin the new key" behind a confirmation checkbox. */
export function KeyChangeWarning(props: { readonly newKey: NewKey; readonly onAccepted: () => void }) {
  const [compared, setCompared] = useState(false);
  const checkboxId = useId();
  const { newKey } = props;
  if (newKey.fingerprint === undefined) return null;
  const fingerprint = newKey.fingerprint;
  const accept = () => {
    browserTrust.pinKey(newKey.keyLine, fingerprint, new Date());
    props.onAccepted();
  };
  return (
    <section className="stack check-result check-failed" aria-labelledby={`${checkboxId}-heading`}>
      <h4 id={`${checkboxId}-heading`}>The log key changed</h4>
      <p>
        Pin the new key only if your operator told you the log&apos;s key was replaced and gave you its fingerprint out of band (not through this server). Pinning it
        forgets the checkpoint this browser verified under the old key.
      </p>
      <dl className="facts">
        <dt>New key line</dt>
        <dd>
          <code className="hash">{newKey.keyLine}</code>
        </dd>
        <dt>New key fingerprint (SHA-256)</dt>
        <dd>
          <code className="hash" aria-label="New key fingerprint">{fingerprint}</code>
        </dd>
      </dl>
      <p>
        <input id={checkboxId} type="checkbox" checked={compared} onChange={(event) => setCompared(event.target.checked)} />{' '}
        <label htmlFor={checkboxId}>I compared this fingerprint with the one my operator gave me, and they are the same</label>
      </p>
      <button type="button" className="button" disabled={!compared} onClick={accept}>
        Pin the new key and verify again
      </button>
    </section>
  );
}
