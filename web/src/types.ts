/** The shapes the API answers with (src/server/access-presenters.ts and session-routes.ts). */

/** The human roles, in the order the app lists them. */
export const ROLES = ['planner', 'approver', 'operator', 'quality', 'logistics', 'auditor', 'admin'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** A role held within a part of the plant; `null` scope means enterprise-wide. */
export interface RoleAssignment {
  readonly role: Role;
  readonly scopeNodeId: string | null;
}

/** The signed-in user (`GET /api/v1/users/me`). */
export interface OwnUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly passwordMustChange: boolean;
  readonly mfaEnabled: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly createdAt: string;
  readonly mfaEnrollmentRequired: boolean;
}

/** The browser session as `GET /api/v1/browser/session` answers it. */
export interface BrowserSession {
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly user: OwnUser;
}

/** A successful `POST /api/v1/browser/session`. */
export interface BrowserSignIn {
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly passwordChangeRequired: boolean;
  readonly mfaEnrollmentRequired: boolean;
}

/** What the sign-in form sends; `totp` is a current code or a recovery code. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly totp?: string;
}

/** One of the user's live sessions (`GET /api/v1/sessions`). */
export interface SessionEntry {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  readonly source: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly idleExpiresAt: string;
  readonly expiresAt: string;
  readonly current: boolean;
}

/** Where the user stands with their second factor (`GET /api/v1/users/me/mfa`). */
export interface MfaStatus {
  readonly enrolled: boolean;
  readonly enabledAt: string | null;
  readonly pendingUntil: string | null;
  readonly recoveryCodesLeft: number;
  readonly required: boolean;
}

/** A started enrolment, shown once (`POST /api/v1/users/me/mfa/enrolment`). */
export interface MfaEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrSvg: string;
  readonly expiresAt: string;
}

/** A confirmed enrolment with its recovery codes, shown once (`POST /api/v1/users/me/mfa/confirm`). */
export interface MfaConfirmation {
  readonly enabledAt: string;
  readonly recoveryCodes: readonly string[];
}
