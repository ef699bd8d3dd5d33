/** The account page's sessions: every live sign-in of the user, one to revoke, or all but this one. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { listSessions, revokeOtherSessions, revokeSession } from '../account-api';
import { formatDateTime } from '../format';
import type { SessionEntry } from '../types';
import { ErrorAlert, StatusMessage } from './error-alert';
import { SignOutButton } from './sign-out-button';

/** Lists the sessions; `reloadKey` changing lists them again (after a password change ended the others). */
export function SessionsSection(props: { readonly reloadKey: number }) {
  const [sessions, setSessions] = useState<readonly SessionEntry[]>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      // This session first, then the others by their last use, most recent first.
      const listed = await listSessions();
      setSessions([...listed].sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt)));
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, props.reloadKey]);

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await action());
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const revokeOne = (session: SessionEntry) =>
    act(async () => {
      await revokeSession(session.id);
      return `The session from ${sourceOf(session)} is signed out.`;
    });

  const revokeOthers = () =>
    act(async () => {
      setConfirming(false);
      const revoked = await revokeOtherSessions();
      return revoked === 0 ? 'No other session was open.' : `Signed out ${revoked} other ${revoked === 1 ? 'session' : 'sessions'}.`;
    });

  return (
    <section className="card stack" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p>Where you are signed in. Revoke any session you do not recognise, then change your password.</p>
      <ErrorAlert error={error} />
      <StatusMessage>{message}</StatusMessage>
      {sessions === undefined && error === undefined && <p className="muted">Loading…</p>}
      {sessions !== undefined && (
        <ul className="session-list" aria-label="Your sessions">
          {sessions.map((session) => (
            <SessionItem key={session.id} session={session} busy={busy} onRevoke={() => void revokeOne(session)} />
          ))}
        </ul>
      )}
      {confirming ? (
        <ConfirmSignOutOthers busy={busy} onConfirm={() => void revokeOthers()} onCancel={() => setConfirming(false)} />
      ) : (
        <div className="actions">
          <SignOutButton />
          <button type="button" className="button button-danger" disabled={busy} onClick={() => setConfirming(true)}>
            Sign out everywhere else
          </button>
        </div>
      )}
    </section>
  );
}

function sourceOf(session: SessionEntry): string {
  return session.source ?? 'an unknown address';
}

/** One session: when and where it started, its last use, and when it ends. */
function SessionItem(props: { readonly session: SessionEntry; readonly busy: boolean; readonly onRevoke: () => void }) {
  const { session } = props;
  const headingId = `session-${session.id}`;
  return (
    <li className={session.current ? 'session session-current' : 'session'} aria-labelledby={headingId}>
      <h3 id={headingId}>{session.current ? 'This session' : `Session from ${sourceOf(session)}`}</h3>
      <dl className="facts">
        <dt>Address</dt>
        <dd>{session.source ?? 'Unknown'}</dd>
        <dt>Signed in</dt>
        <dd>{formatDateTime(session.createdAt)}</dd>
        <dt>Last active</dt>
        <dd>{formatDateTime(session.lastSeenAt)}</dd>
        <dt>Ends</dt>
        <dd>
          {formatDateTime(session.expiresAt)}, or {formatDateTime(session.idleExpiresAt)} if unused
        </dd>
      </dl>
      {!session.current && (
        <button type="button" className="button" disabled={props.busy} aria-describedby={headingId} onClick={props.onRevoke}>
          Revoke
        </button>
      )}
    </li>
  );
}

/** The confirmation step before every other session ends. */
function ConfirmSignOutOthers(props: { readonly busy: boolean; readonly onConfirm: () => void; readonly onCancel: () => void }) {
  // The question, not the button: an Enter pressed once more must not sign everyone out.
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => question.current?.focus(), []);
  return (
    <div className="confirm" role="group" aria-labelledby="confirm-sign-out-others">
      <p id="confirm-sign-out-others" ref={question} tabIndex={-1}>Sign out all your other sessions? Anyone using them, you included on other devices, must sign in again.</p>
      <div className="actions">
        <button type="button" className="button button-danger" disabled={props.busy} onClick={props.onConfirm}>
          Yes, sign out other sessions
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
