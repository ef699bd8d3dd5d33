/** The first screen after signing in with a one-time password: nothing else works until it is replaced. */
import { ChangePasswordForm } from '../components/change-password-form';
import { PageLayout } from '../components/page-layout';
import { usePageTitle } from '../page-title';
import { useSession } from '../session-context';

/** Asks for a new password; the server keeps this session and ends the others. */
export function PasswordChangeRequiredPage() {
  usePageTitle('Change your password');
  const { refresh, setNotice } = useSession();
  const changed = async () => {
    setNotice('Your password is changed. Any other sessions of yours were signed out.');
    await refresh();
  };
  return (
    <PageLayout setup>
      <div className="page-narrow stack">
        <h1>Change your password</h1>
        <p>Your password was set by an administrator for your first sign-in. Choose your own before you continue.</p>
        <ChangePasswordForm onChanged={changed} />
      </div>
    </PageLayout>
  );
}
