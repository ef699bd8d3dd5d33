/** The admin's users: everyone with their scoped roles, a new user, and the actions on each. */
import { useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { useLoaded } from '../use-loaded';
import { useSignedInUser } from '../session-context';
import { listUsers } from './admin-api';
import { AdminFrame } from './admin-nav';
import type { UserEntry } from './admin-types';
import { usePlant } from './use-plant';
import { UserCreateForm } from './user-create-form';
import { UserItem } from './user-item';

/** Lists the users, newest changes reloaded after every action. */
export function UsersPage() {
  usePageTitle('Users');
  const me = useSignedInUser();
  const plant = usePlant();
  const { value: users, error, reload: load } = useLoaded<readonly UserEntry[]>(listUsers);
  const [message, setMessage] = useState<string>();

  const changed = async (text: string) => {
    setMessage(text);
    await load();
  };

  return (
    <AdminFrame title="Users">
      <ErrorAlert error={plant.error} />
      <UserCreateForm nodes={plant.nodes} onCreated={load} />
      <section className="card stack" aria-labelledby="users-heading">
        <h2 id="users-heading">Users and their roles</h2>
        <StatusMessage>{message}</StatusMessage>
        <ErrorAlert error={error} />
        {users === undefined && error === undefined && <p className="muted">Loading…</p>}
        {users !== undefined && (
          <ul className="admin-list" aria-label="Users">
            {users.map((user) => (
              <UserItem key={user.id} user={user} self={user.id === me.id} plant={plant} onChanged={changed} />
            ))}
          </ul>
        )}
      </section>
    </AdminFrame>
  );
}
