/** The admin's order-signing keys: the list with their lifecycle, rotation, revocation and the KEK rotation, each confirmed. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { listSigningKeys, rotateSigningKey } from './admin-api';
import { AdminFrame } from './admin-nav';
import type { SigningKey } from './admin-types';
import { ConfirmStep } from './confirm-step';
import { KekRotationSection } from './kek-rotation-section';
import { RevokeKey } from './revoke-key';

const STATUS_NAMES: Readonly<Record<SigningKey['status'], string>> = { active: 'Current', retired: 'Retired', revoked: 'Revoked' };

/** Lists the keys and carries out the actions on them. */
export function KeysPage() {
  usePageTitle('Keys');
  const [keys, setKeys] = useState<readonly SigningKey[]>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [rotating, setRotating] = useState(false);
  const [revoking, setRevoking] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setKeys(await listSigningKeys());
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const rotate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { active, retired } = await rotateSigningKey();
      setRotating(false);
      setMessage(`Key ${active.kid} is now current${retired === null ? '' : `; ${retired} is retired and still verifies what it signed`}.`);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const revoked = async (text: string) => {
    setRevoking(undefined);
    setMessage(text);
    await load();
  };

  const current = keys?.find((key) => key.status === 'active');
  return (
    <AdminFrame title="Signing keys">
      <section className="card stack" aria-labelledby="signing-keys-heading">
        <h2 id="signing-keys-heading">Order-signing keys</h2>
        <p>
          Released orders are signed with the current Ed25519 key; devices and verifiers check them against the <a href="/api/v1/keys">public key set (JWKS)</a>.
        </p>
        <StatusMessage>{message}</StatusMessage>
        {!rotating && <ErrorAlert error={error} />}
        {keys === undefined && error === undefined && <p className="muted">Loading…</p>}
        {keys !== undefined && (
          <ul className="admin-list" aria-label="Signing keys">
            {keys.map((key) => (
              <li key={key.kid} className="admin-item" aria-labelledby={`key-${key.kid}`}>
                <h3 id={`key-${key.kid}`}>
                  <code className="admin-hash">{key.kid}</code> <span className={`admin-badge admin-badge-${key.status}`}>{STATUS_NAMES[key.status]}</span>
                </h3>
                <dl className="facts">
                  <dt>Created</dt>
                  <dd>{formatDateTime(key.createdAt)}</dd>
                  {key.retiredAt !== null && (
                    <>
                      <dt>Retired</dt>
                      <dd>{formatDateTime(key.retiredAt)}</dd>
                    </>
                  )}
                  {key.revokedSince !== null && (
                    <>
                      <dt>Refused from</dt>
                      <dd>
                        {formatDateTime(key.revokedSince)}
                        {key.revokedReason !== null && `: ${key.revokedReason}`}
                      </dd>
                    </>
                  )}
                </dl>
                {revoking === key.kid ? (
                  <RevokeKey signingKey={key} onRevoked={revoked} onCancel={() => setRevoking(undefined)} />
                ) : (
                  key.status !== 'revoked' && (
                    <div className="actions">
                      <button type="button" className="button button-danger" aria-describedby={`key-${key.kid}`} onClick={() => setRevoking(key.kid)}>
                        Revoke
                      </button>
                    </div>
                  )
                )}
              </li>
            ))}
          </ul>
        )}
        {rotating ? (
          <ConfirmStep
            question={`Make a new signing key current? ${current === undefined ? 'There is no current key now.' : `Key ${current.kid} is retired: it signs nothing new and still verifies the orders it signed.`} Releases from now on are signed with the new key.`}
            confirmLabel="Yes, rotate the signing key"
            busy={busy}
            error={error}
            onConfirm={() => void rotate()}
            onCancel={() => setRotating(false)}
          />
        ) : (
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setError(undefined);
              setRotating(true);
            }}
          >
            Rotate signing key
          </button>
        )}
      </section>
      <KekRotationSection />
    </AdminFrame>
  );
}
