/**
 * Re-authentication for electronic signatures (issue 4 point 5, in the manner of
 * 21 CFR Part 11 §11.200): the signer proves again, at the moment of signing,
 * who they are: their password every time and, when they have a second factor,
 * a current TOTP code not used before. After such a full signature, further
 * signatures in the same session within the signing window need the password
 * only (§11.200(a)(1)(i): one component within a continuous period of access;
 * the site policy's `signingWindowMinutes`, 5 by default, 0 to ask a code every time),
 * so an approver can release a shift's orders without waiting for a new code
 * each time. Recovery codes never sign: they regain access, they do not approve.
 */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.js';
import type { Database, WriteTransaction } from '../store/index.js';
import { verifyPassword } from './passwords.js';
import { spendTotpStep } from './second-factor.js';
import type { Subject } from './subject.js';
import { verifyTotp } from './totp.js';
import { openTotpSecret } from './totp-secret-store.js';

/** What a signer gives with a signed action. */
export interface SignerCredentials {
  readonly password: string;
  /** The current 6-digit TOTP code; required when the signer has a second factor, outside the signing window. */
  readonly totp?: string | undefined;
}

/** How the signer proved who they are. */
export type SignatureMethod = 'password' | 'password+totp' | 'password (signing window)';

/** The answer of {@link checkSigner}: the TOTP step to spend with the change, or why the signature fails. */
export type SignerCheck =
  | { readonly ok: true; readonly method: SignatureMethod; readonly totpStep: number | null }
  | { readonly ok: false; readonly reason: string };

/** Checks a signer's credentials now. Slow (argon2id): call it outside any write transaction. */
export async function checkSigner(db: Kysely<Database>, subject: Subject, credentials: SignerCredentials, nowMs: number, keyring?: Keyring): Promise<SignerCheck> {
  const user = await db.selectFrom('users').select(['password_hash', 'disabled', 'mfa_secret', 'mfa_last_step']).where('id', '=', subject.userId).executeTakeFirst();
  if (!user || user.disabled === 1) return { ok: false, reason: 'the signer is unknown or disabled' };
  if (!(await verifyPassword(user.password_hash, credentials.password))) return { ok: false, reason: 'the signature password is wrong' };
  if (user.mfa_secret === null) return { ok: true, method: 'password', totpStep: null };
  if (credentials.totp === undefined) {
    if (await withinSigningWindow(db, subject, nowMs)) return { ok: true, method: 'password (signing window)', totpStep: null };
    return { ok: false, reason: 'the signature needs a one-time code from your authenticator' };
  }
  const result = verifyTotp(await openTotpSecret(keyring, user.mfa_secret), credentials.totp, nowMs, user.mfa_last_step === null ? null : Number(user.mfa_last_step));
  return result.ok ? { ok: true, method: 'password+totp', totpStep: result.step } : { ok: false, reason: 'the signature one-time code is wrong, expired or already used' };
}

async function withinSigningWindow(db: Kysely<Database>, subject: Subject, nowMs: number): Promise<boolean> {
  if (subject.sessionId === undefined) return false;
  const session = await db.selectFrom('sessions').select(['signing_until', 'revoked_at']).where('id', '=', subject.sessionId).where('user_id', '=', subject.userId).executeTakeFirst();
  return session !== undefined && session.revoked_at === null && session.signing_until !== null && Date.parse(session.signing_until) > nowMs;
}

/**
 * Spends TOTP time step `step` in the signed change's own transaction, so a code signs
 * once even when two requests race with it, and opens the session's signing window.
 * False: this or a later code was used first.
 */
export async function consumeSignatureCode(trx: WriteTransaction, subject: Subject, step: number, signingUntil: string): Promise<boolean> {
  if (!(await spendTotpStep(trx, subject.userId, step))) return false;
  if (subject.sessionId !== undefined) await trx.updateTable('sessions').set({ signing_until: signingUntil }).where('id', '=', subject.sessionId).execute();
  return true;
}
