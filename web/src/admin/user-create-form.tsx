/** Creates a user: username, display name, a one-time password they replace at first sign-in, and roles with scopes. */
import { useState, type FormEvent } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { createUser } from './admin-api';
import type { PlantNode, UserEntry } from './admin-types';
import { assignmentsOf, RoleEditor, roleRow, type RoleRow } from './role-editor';

/** The password policy's minimum length (src/access/passwords.ts MIN_PASSWORD_LENGTH). */
const MIN_PASSWORD_LENGTH = 12;

/** The form; `onCreated` runs with the user the server made. */
export function UserCreateForm(props: { readonly nodes: readonly PlantNode[]; readonly onCreated: (user: UserEntry) => void | Promise<void> }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [rows, setRows] = useState<readonly RoleRow[]>(() => [roleRow()]);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      const created = await createUser({ username: username.trim(), displayName: displayName.trim(), password, roles: assignmentsOf(rows) });
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRows([roleRow()]);
      setMessage(`Created ${created.username}. Give them the one-time password in person; they choose their own at first sign-in.`);
      await props.onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Create a user</h2>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Username"
          hint="Lowercase letters, digits and . _ - only, starting with a letter."
          value={username}
          onValueChange={setUsername}
          autoComplete="off"
          spellCheck={false}
          required
        />
        <TextField label="Display name" value={displayName} onValueChange={setDisplayName} autoComplete="off" required />
        <TextField
          label="One-time password"
          type="password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters, not a common or breached one. The user must replace it when they first sign in.`}
          value={password}
          onValueChange={setPassword}
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          required
        />
        <fieldset className="admin-fieldset">
          <legend>Roles</legend>
          <RoleEditor rows={rows} nodes={props.nodes} onChange={setRows} />
        </fieldset>
        <ErrorAlert error={error} />
        <StatusMessage>{message}</StatusMessage>
        <button type="submit" className="button button-primary" disabled={busy}>
          Create user
        </button>
      </form>
    </section>
  );
}
