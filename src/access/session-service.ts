import { randomUUID } from 'node:crypto';
import type { Keyring } from '../crypto/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import { hashToken, randomToken } from '../crypto/index.js';
import { ForgelineError, isRole } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { openTotpSecret } from './totp-secret-store.js';
import { throttleKeys, type AccountGuard } from './account-guard.js';
import { accountKey, type LoginThrottle } from './login-throttle.js';
import { verifyDecoy, verifyPassword } from './passwords.js';
import { spendSecondFactor, type SecondFactorCheck } from './second-factor.js';
import { mfaRequiredFor, type SitePolicy } from './site-policy.js';
import type { SitePolicyService } from './site-policy-service.js';
import { auditActorOf, type Actor, type RoleAssignment, type Subject } from './subject.js';

/** What a successful sign-in returns: the bearer token (shown once, stored only as a hash) and its expiry. */
export interface NewSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly passwordChangeRequired: boolean;
  /** A role of the user needs a second factor they have not enrolled: until they do, only enrolment and a password change work. */
  readonly mfaEnrollmentRequired: boolean;
}

/** A sign-in attempt: credentials as typed, and where it came from. */
export interface LoginAttempt {
  readonly username: string;
  readonly password: string;
  /** The current TOTP code, or a recovery code; needed once the user has enrolled. */
  readonly totp?: string | undefined;
  readonly source: string | null;
}

/** The last use of a session is written at most this often, so requests do not each cost a write. */
export const LAST_SEEN_INTERVAL_MS = 60_000;

/** Loads a user's role assignments, in a stable order (by role, then scope). */
export async function loadRoles(store: Store, userId: string): Promise<RoleAssignment[]> {
  const rows = await store.db.selectFrom('role_assignments').select(['role', 'scope_node_id']).where('user_id', '=', userId).orderBy('role').orderBy('scope_node_id').execute();
  return rows.flatMap((row) => (isRole(row.role) ? [{ role: row.role, scopeNodeId: row.scope_node_id }] : []));
}

/** When a session ends for good: its stored expiry, or sooner when the policy's absolute lifetime has since been shortened. */
export function sessionEnd(session: { readonly created_at: string; readonly expires_at: string }, policy: SitePolicy): number {
  return Math.min(Date.parse(session.expires_at), Date.parse(session.created_at) + policy.sessionAbsoluteHours * 3600_000);
}

/** When a session ends if unused: its last use plus the policy's idle time. */
export function sessionIdleEnd(session: { readonly created_at: string; readonly last_seen_at: string | null }, policy: SitePolicy): number {
  return Date.parse(session.last_seen_at ?? session.created_at) + policy.sessionIdleMinutes * 60_000;
}

/**
 * Sign-in and bearer-token authentication. Tokens are 256-bit random values; only
 * their SHA-256 is stored, so a database leak does not leak live sessions. A
 * session ends at its absolute expiry, after the policy's idle time, or when revoked.
 */
