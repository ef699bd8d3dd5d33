/** The user's own account: profile and roles, second factor, password, and sessions. */
import { useState } from 'react';
import { MfaSection } from '../components/mfa-section';
import { PasswordSection } from '../components/password-section';
import { SessionsSection } from '../components/sessions-section';
import { describeAssignment, formatDateTime } from '../format';
import { usePageTitle } from '../page-title';
import { useSignedInUser } from '../session-context';

/** Everything about the signed-in user that they manage themselves. */
export function AccountPage() {
  usePageTitle('Your account');
  const user = useSignedInUser();
  const [sessionsVersion, setSessionsVersion] = useState(0);
  return (
    <div className="stack">
      <h1>Your account</h1>
      <section className="card stack" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.displayName}</dd>
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Roles</dt>
          <dd>
            {user.roles.length === 0 ? (
              'None yet'
            ) : (
              <ul className="role-list">
                {user.roles.map((assignment) => (
                  <li key={`${assignment.role}@${assignment.scopeNodeId ?? ''}`}>{describeAssignment(assignment)}</li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Account created</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
        </dl>
      </section>
      <MfaSection />
      <PasswordSection onChanged={() => setSessionsVersion((version) => version + 1)} />
      <SessionsSection reloadKey={sessionsVersion} />
    </div>
  );
}
