import { z } from 'zod';
import type { Keyring } from '../crypto/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import { ForgelineError, parseOrThrow, text } from '../domain/index.js';
import { withWriteTransaction, type Store, type WriteTransaction } from '../store/index.js';
import { throttleKeys, type AccountGuard } from './account-guard.js';
import { qrSvg } from './enrolment-qr.js';
import { assertPersonalSession } from './own-account.js';
import { verifyPassword } from './passwords.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { spendSecondFactor } from './second-factor.js';
import { loadRoles } from './session-service.js';
import { revokeSessionsOf } from './session-revocation.js';
import { mfaRequiredFor } from './site-policy.js';
import type { SitePolicyService } from './site-policy-service.js';
import { requireNamedUser } from './user-lookup.js';
import { auditActorOf, type Actor } from './subject.js';
import { base32Encode, generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import { openTotpSecret, sealTotpSecret } from './totp-secret-store.js';

/** How long an enrolment shown to the user waits for its first code. */
export const MFA_ENROLMENT_TTL_MS = 15 * 60_000;

/** The issuer authenticator apps show beside the account name. */
export const DEFAULT_TOTP_ISSUER = 'Forgeline';

/** Confirming an enrolment: the first code the app shows. */
export const mfaConfirmSchema = z.strictObject({ code: z.string().min(1).max(32) });

/** Re-authentication for changes to the second factor: the password and a current code (or a recovery code). */
export const mfaReauthSchema = z.strictObject({ password: z.string().min(1).max(1024), code: z.string().min(1).max(32) });

/** An admin's reset of someone's second factor, with an optional reason for the audit log. */
export const mfaResetSchema = z.strictObject({ reason: text(500).optional() });

/** Where a user stands with their second factor. */
export interface MfaStatus {
  readonly enrolled: boolean;
  readonly enabledAt: string | null;
  /** An enrolment waits for its first code until this time. */
  readonly pendingUntil: string | null;
  readonly recoveryCodesLeft: number;
  /** A role of the user (or the site policy) requires a second factor. */
  readonly required: boolean;
}

/** What enrolment shows once: the secret as base32, the `otpauth://` URI, and the URI as an SVG QR code. */
export interface MfaEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrSvg: string;
  readonly expiresAt: string;
}

/** Fresh recovery codes, shown this once; only their hashes are kept. */
export interface RecoveryCodes {
  readonly recoveryCodes: readonly string[];
}

/**
 * The second factor of users (TOTP, RFC 6238): enrolment shown then confirmed
 * with a first code, recovery codes, disabling by the owner, and an admin's
 * reset. The secret is stored wrapped by the keyring in `users.mfa_secret`
 * (totp-secret-store.ts).
 */
