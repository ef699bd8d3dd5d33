/**
 * The "Verify" action of an audit entry: fetches the key, a checkpoint covering it and its proof,
 * and checks them here (entry-check.ts). The log key is pinned in this browser on first use and a
 * different one is refused until the auditor accepts it after a warning; a larger checkpoint than
 * the one verified before is accepted only with a consistency proof checked here.
 */
import { useState } from 'react';
import { browserTrust } from './checkpoint-memory';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { checkpointSize, fetchCheckpointCovering, fetchConsistencyProof, fetchInclusionProof, fetchVerifierKey } from './audit-api';
import type { AuditEntry } from './audit-types';
import { checkEntry, type EntryCheck, type EntryCheckSources } from './entry-check';
import { KeyChangeWarning } from './key-change-warning';
import type { Cosignature } from './verify-cosignatures';
import { WitnessPins } from './witness-pins';
import { ENTRY_STEP_NAMES } from './verify-entry';

type State =
  | { readonly status: 'idle' }
  | { readonly status: 'checking' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'done'; readonly check: EntryCheck };

const SOURCES: EntryCheckSources = {
  verifierKey: fetchVerifierKey,
  checkpointCovering: fetchCheckpointCovering,
  checkpointSize,
  inclusionProof: fetchInclusionProof,
  consistencyProof: async (from, to) => (await fetchConsistencyProof(from, to)).hashes,
};

/** The button, then a "Verified" badge with what was checked, or the step that failed and why. */
export function EntryVerification(props: { readonly entry: AuditEntry }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const run = async () => {
    setState({ status: 'checking' });
    try {
      setState({ status: 'done', check: await checkEntry(props.entry, browserTrust, SOURCES, () => new Date()) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };
  return (
    <section className="stack audit-check" aria-labelledby="entry-verification-heading">
      <h3 id="entry-verification-heading">Proof that the log holds this entry</h3>
      <p className="muted">
        Your browser fetches the log&apos;s public key, a signed checkpoint and the entry&apos;s inclusion proof from this server, and checks them itself (SHA-256 and Ed25519).
        The key comes from the same server: this browser pins the first one it sees, so compare its fingerprint with the one your operator gives you out of band. A
        checkpoint smaller than, or forked from, the one this browser verified before is refused, and a larger one must come with a consistency proof. Witness
        cosignatures are checked against the witness keys you pin below; once you pin one, the newest checkpoint a witness cosigned is used when it covers the entry,
        and a checkpoint none of your pinned witnesses cosigned is shown as not witnessed, never as verified.
      </p>
      <button type="button" className="button button-primary" disabled={state.status === 'checking'} onClick={() => void run()}>
        {state.status === 'checking' ? 'Verifying…' : 'Verify'}
      </button>
      {state.status === 'error' && <ErrorAlert error={state.error} />}
      {state.status === 'done' && <EntryResult check={state.check} onKeyAccepted={() => void run()} />}
      <WitnessPins />
    </section>
  );
}

function EntryResult(props: { readonly check: EntryCheck; readonly onKeyAccepted: () => void }) {
  const { check } = props;
  if (!check.ok) {
    return (
      <>
        <div className="check-result check-failed" role="alert">
          <p className="badge badge-failed">Not verified</p>
          <p>
            <strong>{ENTRY_STEP_NAMES[check.result.step]} failed:</strong> {check.result.message}
          </p>
        </div>
        {check.newKey !== undefined && <KeyChangeWarning newKey={check.newKey} onAccepted={props.onKeyAccepted} />}
      </>
    );
  }
  const { result, pin, checkpoint } = check;
  // Pinned witnesses and none cosigned: the proofs hold, but nothing beyond the log's key vouches for this tree, so never "Verified".
  const unwitnessed = check.witnesses === 'unwitnessed';
  return (
    <div className={`check-result ${unwitnessed ? 'check-warning' : 'check-verified'}`} role={unwitnessed ? 'alert' : 'status'}>
      {unwitnessed ? (
        <>
          <p className="badge badge-warning">Not witnessed</p>
          <p>
            <strong>No witness you pinned vouches for this checkpoint:</strong> {check.warning}
          </p>
        </>
      ) : (
        <>
          <p className="badge badge-verified">Verified</p>
          <p>Consistent with the log key pinned in this browser; {witnessSummary(check.cosignatures)}.</p>
        </>
      )}
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
        <dt>Key pinned</dt>
        <dd>
          {check.pinnedNow
            ? 'Now, on first use: compare the fingerprint with the one your operator gave you.'
            : `In this browser since ${formatDateTime(pin.pinnedAt)}.`}
        </dd>
        <dt>Key line</dt>
        <dd>
          <code className="hash" aria-label="Log key line">{result.keyLine}</code> <CopyButton text={result.keyLine} />
        </dd>
        <dt>Tree size</dt>
        <dd>
          {result.treeSize} entries{check.fresh ? ' (checkpoint signed just now)' : ''}
        </dd>
        <dt>Consistency</dt>
        <dd>
          {checkpoint.relation === 'first' && 'The first checkpoint this browser remembers under this key.'}
          {checkpoint.relation === 'same' && 'The same checkpoint this browser verified before.'}
          {checkpoint.relation === 'extends' && `Extends the tree of ${checkpoint.from.treeSize} entries this browser verified before (consistency proof checked).`}
          {checkpoint.relation === 'precedes' &&
            `The newest checkpoint a witness cosigned; the tree of ${checkpoint.to.treeSize} entries this browser verified before extends it (consistency proof checked).`}
        </dd>
        <dt>Witness cosignatures</dt>
        <dd>
          {check.cosignatures.length === 0 ? (
            'None on this checkpoint.'
          ) : (
            <ul className="audit-cosigners">
              {check.cosignatures.map((cosignature) => (
                <li key={cosignature.witness}>
                  <code>{cosignature.witness}</code>: {cosignatureText(cosignature)}
                </li>
              ))}
            </ul>
          )}
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

/** One sentence on the cosignatures: how many verified against pinned witnesses, how many could not be checked. */
function witnessSummary(cosignatures: readonly Cosignature[]): string {
  const verified = cosignatures.filter((cosignature) => cosignature.status === 'verified').length;
  const unpinned = cosignatures.length - verified;
  if (cosignatures.length === 0) return 'no witness cosigned this checkpoint';
  const parts = [];
  if (verified > 0) parts.push(`cosigned by ${verified} witness${verified === 1 ? '' : 'es'} pinned in this browser`);
  if (unpinned > 0) parts.push(`${unpinned} cosignature${unpinned === 1 ? '' : 's'} by witnesses not pinned here, not checked`);
  return parts.join('; ');
}

/** What one cosignature is worth here, with the time the witness stated. */
function cosignatureText(cosignature: Cosignature): string {
  const at = cosignature.timestamp === undefined ? '' : ` (cosigned ${formatDateTime(new Date(cosignature.timestamp * 1000).toISOString())})`;
  return cosignature.status === 'verified' ? `verified against the key you pinned${at}` : `not pinned in this browser, so not checked${at}`;
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
