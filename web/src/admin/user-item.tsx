/** One user in the admin's list: their roles by scope, and what an admin may do to them (each dangerous step confirmed). */
import { useState } from 'react';
import { TextField } from '../components/text-field';
import { formatDateTime } from '../format';
import { disableUser, enableUser, resetUserMfa } from './admin-api';
import type { UserEntry } from './admin-types';
import { ConfirmStep } from './confirm-step';
import type { PlantNames } from './use-plant';
import { UserRolesForm } from './user-roles-form';
import { UserSessions } from './user-sessions';

type Mode = 'none' | 'roles' | 'sessions' | 'reset' | 'disable' | 'enable';

/** The user's facts and actions; `self` (the admin themself) gets no actions, as the server refuses them. */
export function UserItem(props: { readonly user: UserEntry; readonly self: boolean; readonly plant: PlantNames; readonly onChanged: (message: string) => Promise<void> }) {
  const { user, plant } = props;
  const [mode, setMode] = useState<Mode>('none');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const headingId = `user-${user.id}`;

  const open = (next: Mode) => {
    setError(undefined);
    setReason('');
    setMode(next);
  };

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    try {
      const message = await action();
      setMode('none');
      await props.onChanged(message);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const saved = async (message: string) => {
    setMode('none');
    await props.onChanged(message);
  };

  return (
    <li className="admin-item" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {user.displayName} <span className="muted">({user.username})</span>
      </h3>
      <dl className="facts">
        <dt>State</dt>
        <dd>{user.disabled ? 'Disabled' : 'Active'}</dd>
        <dt>Second factor</dt>
        <dd>{user.mfaEnabled ? 'On' : 'Off'}</dd>
        <dt>Password</dt>
        <dd>{user.passwordMustChange ? 'One-time, not yet changed' : 'Set by the user'}</dd>
        <dt>Roles</dt>
        <dd>
          {user.roles.length === 0 ? (
            'None'
          ) : (
            <ul className="role-list" aria-label={`Roles of ${user.username}`}>
              {user.roles.map((assignment) => (
                <li key={`${assignment.role}@${assignment.scopeNodeId ?? ''}`}>{plant.describe(assignment)}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(user.createdAt)}</dd>
      </dl>
      {props.self && <p className="muted">This is you: another administrator changes your roles or second factor.</p>}
      {!props.self && mode === 'none' && (
        <div className="actions">
          <button type="button" className="button" aria-describedby={headingId} onClick={() => open('roles')}>
            Change roles
          </button>
          <button type="button" className="button" aria-describedby={headingId} onClick={() => open('sessions')}>
            Sessions
          </button>
          {user.mfaEnabled && (
            <button type="button" className="button button-danger" aria-describedby={headingId} onClick={() => open('reset')}>
              Reset second factor
            </button>
          )}
          {user.disabled ? (
            <button type="button" className="button" aria-describedby={headingId} onClick={() => open('enable')}>
              Enable
            </button>
          ) : (
            <button type="button" className="button button-danger" aria-describedby={headingId} onClick={() => open('disable')}>
              Disable
            </button>
          )}
        </div>
      )}
      {mode === 'roles' && <UserRolesForm user={user} plant={plant} onSaved={saved} onCancel={() => setMode('none')} />}
      {mode === 'sessions' && <UserSessions user={user} onClose={() => setMode('none')} />}
      {mode === 'reset' && (
        <ConfirmStep
          question={`Reset the second factor of ${user.username}? Their authenticator app and recovery codes stop working, their sessions end now, and they must set up a new authenticator at their next sign-in.`}
          confirmLabel={`Yes, reset ${user.username}'s second factor`}
          busy={busy}
          error={error}
          onConfirm={() =>
            void act(async () => {
              await resetUserMfa(user.id, reason);
              return `Reset the second factor of ${user.username}; they set up a new one at their next sign-in.`;
            })
          }
          onCancel={() => setMode('none')}
        >
          <TextField label="Reason (recorded in the audit log)" value={reason} onValueChange={setReason} maxLength={500} autoComplete="off" />
        </ConfirmStep>
      )}
      {mode === 'disable' && (
        <ConfirmStep
          question={`Disable ${user.username}? They can no longer sign in, and every session of theirs ends now. Their records and audit history stay.`}
          confirmLabel={`Yes, disable ${user.username}`}
          busy={busy}
          error={error}
          onConfirm={() =>
            void act(async () => {
              await disableUser(user.id);
              return `Disabled ${user.username}.`;
            })
          }
          onCancel={() => setMode('none')}
        />
      )}
      {mode === 'enable' && (
        <ConfirmStep
          question={`Enable ${user.username} again? They can sign in with their password${user.mfaEnabled ? ' and second factor' : ''} and get back every role listed above, and their API tokens that are neither revoked nor expired work again. Change their roles first if they should have fewer.`}
          confirmLabel={`Yes, enable ${user.username}`}
          busy={busy}
          error={error}
          onConfirm={() =>
            void act(async () => {
              await enableUser(user.id);
              return `Enabled ${user.username}: they can sign in again.`;
            })
          }
          onCancel={() => setMode('none')}
        />
      )}
    </li>
  );
}
