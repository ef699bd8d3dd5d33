/** Another user's live sessions, and revoking them all after a confirmation. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { formatDateTime } from '../format';
import type { SessionEntry } from '../types';
import { listUserSessions, revokeUserSessions } from './admin-api';
import type { UserEntry } from './admin-types';
import { ConfirmStep } from './confirm-step';

/** Lists `user`'s sessions; "Revoke all sessions" asks first. */
export function UserSessions(props: { readonly user: UserEntry; readonly onClose: () => void }) {
  const { user } = props;
  const [sessions, setSessions] = useState<readonly SessionEntry[]>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setSessions(await listUserSessions(user.id));
    } catch (failure) {
      setError(failure);
    }
  }, [user.id]);

  useEffect(() => {
    void load();
  }, [load]);

  const revokeAll = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const revoked = await revokeUserSessions(user.id);
      setConfirming(false);
      setMessage(`Ended ${revoked} ${revoked === 1 ? 'session' : 'sessions'} of ${user.username}.`);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const count = sessions?.length ?? 0;
  return (
    <div className="stack admin-panel">
      <h4>Sessions of {user.username}</h4>
      <StatusMessage>{message}</StatusMessage>
      {!confirming && <ErrorAlert error={error} />}
      {sessions === undefined && error === undefined && <p className="muted">Loading…</p>}
      {sessions !== undefined && sessions.length === 0 && <p>No live sessions.</p>}
      {sessions !== undefined && sessions.length > 0 && (
        <ul className="admin-sessions" aria-label={`Sessions of ${user.username}`}>
          {sessions.map((session) => (
            <li key={session.id}>
              From {session.source ?? 'an unknown address'}, signed in {formatDateTime(session.createdAt)}, last active {formatDateTime(session.lastSeenAt)}, ends{' '}
              {formatDateTime(session.expiresAt)}
            </li>
          ))}
        </ul>
      )}
      {confirming ? (
        <ConfirmStep
          question={`End all ${count} ${count === 1 ? 'session' : 'sessions'} of ${user.username}? They are signed out everywhere at once and must sign in again.`}
          confirmLabel={`Yes, end ${user.username}'s sessions`}
          busy={busy}
          error={error}
          onConfirm={() => void revokeAll()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <div className="actions">
          {count > 0 && (
            <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
              Revoke all sessions
            </button>
          )}
          <button type="button" className="button" onClick={props.onClose}>
            Close sessions
          </button>
        </div>
      )}
    </div>
  );
}
