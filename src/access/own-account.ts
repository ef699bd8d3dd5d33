import { ForgelineError } from '../domain/index.js';
import type { Actor, Subject } from './subject.js';

/**
 * Refuses account self-service (sessions, second factor, password) to a request
 * made with an API token: a token acts for an integration within its actions,
 * and must never reach the credentials of the user it runs as. These routes are
 * authorized here rather than by `can()`, because they must keep working for a
 * person who still has to change a one-time password or enrol a second factor.
 */
export function assertPersonalSession(actor: Actor): void {
  if (actor.subject.restriction !== undefined) {
    throw new ForgelineError('forbidden', 'An API token cannot manage sign-in sessions, passwords or second factors; sign in as the person');
  }
}

/**
 * Refuses a session whose account is not ready yet: the one-time password still
 * to be changed, or a required second factor still to be enrolled. The HTTP edge
 * applies it to every route but the few that finish the setup, so a read path
 * that filters by role without asking `can()` still cannot be reached early.
 */
export function assertAccountReady(subject: Subject): void {
  if (subject.passwordMustChange) throw new ForgelineError('password-change-required', 'change your one-time password first');
  if (subject.mfaEnrollmentRequired === true) {
    throw new ForgelineError('mfa-enrollment-required', 'a role of yours requires a second factor: enrol TOTP first (forgeline mfa enroll, or POST /api/v1/users/me/mfa/enrolment)');
  }
}
