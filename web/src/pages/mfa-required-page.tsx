/** Shown while a role of the user requires a second factor they have not enrolled: nothing else works until then. */
import { MfaEnrolment } from '../components/mfa-enrolment';
import { PageLayout } from '../components/page-layout';
import { usePageTitle } from '../page-title';
import { useSession } from '../session-context';

/** The enrolment, then the recovery codes; afterwards the app opens. */
export function MfaRequiredPage() {
  usePageTitle('Set up two-factor authentication');
  const { refresh, setNotice } = useSession();
  const done = async () => {
    setNotice('Two-factor authentication is on. You will need a code from your app each time you sign in.');
    await refresh();
  };
  return (
    <PageLayout setup>
      <div className="page-narrow stack">
        <h1>Set up two-factor authentication</h1>
        <p>A role of yours requires a second factor: a code from an authenticator app, asked for each time you sign in.</p>
        <MfaEnrolment level={2} onDone={done} />
      </div>
    </PageLayout>
  );
}