export class SessionService {
  private readonly audit: AuditTrail;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly clock: Clock;
      readonly policy: SitePolicyService;
      readonly throttle: LoginThrottle;
      readonly guard: AccountGuard;
      /** Wraps the TOTP secrets at rest; without it they are read only if stored in clear (tools, unit tests). */
      readonly keyring?: Keyring;
    },
  ) {
    this.audit = new AuditTrail(deps);
  }

  /**
   * Checks the password, then the second factor when the user has one, and opens
   * a session. A missing account, a wrong password and a disabled account give the
   * same error in the same time; a locked username or source address is refused
   * before anything is checked.
   */
  async login(attempt: LoginAttempt): Promise<NewSession> {
    const { username, password, source } = attempt;
    const keys = throttleKeys(username, source);
    await this.deps.guard.assertNotLocked(keys, { kind: 'session.create', actor: { userId: null, username: username.slice(0, 64), source } });
    const user = await this.deps.store.db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash', 'disabled', 'password_must_change', 'mfa_secret'])
      .where('username', '=', username)
      .executeTakeFirst();
    const passwordOk = user ? await verifyPassword(user.password_hash, password) : await verifyDecoy(password);
    if (!user || !passwordOk || user.disabled) {
      await this.deps.guard.fail(keys, {
        kind: 'session.create',
        actor: { userId: user?.id ?? null, username: user?.username ?? username.slice(0, 64), source },
        detail: { reason: !user ? 'unknown-user' : !passwordOk ? 'wrong-password' : 'disabled' },
      });
      throw new ForgelineError('invalid-credentials');
    }
    const actor = { userId: user.id, username: user.username, source };
    const totp = attempt.totp?.trim() ?? '';
    if (user.mfa_secret !== null && totp === '') {
      // Not counted as a failure: it is the first step of every interactive sign-in with MFA.
      await this.audit.recordAlone({ kind: 'session.create', outcome: 'denied', actor, detail: { reason: 'mfa-required' } });
      throw new ForgelineError('mfa-required', 'This account has a second factor: send the current code from your authenticator app as totp (or a recovery code)');
    }
    const now = this.deps.clock.now();
    const policy = await this.deps.policy.current();
    const roles = await loadRoles(this.deps.store, user.id);
    const mfaEnrollmentRequired = user.mfa_secret === null && mfaRequiredFor(policy, roles);
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + policy.sessionAbsoluteHours * 3600_000).toISOString();
    // Unwrapped before the transaction: the keyring may call out to a KMS.
    const secret = user.mfa_secret === null ? null : await openTotpSecret(this.deps.keyring, user.mfa_secret);
    const check = await withWriteTransaction(this.deps.store, async (trx): Promise<SecondFactorCheck | null> => {
      // The code is spent in the same transaction that opens the session: accepted once, or not at all.
      const factor = secret === null ? null : await spendSecondFactor(trx, { id: user.id, mfaSecret: secret }, totp, now);
      if (factor !== null && !factor.ok) return factor;
      await this.deps.throttle.clear(trx, accountKey(username));
      await trx
        .insertInto('sessions')
        .values({ id: randomUUID(), token_hash: hashToken(token), user_id: user.id, source, created_at: now.toISOString(), expires_at: expiresAt, revoked_at: null, last_seen_at: now.toISOString() })
        .execute();
      await this.audit.record(trx, {
        kind: 'session.create',
        outcome: 'ok',
        actor,
        detail: {
          factor: factor?.factor ?? 'password',
          ...(factor?.recoveryCodesLeft != null ? { recoveryCodesLeft: factor.recoveryCodesLeft } : {}),
          ...(mfaEnrollmentRequired ? { mfaEnrollmentRequired } : {}),
        },
      });
      return factor;
    });
    if (check !== null && !check.ok) {
      await this.deps.guard.fail(keys, { kind: 'session.create', actor, detail: { reason: check.reason } });
      throw new ForgelineError('mfa-invalid');
    }
    return { token, expiresAt, passwordChangeRequired: user.password_must_change === 1, mfaEnrollmentRequired };
  }

  /**
   * Resolves a bearer token to its subject, or null when it is unknown, revoked,
   * past its absolute or idle expiry, or its user disabled. Records the use at
   * most once a minute (the idle expiry counts from it), unless `activity` is false
   * (a long-lived stream re-checking its caller, which is not the person's doing).
   */
  async authenticate(token: string, _source?: string | null, options: { readonly activity?: boolean } = {}): Promise<Subject | null> {
    // One round trip per request: the session, its user and the user's roles (a row per role).
    const rows = await this.deps.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('role_assignments', 'role_assignments.user_id', 'users.id')
      .select([
        'sessions.id as sessionId', 'sessions.created_at', 'sessions.expires_at', 'sessions.last_seen_at', 'sessions.revoked_at',
        'users.id as userId', 'users.username', 'users.disabled', 'users.password_must_change', 'users.mfa_enabled_at',
        'role_assignments.role', 'role_assignments.scope_node_id',
      ])
      .where('sessions.token_hash', '=', hashToken(token))
      .execute();
    const row = rows[0];
    if (!row || row.disabled || row.revoked_at !== null) return null;
    const now = this.deps.clock.now().getTime();
    const policy = await this.deps.policy.current();
    if (sessionEnd(row, policy) <= now || sessionIdleEnd(row, policy) <= now) return null;
    // A stream re-checking its caller is not activity: only requests the person made keep the session from idling out.
    if (options.activity !== false && now - Date.parse(row.last_seen_at ?? row.created_at) >= LAST_SEEN_INTERVAL_MS) await this.touch(row.sessionId, new Date(now).toISOString());
    const roles = rows.flatMap((r) => (r.role !== null && isRole(r.role) ? [{ role: r.role, scopeNodeId: r.scope_node_id }] : []));
    return {
      userId: row.userId,
      username: row.username,
      roles,
      passwordMustChange: row.password_must_change === 1,
      mfaEnrollmentRequired: row.mfa_enabled_at === null && mfaRequiredFor(policy, roles),
      sessionId: row.sessionId,
    };
  }

  /** Ends the session the request came with (sign-out). */
  async revoke(actor: Actor): Promise<void> {
    // An API-token request has no session to end.
    const sessionId = actor.subject.sessionId;
    if (sessionId === undefined) return;
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const ended = await trx.updateTable('sessions').set({ revoked_at: now, revoked_reason: 'sign-out' })
        .where('id', '=', sessionId).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(ended.numUpdatedRows) !== 1) return;
      await this.audit.record(trx, { kind: 'session.revoke', outcome: 'ok', actor: auditActorOf(actor), detail: { reason: 'sign-out' } });
    });
  }


  private async touch(sessionId: string, now: string): Promise<void> {
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
    });
  }
}
