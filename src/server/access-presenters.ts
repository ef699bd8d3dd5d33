import type { MfaEnrolment, MfaStatus, OwnUserView, SessionView, UserView } from '../access/index.js';

/** A user as it leaves the server: never the password hash or the second factor's secret. */
export function presentUser(user: UserView) {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    disabled: user.disabled,
    passwordMustChange: user.passwordMustChange,
    mfaEnabled: user.mfaEnabled,
    roles: user.roles.map((assignment) => ({ role: assignment.role, scopeNodeId: assignment.scopeNodeId })),
    createdAt: user.createdAt,
  };
}

/** The signed-in user, with what they still have to do before anything else works. */
export function presentOwnUser(user: OwnUserView) {
  return { ...presentUser(user), mfaEnrollmentRequired: user.mfaEnrollmentRequired };
}

/** A live session: never its token or the token's hash. */
export function presentSession(session: SessionView) {
  return {
    id: session.id,
    userId: session.userId,
    username: session.username,
    source: session.source,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    idleExpiresAt: session.idleExpiresAt,
    expiresAt: session.expiresAt,
    current: session.current,
  };
}

/** Where a user stands with their second factor. */
export function presentMfaStatus(status: MfaStatus) {
  return {
    enrolled: status.enrolled,
    enabledAt: status.enabledAt,
    pendingUntil: status.pendingUntil,
    recoveryCodesLeft: status.recoveryCodesLeft,
    required: status.required,
  };
}

/** An enrolment, shown once: the secret leaves here and nowhere else. */
export function presentMfaEnrolment(enrolment: MfaEnrolment) {
  return { secret: enrolment.secret, otpauthUri: enrolment.otpauthUri, qrSvg: enrolment.qrSvg, expiresAt: enrolment.expiresAt };
}
