/** The "Verify" action of an audit entry: fetches the key, a checkpoint covering it and its proof, and checks them here. */
import { useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { checkpointSize, fetchCheckpointCovering, fetchInclusionProof, fetchVerifierKey } from './audit-api';
import type { AuditEntry } from './audit-types';
import { ENTRY_STEP_NAMES, verifyEntry, type EntryFailed, type EntryVerified } from './verify-entry';

type State =
  | { readonly status: 'idle' }
  | { readonly status: 'checking' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'done'; readonly result: EntryVerified | EntryFailed; readonly fresh: boolean };

/** Fetches the evidence and runs the check in the browser. */
async function check(entry: AuditEntry): Promise<{ result: EntryVerified | EntryFailed; fresh: boolean }> {
  const [keyLine, checkpoint] = await Promise.all([fetchVerifierKey(), fetchCheckpointCovering(entry.index)]);
  const size = checkpointSize(checkpoint.note);
  // Without a readable size no proof can be asked: the check reports the checkpoint's fault instead.
  const proof = entry.index < size ? await fetchInclusionProof(entry.index, size) : { index: entry.index, size, hashes: [] };
  return { result: await verifyEntry({ entry, keyLine, checkpoint: checkpoint.note, proof }), fresh: checkpoint.fresh };
}

/** The button, then a "Verified" badge with what was checked, or the step that failed and why. */
export function EntryVerification(props: { readonly entry: AuditEntry }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const run = async () => {
    setState({ status: 'checking' });
    try {
      setState({ status: 'done', ...(await check(props.entry)) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };
  return (
    <section className="stack audit-check" aria-labelledby="entry-verification-heading">
      <h3 id="entry-verification-heading">Proof that the log holds this entry</h3>
      <p className="muted">
        Your browser fetches the log&apos;s public key, a signed checkpoint and the entry&apos;s inclusion proof, and checks them itself (SHA-256 and Ed25519): the server is
        not trusted to say so.
      </p>
      <button type="button" className="button button-primary" disabled={state.status === 'checking'} onClick={() => void run()}>
        {state.status === 'checking' ? 'Verifying…' : 'Verify'}
      </button>
      {state.status === 'error' && <ErrorAlert error={state.error} />}
      {state.status === 'done' && <EntryResult result={state.result} fresh={state.fresh} />}
    </section>
  );
}

function EntryResult(props: { readonly result: EntryVerified | EntryFailed; readonly fresh: boolean }) {
  const { result } = props;
  if (!result.ok) {
    return (
      <div className="check-result check-failed" role="alert">
        <p className="badge badge-failed">Not verified</p>
        <p>
          <strong>{ENTRY_STEP_NAMES[result.step]} failed:</strong> {result.message}
        </p>
      </div>
    );
  }
  return (
    <div className="check-result check-verified" role="status">
      <p className="badge badge-verified">Verified</p>
      <dl className="facts">
        <dt>Signed by</dt>
        <dd>
          <code>{result.key}</code>
        </dd>
        <dt>Tree size</dt>
        <dd>
          {result.treeSize} entries{props.fresh ? ' (checkpoint signed just now)' : ''}
        </dd>
        <dt>Signed root</dt>
        <dd>
          <code className="hash">{result.rootHash}</code>
        </dd>
        <dt>Leaf hash</dt>
        <dd>
          <code className="hash">{result.leafHash}</code>
        </dd>
      </dl>
    </div>
  );
}
