/**
 * Checking the second factor of an enrolled user: a TOTP code (RFC 6238) or
 * one of their recovery codes. Either is spent in the caller's write
 * transaction, so a code is accepted once even by two servers at the same instant.
 */
import type { WriteTransaction } from '../store/index.js';
import { matchRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { verifyTotp } from './totp.js';

/** Which second factor was used. */
export type SecondFactor = 'totp' | 'recovery-code';

/** The outcome of {@link spendSecondFactor}; the reason goes to the audit log only, the user sees one error. */
export type SecondFactorCheck =
  | { readonly ok: true; readonly factor: SecondFactor; readonly recoveryCodesLeft: number | null }
  | { readonly ok: false; readonly reason: 'wrong-code' | 'replayed-code' };

/** An enrolled user as the check needs them: the id and the TOTP secret (opened before the transaction: unwrapping may call a KMS). */
export interface EnrolledUser {
  readonly id: string;
  readonly mfaSecret: Buffer;
}

/**
 * Accepts `code` for `user` at `now` and records that it was used: a TOTP
 * step must be later than the last one accepted (RFC 6238 §5.2: each code
 * once), a recovery code must be unused. Nothing is written when it fails.
 */
export async function spendSecondFactor(trx: WriteTransaction, user: EnrolledUser, code: string, now: Date): Promise<SecondFactorCheck> {
  const compact = code.replace(/\s+/g, '');
  if (/^[0-9]{6}$/.test(compact)) return spendTotp(trx, user, compact, now);
  if (normalizeRecoveryCode(compact) !== null) return spendRecoveryCode(trx, user.id, compact, now);
  return { ok: false, reason: 'wrong-code' };
}

async function spendTotp(trx: WriteTransaction, user: EnrolledUser, code: string, now: Date): Promise<SecondFactorCheck> {
  const secret = user.mfaSecret;
  const { mfa_last_step: lastStep } = await trx.selectFrom('users').select('mfa_last_step').where('id', '=', user.id).executeTakeFirstOrThrow();
  const verified = verifyTotp(secret, code, now.getTime(), lastStep);
  if (!verified.ok) {
    // Valid but at or before the last accepted step: a replay, worth telling apart in the audit log.
    return { ok: false, reason: verifyTotp(secret, code, now.getTime(), null).ok ? 'replayed-code' : 'wrong-code' };
  }
  if (!(await spendTotpStep(trx, user.id, verified.step))) return { ok: false, reason: 'replayed-code' };
  return { ok: true, factor: 'totp', recoveryCodesLeft: null };
}

/**
 * Records TOTP time step `step` as the user's last accepted one, in the caller's transaction.
 * False when this or a later step was accepted first: the condition makes the step move forward
 * only, so of two requests racing with one code (sign-in or signature), one changes the row.
 */
export async function spendTotpStep(trx: WriteTransaction, userId: string, step: number): Promise<boolean> {
  const moved = await trx
    .updateTable('users')
    .set({ mfa_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

async function spendRecoveryCode(trx: WriteTransaction, userId: string, code: string, now: Date): Promise<SecondFactorCheck> {
  const codes = await trx.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', userId).execute();
  const matched = codes[matchRecoveryCode(codes.map((row) => row.code_hash), code)];
  if (matched === undefined) return { ok: false, reason: 'wrong-code' };
  if (matched.used_at !== null) return { ok: false, reason: 'replayed-code' };
  const hash = matched.code_hash;
  const struck = await trx
    .updateTable('recovery_codes')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(struck.numUpdatedRows) !== 1) return { ok: false, reason: 'replayed-code' };
  return { ok: true, factor: 'recovery-code', recoveryCodesLeft: codes.filter((row) => row.used_at === null).length - 1 };
}
