/** The frame of every signed-in screen: skip link, header, the session's notice, and the page's main region. */
import type { ReactNode } from 'react';
import { useSession, useSignedInUser } from '../session-context';
import { AppHeader } from './app-header';
import { SignOutButton } from './sign-out-button';

/**
 * Lays out a signed-in screen. `setup` screens (a password to change, a second
 * factor to enrol) have no navigation, since nothing else works yet, and carry
 * their own "Sign out" in the header.
 */
export function PageLayout(props: { readonly setup?: boolean; readonly children: ReactNode }) {
  const user = useSignedInUser();
  const { notice, setNotice } = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader user={user} navigation={!props.setup} actions={props.setup ? <SignOutButton /> : undefined} />
      <main className="page" id="main" tabIndex={-1}>
        {notice !== undefined && (
          <div className="notice">
            <p role="status">{notice}</p>
            <button type="button" className="button button-small" onClick={() => setNotice(undefined)}>
              Dismiss
            </button>
          </div>
        )}
        {props.children}
      </main>
    </>
  );
}
