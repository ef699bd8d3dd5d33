/** The app: the screen that fits the session, and inside it the page for the path. */
import { AdminPage, isAdminPath } from './admin/admin-page';
import { AuditPage } from './audit/audit-page';
import { PageLayout } from './components/page-layout';
import { MaterialsPage } from './floor/materials-page';
import { QualityPage } from './floor/quality-page';
import { WorkCenterPage } from './floor/work-center-page';
import { orderScreen } from './orders/order-routes';
import { OverviewPage } from './overview/overview-page';
import { AccountPage } from './pages/account-page';
import { HomePage } from './pages/home-page';
import { MfaRequiredPage } from './pages/mfa-required-page';
import { NotFoundPage } from './pages/not-found-page';
import { PasswordChangeRequiredPage } from './pages/password-change-required-page';
import { SignInPage } from './pages/sign-in-page';
import { usePath } from './router';
import { SessionProvider, useSession } from './session-context';

/** The whole app, with its session. */
export function App() {
  return (
    <SessionProvider>
      <Screen />
    </SessionProvider>
  );
}

/** Signed out: sign-in. Signed in: the account setup still owed, else the page for the path. */
function Screen() {
  const { state, refresh } = useSession();
  switch (state.status) {
    case 'loading':
      return (
        <main className="page page-narrow" id="main">
          <p role="status">Loading…</p>
        </main>
      );
    case 'unavailable':
      return (
        <main className="page page-narrow stack" id="main">
          <h1>Forgeline is not reachable</h1>
          <p role="alert">{state.message}</p>
          <button type="button" className="button button-primary" onClick={() => void refresh()}>
            Try again
          </button>
        </main>
      );
    case 'signed-out':
      return <SignInPage />;
    case 'signed-in':
      if (state.user.passwordMustChange) return <PasswordChangeRequiredPage />;
      if (state.user.mfaEnrollmentRequired) return <MfaRequiredPage />;
      return (
        <PageLayout>
          <Page />
        </PageLayout>
      );
  }
}

/** The page for the current path. */
function Page() {
  // "/account/" is "/account".
  const path = usePath().replace(/\/+$/, '') || '/';
  switch (path) {
    case '/':
      return <HomePage />;
    case '/overview':
      return <OverviewPage />;
    case '/account':
      return <AccountPage />;
    case '/work-center':
      return <WorkCenterPage />;
    case '/quality':
      return <QualityPage />;
    case '/materials':
      return <MaterialsPage />;
    case '/audit':
      return <AuditPage />;
    default:
      if (orderScreen(path) !== undefined) return orderScreen(path);
      if (isAdminPath(path)) return <AdminPage path={path} />;
      return <NotFoundPage />;
  }
}
