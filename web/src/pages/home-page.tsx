/** The start page: who is signed in, with which roles. */
import { describeAssignment } from '../format';
import { usePageTitle } from '../page-title';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';

/** Welcomes the user and lists their roles with their scopes. */
export function HomePage() {
  usePageTitle('Home');
  const user = useSignedInUser();
  return (
    <div className="stack">
      <h1>Welcome, {user.displayName}</h1>
      {user.roles.length === 0 ? (
        <p>You hold no roles yet. Ask an administrator to give you the roles your work needs.</p>
      ) : (
        <>
          <p>You are signed in with these roles:</p>
          <ul className="role-list" aria-label="Your roles">
            {user.roles.map((assignment) => (
              <li key={`${assignment.role}@${assignment.scopeNodeId ?? ''}`}>{describeAssignment(assignment)}</li>
            ))}
          </ul>
        </>
      )}
      {!user.mfaEnabled && (
        <p>
          Two-factor authentication is off for your account. <Link to="/account">Set it up on your account page</Link>.
        </p>
      )}
    </div>
  );
}
