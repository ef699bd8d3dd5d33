/**
 * Changing a user's roles: the editor, then a confirmation listing each role added and removed
 * with its scope and saying that the user's sessions end; only the confirmation saves.
 */
import { useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/error-alert';
import type { RoleAssignment } from '../types';
import { setUserRoles } from './admin-api';
import type { UserEntry } from './admin-types';
import { ConfirmStep } from './confirm-step';
import { roleChanges } from './role-changes';
import { assignmentsOf, RoleEditor, roleRow, rowsComplete, type RoleRow } from './role-editor';
import type { PlantNames } from './use-plant';

/** The form for `user`; `onSaved` gets the message to show once the server saved the roles. */
export function UserRolesForm(props: { readonly user: UserEntry; readonly plant: PlantNames; readonly onSaved: (message: string) => Promise<void>; readonly onCancel: () => void }) {
  const { user, plant } = props;
  const [rows, setRows] = useState<readonly RoleRow[]>(() => (user.roles.length > 0 ? user.roles.map((assignment) => roleRow(assignment)) : [roleRow()]));
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const assignments = assignmentsOf(rows);
  const { added, removed } = roleChanges(user.roles, assignments);
  const unchanged = added.length === 0 && removed.length === 0;

  const review = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // The selects are required, so the browser asks for a missing choice before this runs.
    if (!rowsComplete(rows) || unchanged) return;
    setError(undefined);
    setConfirming(true);
  };

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const changed = await setUserRoles(user.id, assignments);
      await props.onSaved(`Saved the roles of ${changed.username}; their sessions ended, so they sign in again with the new roles.`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  if (confirming) {
    return (
      <ConfirmStep
        question={`Change the roles of ${user.username}? Every session of theirs ends now; they sign in again with the new roles.`}
        confirmLabel={`Yes, change ${user.username}'s roles`}
        busy={busy}
        error={error}
        onConfirm={() => void save()}
        onCancel={() => setConfirming(false)}
      >
        <RoleList label={`Roles added to ${user.username}`} title="Added" assignments={added} plant={plant} />
        <RoleList label={`Roles removed from ${user.username}`} title="Removed" assignments={removed} plant={plant} />
      </ConfirmStep>
    );
  }

  return (
    <form className="form admin-panel" aria-label={`Change the roles of ${user.username}`} onSubmit={review}>
      <RoleEditor rows={rows} nodes={plant.nodes} onChange={setRows} />
      <p className="field-hint">Saving ends {user.username}&apos;s sessions: they sign in again with the new roles.</p>
      {unchanged && rowsComplete(rows) && <p className="muted">These are the roles {user.username} holds now.</p>}
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy || (unchanged && rowsComplete(rows))}>
          Save roles
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The roles a change adds or removes, by name and scope; nothing when there are none. */
function RoleList(props: { readonly label: string; readonly title: string; readonly assignments: readonly RoleAssignment[]; readonly plant: PlantNames }) {
  if (props.assignments.length === 0) return null;
  return (
    <div>
      <p>{props.title}:</p>
      <ul className="role-list" aria-label={props.label}>
        {props.assignments.map((assignment) => (
          <li key={`${assignment.role}@${assignment.scopeNodeId ?? ''}`}>{props.plant.describe(assignment)}</li>
        ))}
      </ul>
    </div>
  );
}
