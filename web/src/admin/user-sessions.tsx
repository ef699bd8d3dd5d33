/** Another user's live sessions: ending one, or all of them, each after a confirmation. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { formatDateTime } from '../format';
import type { SessionEntry } from '../types';
import { listUserSessions, revokeUserSession, revokeUserSessions } from './admin-api';
import type { UserEntry } from './admin-types';
import { ConfirmStep } from './confirm-step';

/** What is being confirmed: nothing, every session, or the one session named. */
type Confirming = { readonly kind: 'none' } | { readonly kind: 'all' } | { readonly kind: 'one'; readonly session: SessionEntry };

/** Where and when a session started, as its list entry and its confirmation name it. */
function describeSession(session: SessionEntry): string {
  return `from ${session.source ?? 'an unknown address'}, signed in ${formatDateTime(session.createdAt)}`;
}

/** Lists `user`'s sessions; "End session" and "Revoke all sessions" ask first. */
export function UserSessions(props: { readonly user: UserEntry; readonly onClose: () => void }) {
  const { user } = props;
  const [sessions, setSessions] = useState<readonly SessionEntry[]>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [confirming, setConfirming] = useState<Confirming>({ kind: 'none' });
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

  const confirm = (next: Confirming) => {
    setError(undefined);
    setMessage(undefined);
    setConfirming(next);
  };

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    try {
      const done = await action();
      setConfirming({ kind: 'none' });
      setMessage(done);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const revokeAll = () =>
    act(async () => {
      const revoked = await revokeUserSessions(user.id);
      return `Ended ${revoked} ${revoked === 1 ? 'session' : 'sessions'} of ${user.username}.`;
    });

  const revokeOne = (session: SessionEntry) =>
    act(async () => {
      await revokeUserSession(user.id, session.id);
      return `Ended the session of ${user.username} ${describeSession(session)}.`;
    });

  const count = sessions?.length ?? 0;
  return (
    <div className="stack admin-panel">
      <h4>Sessions of {user.username}</h4>
      <StatusMessage>{message}</StatusMessage>
      {confirming.kind === 'none' && <ErrorAlert error={error} />}
      {sessions === undefined && error === undefined && <p className="muted">Loading…</p>}
      {sessions !== undefined && sessions.length === 0 && <p>No live sessions.</p>}
      {sessions !== undefined && sessions.length > 0 && (
        <ul className="admin-sessions" aria-label={`Sessions of ${user.username}`}>
          {sessions.map((session) => {
            const entryId = `user-session-${session.id}`;
            return (
              <li key={session.id}>
                <span id={entryId}>
                  From {session.source ?? 'an unknown address'}, signed in {formatDateTime(session.createdAt)}, last active {formatDateTime(session.lastSeenAt)}, ends{' '}
                  {formatDateTime(session.expiresAt)}
                </span>{' '}
                {confirming.kind === 'none' && (
                  <button type="button" className="button" aria-describedby={entryId} onClick={() => confirm({ kind: 'one', session })}>
                    End session
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {confirming.kind === 'one' && (
        <ConfirmStep
          question={`End the session of ${user.username} ${describeSession(confirming.session)}? Whoever uses it is signed out at once; their other sessions go on.`}
          confirmLabel="Yes, end this session"
          busy={busy}
          error={error}
          onConfirm={() => void revokeOne(confirming.session)}
          onCancel={() => confirm({ kind: 'none' })}
        />
      )}
      {confirming.kind === 'all' && (
        <ConfirmStep
          question={`End all ${count} ${count === 1 ? 'session' : 'sessions'} of ${user.username}? They are signed out everywhere at once and must sign in again.`}
          confirmLabel={`Yes, end ${user.username}'s sessions`}
          busy={busy}
          error={error}
          onConfirm={() => void revokeAll()}
          onCancel={() => confirm({ kind: 'none' })}
        />
      )}
      {confirming.kind === 'none' && (
        <div className="actions">
          {count > 0 && (
            <button type="button" className="button button-danger" onClick={() => confirm({ kind: 'all' })}>
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
