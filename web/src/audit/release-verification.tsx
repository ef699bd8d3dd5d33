/**
 * The release an `order.release` audit entry records, checked in the browser: the order's JWS
 * against the order-signing keys this server publishes, and against the entry's revision and
 * content hash. The keys come from the same server, so the page shows the kid to compare out of band.
 */
import { useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { isApiError } from '../api';
import { formatDateTime } from '../format';
import { fetchOrderJws, fetchSigningKeys } from './audit-api';
import { verifyRelease, type ReleaseFailed, type ReleaseVerified } from './verify-release';

type State =
  | { readonly status: 'idle' }
  | { readonly status: 'checking' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'done'; readonly result: ReleaseVerified | ReleaseFailed };

/** What each step checks, as people read it. */
const STEP_NAMES: Readonly<Record<ReleaseFailed['step'], string>> = {
  form: 'The signed order\'s form',
  header: 'The signature\'s header',
  key: 'The signing key',
  signature: 'The Ed25519 signature',
  payload: 'The signed order',
  revocation: 'The key\'s revocation',
  content: 'The content hash',
  entry: 'The release this entry records',
};

/** The button, then the kid, the content hash, and "Verified" or why not, for the release of `revision` with `contentHash`. */
export function ReleaseVerification(props: { readonly orderId: string; readonly revision: number; readonly contentHash: string }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const run = async () => {
    setState({ status: 'checking' });
    try {
      const [jws, jwks] = await Promise.all([fetchOrderJws(props.orderId), fetchSigningKeys()]);
      const expected = { orderId: props.orderId, revision: props.revision, contentHash: props.contentHash };
      setState({ status: 'done', result: await verifyRelease(jws, jwks, expected, new Date()) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };
  return (
    <section className="stack audit-check" aria-labelledby="release-verification-heading">
      <h3 id="release-verification-heading">The order&apos;s release signature</h3>
      <p className="muted">
        Your browser fetches the order&apos;s signed release (JWS) and the order-signing keys (JWKS) from this server, and checks itself that the Ed25519 signature, the content
        hash, the work center and the e-signatures are consistent with the keys this server publishes, and that the release is revision {props.revision} with the content hash
        this entry records. The keys come from the same server: compare the key ID (kid) below with the one you keep.
      </p>
      <button type="button" className="button" disabled={state.status === 'checking'} onClick={() => void run()}>
        {state.status === 'checking' ? 'Checking…' : 'Check release signature'}
      </button>
      {state.status === 'error' && (
        <>
          <ErrorAlert error={state.error} />
          {isApiError(state.error, 'forbidden') && (
            <p className="muted">The signed release carries the order&apos;s recipe and customer, so only roles that may read both can fetch it.</p>
          )}
        </>
      )}
      {state.status === 'done' && <ReleaseResult result={state.result} />}
    </section>
  );
}

function ReleaseResult(props: { readonly result: ReleaseVerified | ReleaseFailed }) {
  const { result } = props;
  const facts = (
    <dl className="facts">
      <dt>Key ID (kid)</dt>
      <dd>
        <code className="hash">{result.kid ?? 'not read'}</code>
      </dd>
      <dt>Content hash</dt>
      <dd>
        <code className="hash">{result.contentHash ?? 'not read'}</code>
      </dd>
      {result.ok && (
        <>
          <dt>Order</dt>
          <dd>
            {result.orderNumber}, revision {result.revision}
          </dd>
          <dt>Signed</dt>
          <dd>{formatDateTime(result.issuedAt)}</dd>
          {result.expired ? (
            <>
              <dt>Expired at</dt>
              <dd>{formatDateTime(result.expiresAt)}: still the genuine signed release, but an agent would refuse it now.</dd>
            </>
          ) : (
            <>
              <dt>Valid until</dt>
              <dd>{formatDateTime(result.expiresAt)}</dd>
            </>
          )}
          <dt>E-signatures</dt>
          <dd>
            <ul className="role-list">
              {result.signatures.map((signature) => (
                <li key={`${signature.signer}@${signature.signedAt}`}>
                  {signature.signer} ({signature.action}): “{signature.meaning}”, {formatDateTime(signature.signedAt)}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </dl>
  );
  if (!result.ok) {
    return (
      <div className="check-result check-failed" role="alert">
        <p className="badge badge-failed">Not verified</p>
        <p>
          <strong>{STEP_NAMES[result.step]} failed:</strong> {result.message}
        </p>
        {facts}
      </div>
    );
  }
  return (
    <div className="check-result check-verified" role="status">
      <p className="badge badge-verified">{result.expired ? 'Verified (expired)' : 'Verified'}</p>
      <p>Consistent with the order-signing key {result.kid} this server publishes.</p>
      {facts}
    </div>
  );
}
