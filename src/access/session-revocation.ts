import type { WriteTransaction } from '../store/index.js';

/** Why a session was ended before it expired; stored in `sessions.revoked_reason` and shown in the audit log. */
export const SESSION_REVOKE_REASONS = [
  'sign-out',
  'revoked-by-user',
  'revoked-by-admin',
  'password-change',
  'role-change',
  'user-disabled',
  'mfa-reset',
] as const;

/** One of {@link SESSION_REVOKE_REASONS}. */
export type SessionRevokeReason = (typeof SESSION_REVOKE_REASONS)[number];

/**
 * Ends every live session of a user inside the caller's transaction, except
 * `exceptSessionId` (the session making the change); returns how many ended.
 */
export async function revokeSessionsOf(
  trx: WriteTransaction,
  userId: string,
  now: string,
  reason: SessionRevokeReason,
  exceptSessionId?: string,
): Promise<number> {
  let update = trx.updateTable('sessions').set({ revoked_at: now, revoked_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptSessionId !== undefined) update = update.where('id', '!=', exceptSessionId);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
