/** The account routes the app calls: the browser session, own sessions, second factor and password. */
import { apiRequest } from './api';
import type { BrowserSession, BrowserSignIn, Credentials, MfaConfirmation, MfaEnrolment, MfaStatus, SessionEntry } from './types';

const BROWSER_SESSION = '/api/v1/browser/session';

/** The current browser session from its cookie; 401 `unauthenticated` when there is none. */
export function fetchBrowserSession(): Promise<BrowserSession> {
  return apiRequest<BrowserSession>(BROWSER_SESSION, { quietUnauthenticated: true });
}

/** Signs in; the server sets the session cookie and answers the CSRF token. */
export function signIn(credentials: Credentials): Promise<BrowserSignIn> {
  return apiRequest<BrowserSignIn>(BROWSER_SESSION, { method: 'POST', body: credentials, quietUnauthenticated: true });
}

/** Ends this browser session and clears its cookie. */
export function signOut(): Promise<void> {
  return apiRequest<void>(BROWSER_SESSION, { method: 'DELETE', quietUnauthenticated: true });
}

/** The user's live sessions; the one asking is marked `current`. */
export async function listSessions(): Promise<readonly SessionEntry[]> {
  return (await apiRequest<{ items: SessionEntry[] }>('/api/v1/sessions')).items;
}

/** Ends one of the user's sessions. */
export function revokeSession(id: string): Promise<void> {
  return apiRequest<void>(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Ends every session of the user but this one; answers how many ended. */
export async function revokeOtherSessions(): Promise<number> {
  return (await apiRequest<{ revoked: number }>('/api/v1/sessions', { method: 'DELETE' })).revoked;
}

/** The user's second factor. */
export function fetchMfaStatus(): Promise<MfaStatus> {
  return apiRequest<MfaStatus>('/api/v1/users/me/mfa');
}

/** Starts (or restarts) TOTP enrolment: a new secret, shown once. */
export function beginMfaEnrolment(): Promise<MfaEnrolment> {
  return apiRequest<MfaEnrolment>('/api/v1/users/me/mfa/enrolment', { method: 'POST' });
}

/** Confirms enrolment with the first code; answers the recovery codes, shown once. */
export function confirmMfaEnrolment(code: string): Promise<MfaConfirmation> {
  return apiRequest<MfaConfirmation>('/api/v1/users/me/mfa/confirm', { method: 'POST', body: { code } });
}

/** Replaces the user's recovery codes (password and a current code, or a recovery code); answers the new ones, shown once. */
export async function regenerateRecoveryCodes(password: string, code: string): Promise<readonly string[]> {
  return (await apiRequest<{ recoveryCodes: string[] }>('/api/v1/users/me/mfa/recovery-codes', { method: 'POST', body: { password, code } })).recoveryCodes;
}

/** Removes the user's own second factor (password and a current code); refused while a role of theirs requires one. */
export function disableMfa(password: string, code: string): Promise<void> {
  return apiRequest<void>('/api/v1/users/me/mfa/disable', { method: 'POST', body: { password, code } });
}

/** Changes the user's own password; the server ends their other sessions and keeps this one. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return apiRequest<void>('/api/v1/users/me/password', { method: 'POST', body: { currentPassword, newPassword } });
}
