/**
 * The "Verify" action of an audit entry: fetches the key, a checkpoint covering it and its proof,
 * and checks them here. The key comes from the same server, so a pass means "consistent with the
 * log key this server publishes": the page shows the key line and its fingerprint for the auditor
 * to compare with the one they keep, and refuses a checkpoint that rolls back or forks the first
 * one this page saw.
 */
import { useState } from 'react';
import { pageCheckpoints } from './checkpoint-memory';
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
  const result = await verifyEntry({ entry, keyLine, checkpoint: checkpoint.note, proof });
  if (!result.ok) return { result, fresh: checkpoint.fresh };
  const conflict = pageCheckpoints.observe({ keyLine: result.keyLine, treeSize: result.treeSize, rootHash: result.rootHash });
  return { result: conflict === undefined ? result : { ok: false, step: 'checkpoint', message: conflict }, fresh: checkpoint.fresh };
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
        Your browser fetches the log&apos;s public key, a signed checkpoint and the entry&apos;s inclusion proof from this server, and checks them itself (SHA-256 and Ed25519).
        The key comes from the same server, so a pass says the entry is consistent with the log key this server publishes: compare the key line below with the one you keep
        (<code>forgeline audit verify --key</code> takes it). A checkpoint smaller than, or forked from, the first one this page saw is refused. Witness cosignatures are not
        checked in the browser.
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
      <p>Consistent with the log key this server publishes; witness cosignatures not checked.</p>
      <dl className="facts">
        <dt>Signed by</dt>
        <dd>
          <code>{result.key}</code>
        </dd>
        <dt>Log key name</dt>
        <dd>
          <code>{result.keyName}</code>
        </dd>
        <dt>Key fingerprint (SHA-256)</dt>
        <dd>
          <code className="hash">{result.keyFingerprint}</code>
        </dd>
        <dt>Key line</dt>
        <dd>
          <code className="hash" aria-label="Log key line">{result.keyLine}</code> <CopyButton text={result.keyLine} />
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

/** Copies `text` to the clipboard, then says so (or that the browser refused). */
function CopyButton(props: { readonly text: string }) {
  const [said, setSaid] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setSaid('Copied.');
    } catch {
      setSaid('The browser did not allow copying; select the key line instead.');
    }
  };
  return (
    <>
      <button type="button" className="button button-small" onClick={() => void copy()}>
        Copy key line
      </button>
      {said !== undefined && <span role="status"> {said}</span>}
    </>
  );
}