export class MfaService {
  private readonly audit: AuditTrail;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly clock: Clock;
      readonly policy: SitePolicyService;
      readonly guard: AccountGuard;
      readonly issuer?: string;
      /** Wraps the TOTP secrets at rest; without it they are stored in clear (tools, unit tests). */
      readonly keyring?: Keyring;
    },
  ) {
    this.audit = new AuditTrail(deps);
  }

  /** The actor's own second-factor status. */
  async status(actor: Actor): Promise<MfaStatus> {
    assertPersonalSession(actor);
    const user = await this.user(actor.subject.userId);
    const left = await this.deps.store.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    const pendingUntil = this.pendingUntil(user.mfa_pending_at);
    return {
      enrolled: user.mfa_secret !== null,
      enabledAt: user.mfa_enabled_at,
      pendingUntil: user.mfa_pending_secret !== null && pendingUntil !== null && Date.parse(pendingUntil) > this.deps.clock.now().getTime() ? pendingUntil : null,
      recoveryCodesLeft: user.mfa_secret === null ? 0 : left.length,
      required: mfaRequiredFor(await this.deps.policy.current(), await loadRoles(this.deps.store, user.id)),
    };
  }

  /**
   * Starts enrolment: a new secret, kept pending until a first code confirms it.
   * Refused once a second factor is enrolled (disable it, or have an admin reset it, first).
   */
  async beginEnrolment(actor: Actor): Promise<MfaEnrolment> {
    assertPersonalSession(actor);
    if (actor.subject.passwordMustChange) throw new ForgelineError('password-change-required', 'change your one-time password first, then enrol');
    const secret = generateTotpSecret();
    const now = this.deps.clock.now();
    const sealed = await sealTotpSecret(this.deps.keyring, secret);
    await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await trx.selectFrom('users').select(['mfa_secret']).where('id', '=', actor.subject.userId).executeTakeFirstOrThrow();
      if (user.mfa_secret !== null) throw new ForgelineError('conflict', 'a second factor is already enrolled; disable it first (or ask an admin to reset it)');
      await trx.updateTable('users').set({ mfa_pending_secret: sealed, mfa_pending_at: now.toISOString() }).where('id', '=', actor.subject.userId).execute();
      await this.audit.record(trx, { kind: 'mfa.enrol', outcome: 'ok', actor: auditActorOf(actor) });
    });
    const uri = otpauthUri({ issuer: this.deps.issuer ?? DEFAULT_TOTP_ISSUER, account: actor.subject.username, secret });
    return { secret: base32Encode(secret), otpauthUri: uri, qrSvg: qrSvg(uri), expiresAt: new Date(now.getTime() + MFA_ENROLMENT_TTL_MS).toISOString() };
  }

  /** Confirms the pending enrolment with a first code; returns the ten recovery codes, shown this once. */
  async confirmEnrolment(actor: Actor, input: unknown): Promise<RecoveryCodes & { readonly enabledAt: string }> {
    assertPersonalSession(actor);
    const { code } = parseOrThrow(mfaConfirmSchema, input, 'MFA confirmation');
    const now = this.deps.clock.now();
    const user = await this.user(actor.subject.userId);
    const pendingUntil = this.pendingUntil(user.mfa_pending_at);
    if (user.mfa_secret !== null) throw new ForgelineError('conflict', 'a second factor is already enrolled');
    if (user.mfa_pending_secret === null || pendingUntil === null || Date.parse(pendingUntil) <= now.getTime()) {
      throw new ForgelineError('not-found', 'no enrolment is waiting for its first code (they last 15 minutes): start one again');
    }
    const pending = user.mfa_pending_secret;
    const verified = verifyTotp(await openTotpSecret(this.deps.keyring, pending), code.replace(/\s+/g, ''), now.getTime(), null);
    if (!verified.ok) {
      await this.audit.recordAlone({ kind: 'mfa.confirm', outcome: 'denied', actor: auditActorOf(actor), detail: { reason: 'wrong-code' } });
      throw new ForgelineError('mfa-invalid', 'The code does not match: check the time on your phone and type the code shown now');
    }
    const codes = generateRecoveryCodes();
    const confirmed = await withWriteTransaction(this.deps.store, async (trx) => {
      // Only the enrolment that was checked moves over, so two racing confirmations enrol one secret once.
      const moved = await trx
        .updateTable('users')
        .set({ mfa_secret: pending, mfa_last_step: verified.step, mfa_enabled_at: now.toISOString(), mfa_pending_secret: null, mfa_pending_at: null })
        .where('id', '=', user.id)
        .where('mfa_pending_secret', '=', pending)
        .where('mfa_secret', 'is', null)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await this.replaceRecoveryCodes(trx, user.id, codes, now);
      await this.audit.record(trx, { kind: 'mfa.confirm', outcome: 'ok', actor: auditActorOf(actor), detail: { recoveryCodes: codes.length } });
      return true;
    });
    if (!confirmed) throw new ForgelineError('conflict', 'the enrolment changed meanwhile; start again');
    return { enabledAt: now.toISOString(), recoveryCodes: codes };
  }

  /** Replaces the actor's recovery codes (password and a current code needed); returns the new ones, shown this once. */
  async regenerateRecoveryCodes(actor: Actor, input: unknown): Promise<RecoveryCodes> {
    const codes = generateRecoveryCodes();
    await this.withReauthentication(actor, input, 'mfa.recovery-codes', async (trx, now) => {
      await this.replaceRecoveryCodes(trx, actor.subject.userId, codes, now);
      await this.audit.record(trx, { kind: 'mfa.recovery-codes', outcome: 'ok', actor: auditActorOf(actor), detail: { recoveryCodes: codes.length } });
    });
    return { recoveryCodes: codes };
  }

  /**
   * Removes the actor's own second factor (password and a current code needed).
   * Refused while a role of theirs requires one: then only an admin's reset removes it.
   */
  async disable(actor: Actor, input: unknown): Promise<void> {
    assertPersonalSession(actor);
    parseOrThrow(mfaReauthSchema, input, 'MFA change');
    if (mfaRequiredFor(await this.deps.policy.current(), await loadRoles(this.deps.store, actor.subject.userId))) {
      await this.audit.recordAlone({ kind: 'mfa.disable', outcome: 'denied', actor: auditActorOf(actor), detail: { reason: 'required-by-role' } });
      throw new ForgelineError('forbidden', 'a role of yours requires a second factor, so it stays; if you lost your authenticator, an admin can reset it');
    }
    await this.withReauthentication(actor, input, 'mfa.disable', async (trx) => {
      await this.clear(trx, actor.subject.userId);
      await this.audit.record(trx, { kind: 'mfa.disable', outcome: 'ok', actor: auditActorOf(actor) });
    });
  }

  /**
   * An admin removes another user's second factor (a lost phone) and ends their
   * sessions; they enrol again at their next sign-in. Nobody resets their own.
   */
  async reset(actor: Actor, idOrUsername: string, input: unknown = {}): Promise<void> {
    const { reason } = parseOrThrow(mfaResetSchema, input ?? {}, 'MFA reset');
    await this.audit.authorize(actor, 'user.manage', { kind: 'system' }, { kind: 'mfa.reset', detail: { user: idOrUsername } });
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await requireNamedUser(trx, idOrUsername);
      if (user.id === actor.subject.userId) throw new ForgelineError('forbidden', 'you cannot reset your own second factor; another admin must');
      await this.clear(trx, user.id);
      const sessions = await revokeSessionsOf(trx, user.id, now, 'mfa-reset');
      await this.audit.record(trx, {
        kind: 'mfa.reset',
        outcome: 'ok',
        actor: auditActorOf(actor),
        detail: { userId: user.id, username: user.username, wasEnrolled: user.mfaSecret !== null, sessionsRevoked: sessions, ...(reason ? { reason } : {}) },
      });
    });
  }

  /**
   * Checks the password and a code (throttled like sign-in, failures counted and
   * audited as `kind`), then runs `change` in the transaction that spends the code.
   */
  private async withReauthentication(
    actor: Actor,
    input: unknown,
    kind: 'mfa.recovery-codes' | 'mfa.disable',
    change: (trx: WriteTransaction, now: Date) => Promise<void>,
  ): Promise<void> {
    assertPersonalSession(actor);
    const { password, code } = parseOrThrow(mfaReauthSchema, input, 'MFA change');
    const auditActor = auditActorOf(actor);
    const keys = throttleKeys(actor.subject.username, actor.source);
    await this.deps.guard.assertNotLocked(keys, { kind, actor: auditActor });
    const user = await this.user(actor.subject.userId);
    const secret = user.mfa_secret;
    if (secret === null) throw new ForgelineError('not-found', 'no second factor is enrolled');
    if (!(await verifyPassword(user.password_hash, password))) {
      await this.deps.guard.fail(keys, { kind, actor: auditActor, detail: { reason: 'wrong-password' } });
      throw new ForgelineError('invalid-credentials', 'the password is wrong');
    }
    const now = this.deps.clock.now();
    const opened = await openTotpSecret(this.deps.keyring, secret);
    const failure = await withWriteTransaction(this.deps.store, async (trx) => {
      const check = await spendSecondFactor(trx, { id: user.id, mfaSecret: opened }, code, now);
      if (!check.ok) return check.reason;
      await change(trx, now);
      return null;
    });
    if (failure !== null) {
      await this.deps.guard.fail(keys, { kind, actor: auditActor, detail: { reason: failure } });
      throw new ForgelineError('mfa-invalid');
    }
  }

  private async replaceRecoveryCodes(trx: WriteTransaction, userId: string, codes: readonly string[], now: Date): Promise<void> {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((code) => ({ user_id: userId, code_hash: hashRecoveryCode(code), created_at: now.toISOString(), used_at: null })))
      .execute();
  }

  private async clear(trx: WriteTransaction, userId: string): Promise<void> {
    await trx
      .updateTable('users')
      .set({ mfa_secret: null, mfa_enabled_at: null, mfa_last_step: null, mfa_pending_secret: null, mfa_pending_at: null })
      .where('id', '=', userId)
      .execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  }

  private pendingUntil(pendingAt: string | null): string | null {
    return pendingAt === null ? null : new Date(Date.parse(pendingAt) + MFA_ENROLMENT_TTL_MS).toISOString();
  }

  private user(userId: string) {
    return this.deps.store.db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash', 'mfa_secret', 'mfa_enabled_at', 'mfa_pending_secret', 'mfa_pending_at'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
  }
}
