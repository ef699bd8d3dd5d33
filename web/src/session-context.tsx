/**
 * The browser session for the whole app: who is signed in (asked once at start,
 * since the cookie is invisible to scripts), sign-in, sign-out, and a short
 * notice to show on the next screen ("You have signed out.").
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { fetchBrowserSession, signIn as postSignIn, signOut as deleteSession } from './account-api';
import { ApiError, isApiError, messageOf, onUnauthenticated, setCsrfToken } from './api';
import { forgetAllDrafts } from './orders/draft-memory';
import { loadPlantTimeZone } from './plant-time';
import type { Credentials, OwnUser } from './types';

/** Where the session stands. */
export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'unavailable'; readonly message: string }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly user: OwnUser; readonly expiresAt: string };

/** The session and what can be done with it. */
export interface SessionContextValue {
  readonly state: SessionState;
  readonly notice: string | undefined;
  setNotice(notice: string | undefined): void;
  /** Signs in; rejects with the API's error (e.g. `mfa-required`) for the form to show. */
  signIn(credentials: Credentials): Promise<void>;
  signOut(): Promise<void>;
  /** Asks the server again who is signed in (after a password change or an enrolment). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/** Provides the session to the app below it. */
export function SessionProvider(props: { readonly children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [notice, setNotice] = useState<string | undefined>();
  const lastUserId = useRef<string | undefined>(undefined);

  // Unsaved editor forms belong to the person who typed them: when someone else signs in on this page, they go.
  useEffect(() => {
    if (state.status !== 'signed-in') return;
    if (lastUserId.current !== undefined && lastUserId.current !== state.user.id) forgetAllDrafts();
    lastUserId.current = state.user.id;
  }, [state]);

  const load = useCallback(async (): Promise<SessionState> => {
    let next: SessionState;
    try {
      const session = await fetchBrowserSession();
      setCsrfToken(session.csrfToken);
      // Dates are shown on the plant's clock: its zone is in force before the first signed-in page renders.
      await loadPlantTimeZone();
      next = { status: 'signed-in', user: session.user, expiresAt: session.expiresAt };
    } catch (error) {
      setCsrfToken(undefined);
      next = isApiError(error) && error.status === 401 ? { status: 'signed-out' } : { status: 'unavailable', message: messageOf(error) };
    }
    setState(next);
    return next;
  }, []);

  const refresh = useCallback(async () => {
    await load();
  }, [load]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      onUnauthenticated(() => {
        setCsrfToken(undefined);
        setState({ status: 'signed-out' });
        setNotice('Your session has ended. Sign in again.');
      }),
    [],
  );

  const signIn = useCallback(
    async (credentials: Credentials) => {
      const answer = await postSignIn(credentials);
      setCsrfToken(answer.csrfToken);
      setNotice(undefined);
      const next = await load();
      if (next.status === 'signed-out') {
        // Signed in, yet the next request came without the cookie: the browser refused it.
        throw new ApiError({ status: 401, code: 'cookie-refused', title: 'The browser did not keep the session cookie; allow cookies for this site and sign in again' });
      }
    },
    [load],
  );

  const signOut = useCallback(async () => {
    try {
      await deleteSession();
    } catch (error) {
      // A session that already ended is as good as signed out; anything else is shown.
      if (!(isApiError(error) && error.status === 401)) throw error;
    }
    setCsrfToken(undefined);
    forgetAllDrafts();
    setState({ status: 'signed-out' });
    setNotice('You have signed out.');
  }, []);

  const value = useMemo(() => ({ state, notice, setNotice, signIn, signOut, refresh }), [state, notice, signIn, signOut, refresh]);
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}

/** The session; only inside {@link SessionProvider}. */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession is used outside SessionProvider');
  return value;
}

/** The signed-in user; only on screens shown after sign-in. */
export function useSignedInUser(): OwnUser {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useSignedInUser is used while signed out');
  return state.user;
}
