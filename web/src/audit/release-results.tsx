/** How a release check ends on the page: "Verified" with what was verified, or the failing step and why. */
import type { ReactNode } from 'react';
import { formatDateTime } from '../format';
import type { ReleaseFailed, ReleaseSignature, ReleaseVerified } from './verify-release';
import type { AttestationFailed, AttestationVerified } from './verify-release-attestation';

/** What each step checks, as people read it. */
const STEP_NAMES: Readonly<Record<ReleaseFailed['step'] | AttestationFailed['step'], string>> = {
  form: 'The signed document\'s form',
  header: 'The signature\'s header',
  key: 'The signing key',
  signature: 'The Ed25519 signature',
  payload: 'The signed content',
  revocation: 'The key\'s revocation',
  content: 'The content hash',
  entry: 'The release this entry records',
};

function Signatures(props: { readonly signatures: readonly ReleaseSignature[] }) {
  return (
    <>
      <dt>E-signatures</dt>
      <dd>
        <ul className="role-list">
          {props.signatures.map((signature) => (
            <li key={`${signature.signer}@${signature.signedAt}`}>
              {signature.signer} ({signature.action}): “{signature.meaning}”, {formatDateTime(signature.signedAt)}
            </li>
          ))}
        </ul>
      </dd>
    </>
  );
}

function Outcome(props: { readonly result: ReleaseVerified | ReleaseFailed | AttestationVerified | AttestationFailed; readonly verified: string; readonly children: ReactNode }) {
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
      {result.ok && props.children}
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
      <p className="badge badge-verified">{props.verified}</p>
      <p>
        Consistent with the order-signing key <code className="hash">{result.kid}</code> this server publishes.
      </p>
      {facts}
    </div>
  );
}

/** The order revision a verified release token covers, and when it was signed. */
function SignedRelease(props: { readonly result: { readonly orderNumber: string; readonly revision: number; readonly issuedAt: string } }) {
  const { result } = props;
  return (
    <>
      <dt>Order</dt>
      <dd>
        {result.orderNumber}, revision {result.revision}
      </dd>
      <dt>Signed</dt>
      <dd>{formatDateTime(result.issuedAt)}</dd>
    </>
  );
}

/** The check of a release attestation: the release it attests and the order JWS it names. */
export function AttestationResult(props: { readonly result: AttestationVerified | AttestationFailed }) {
  const { result } = props;
  return (
    <Outcome result={result} verified="Verified">
      {result.ok && (
        <>
          <SignedRelease result={result} />
          <Signatures signatures={result.signatures} />
          <dt>Signed order (JWS) SHA-256</dt>
          <dd>
            <code className="hash">{result.orderJwsSha256}</code>
          </dd>
        </>
      )}
    </Outcome>
  );
}

/** The check of a release's signed order (JWS): the revision, its validity and who signed. */
export function ReleaseResult(props: { readonly result: ReleaseVerified | ReleaseFailed }) {
  const { result } = props;
  return (
    <Outcome result={result} verified={result.ok && result.expired ? 'Verified (expired)' : 'Verified'}>
      {result.ok && (
        <>
          <SignedRelease result={result} />
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
          <Signatures signatures={result.signatures} />
        </>
      )}
    </Outcome>
  );
}
