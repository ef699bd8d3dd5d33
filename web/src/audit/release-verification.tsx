/**
 * The release an `order.release` audit entry records, checked in the browser. Anyone who may read
 * the order checks its release attestation (no confidential field) against the order-signing keys
 * this server publishes, and against the entry's revision and content hash. A reader whose roles
 * may see the order's recipe and customer also checks the signed order (JWS) itself, and that its
 * SHA-256 is the one the attestation names. The keys come from the same server, so the page shows
 * the kid to compare out of band.
 */
import { useId, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { isApiError } from '../api';
import { useSignedInUser } from '../session-context';
import type { Role } from '../types';
import { fetchOrderJws, fetchReleaseAttestation, fetchSigningKeys } from './audit-api';
import { AttestationResult, ReleaseResult } from './release-results';
import { checkJwsBinding, verifyReleaseAttestation, type AttestationFailed, type AttestationVerified, type JwsBinding } from './verify-release-attestation';
import { verifyRelease, type ReleaseFailed, type ReleaseVerified } from './verify-release';

/**
 * The roles that see every confidential field of an order in their scope (src/access/policy.ts,
 * FIELDS_OF_ROLE): only they are offered the JWS, so a plain auditor's click leaves no refused
 * read in the log. The server still decides (a reader outside the order's scope is refused).
 */
const FULL_READER_ROLES: readonly Role[] = ['planner', 'approver', 'quality'];

/** What came of one fetch-and-check. */
type Outcome<T> = { readonly status: 'done'; readonly result: T } | { readonly status: 'missing' } | { readonly status: 'error'; readonly error: unknown };

interface Checked {
  readonly attestation: Outcome<AttestationVerified | AttestationFailed>;
  /** Only for a reader who may see the full JWS. */
  readonly jws?: Outcome<ReleaseVerified | ReleaseFailed>;
  /** When the attestation verified and the JWS was fetched. */
  readonly binding?: JwsBinding;
}

type State = { readonly status: 'idle' } | { readonly status: 'checking' } | { readonly status: 'error'; readonly error: unknown } | ({ readonly status: 'done' } & Checked);

async function settle<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { status: 'done', result: await work() };
  } catch (error) {
    return isApiError(error, 'not-found') ? { status: 'missing' } : { status: 'error', error };
  }
}

/** The button, then the attestation's check (and the JWS's for a full reader): "Verified" or the failing step, for the release of `revision` with `contentHash`. */
export function ReleaseVerification(props: { readonly orderId: string; readonly revision: number; readonly contentHash: string }) {
  const user = useSignedInUser();
  const fullReader = user.roles.some((assignment) => FULL_READER_ROLES.includes(assignment.role));
  const ids = useId();
  const [state, setState] = useState<State>({ status: 'idle' });
  const run = async () => {
    setState({ status: 'checking' });
    try {
      const expected = { orderId: props.orderId, revision: props.revision, contentHash: props.contentHash };
      const jwks = await fetchSigningKeys();
      const [attestation, jwsText] = await Promise.all([
        settle(async () => verifyReleaseAttestation(await fetchReleaseAttestation(props.orderId), jwks, expected)),
        fullReader ? settle(() => fetchOrderJws(props.orderId)) : Promise.resolve(undefined),
      ]);
      const jws = jwsText?.status === 'done' ? await settle(() => verifyRelease(jwsText.result, jwks, expected, new Date())) : jwsText;
      const binding = jwsText?.status === 'done' && attestation.status === 'done' && attestation.result.ok ? await checkJwsBinding(jwsText.result, attestation.result) : undefined;
      setState({ status: 'done', attestation, ...(jws === undefined ? {} : { jws }), ...(binding === undefined ? {} : { binding }) });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };
  return (
    <section className="stack audit-check" aria-labelledby={`${ids}-heading`}>
      <h3 id={`${ids}-heading`}>The order&apos;s release signature</h3>
      <p className="muted">
        Your browser fetches the order&apos;s release attestation and the order-signing keys (JWKS) from this server, and checks itself that the attestation&apos;s Ed25519
        signature is consistent with the keys this server publishes and that it attests revision {props.revision} with the content hash this entry records. The attestation
        holds no recipe or customer, so any reader of the order may check it. The keys come from the same server: compare the key ID (kid) below with the one you keep.
        {fullReader && ' Your roles may see the recipe and customer, so the signed order (JWS) itself is checked too, and matched with the attestation.'}
      </p>
      <button type="button" className="button" disabled={state.status === 'checking'} onClick={() => void run()}>
        {state.status === 'checking' ? 'Checking…' : 'Check the release signature'}
      </button>
      {state.status === 'error' && <ErrorAlert error={state.error} />}
      {state.status === 'done' && (
        <>
          <section className="stack" aria-labelledby={`${ids}-attestation`}>
            <h4 id={`${ids}-attestation`}>The release attestation</h4>
            {state.attestation.status === 'done' && <AttestationResult result={state.attestation.result} />}
            {state.attestation.status === 'missing' && (
              <p role="status">
                This order has no release attestation: it was released before Forgeline made them.
                {fullReader ? ' Its signed order (JWS) is checked below.' : ' A reader who may see its recipe and customer can still check its signed order (JWS).'}
              </p>
            )}
            {state.attestation.status === 'error' && <ErrorAlert error={state.attestation.error} />}
          </section>
          {state.jws !== undefined && (
            <section className="stack" aria-labelledby={`${ids}-jws`}>
              <h4 id={`${ids}-jws`}>The signed order (JWS)</h4>
              {state.jws.status === 'done' && <ReleaseResult result={state.jws.result} />}
              {state.jws.status === 'missing' && <p role="status">The order has no signed release to check.</p>}
              {state.jws.status === 'error' && (
                <>
                  <ErrorAlert error={state.jws.error} />
                  {isApiError(state.jws.error, 'forbidden') && (
                    <p className="muted">The signed release carries the order&apos;s recipe and customer, so only roles that may read both can fetch it.</p>
                  )}
                </>
              )}
              {/* The one line binding the two: the JWS fetched is the one the attestation names. */}
              {state.binding !== undefined && (
                <p className="hash" role={state.binding.ok ? undefined : 'alert'}>
                  {state.binding.message}
                </p>
              )}
            </section>
          )}
        </>
      )}
    </section>
  );
}
