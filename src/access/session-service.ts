import { randomUUID } from 'node:crypto';
import { AuditTrail, type Clock } from '../audit/index.js';
import { hashToken, randomToken } from '../crypto/index.js';
import { ForgelineError, isRole } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { verifyDecoy, verifyPassword } from './passwords.js';
import type { RoleAssignment, Subject } from './subject.js';

/** What a successful sign-in returns: the bearer token (shown once, stored only as a hash) and its expiry. */
export interface NewSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly passwordChangeRequired: boolean;
}

/** Loads a user's role assignments. */
export async function loadRoles(store: Store, userId: string): Promise<RoleAssignment[]> {
  const rows = await store.db.selectFrom('role_assignments').select(['role', 'scope_node_id']).where('user_id', '=', userId).execute();
  return rows.flatMap((row) => (isRole(row.role) ? [{ role: row.role, scopeNodeId: row.scope_node_id }] : []));
}

/**
 * Sign-in and bearer-token authentication. Tokens are 256-bit random values; only
 * their SHA-256 is stored, so a database leak does not leak live sessions.
 */
export class SessionService {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly sessionTtlMs: number }) {
    this.audit = new AuditTrail(deps);
  }

  /** Checks a username and password and opens a session; the same error for a missing account and a wrong password. */
  async login(username: string, password: string, source: string | null): Promise<NewSession> {
    const user = await this.deps.store.db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash', 'disabled', 'password_must_change'])
      .where('username', '=', username)
      .executeTakeFirst();
    const passwordOk = user ? await verifyPassword(user.password_hash, password) : await verifyDecoy(password);
    if (!user || !passwordOk || user.disabled) {
      await this.audit.recordAlone({
        kind: 'session.create',
        outcome: 'denied',
        actor: { userId: user?.id ?? null, username: user?.username ?? username.slice(0, 64), source },
        detail: { reason: !user ? 'unknown-user' : user.disabled ? 'disabled' : 'wrong-password' },
      });
      throw new ForgelineError('invalid-credentials');
    }
    const token = randomToken();
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + this.deps.sessionTtlMs).toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx
        .insertInto('sessions')
        .values({ id: randomUUID(), token_hash: hashToken(token), user_id: user.id, source, created_at: now.toISOString(), expires_at: expiresAt, revoked_at: null })
        .execute();
      await this.audit.record(trx, { kind: 'session.create', outcome: 'ok', actor: { userId: user.id, username: user.username, source } });
    });
    return { token, expiresAt, passwordChangeRequired: user.password_must_change === 1 };
  }

  /** Resolves a bearer token to its subject, or null when it is unknown, expired, revoked or its user disabled. */
  async authenticate(token: string): Promise<Subject | null> {
    // One round trip per request: the session, its user and the user's roles (a row per role).
    const rows = await this.deps.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('role_assignments', 'role_assignments.user_id', 'users.id')
      .select(['users.id as userId', 'users.username', 'users.disabled', 'users.password_must_change', 'sessions.expires_at', 'sessions.revoked_at', 'role_assignments.role', 'role_assignments.scope_node_id'])
      .where('sessions.token_hash', '=', hashToken(token))
      .execute();
    const row = rows[0];
    if (!row || row.disabled || row.revoked_at !== null) return null;
    if (Date.parse(row.expires_at) <= this.deps.clock.now().getTime()) return null;
    return {
      userId: row.userId,
      username: row.username,
      roles: rows.flatMap((r) => (r.role !== null && isRole(r.role) ? [{ role: r.role, scopeNodeId: r.scope_node_id }] : [])),
      passwordMustChange: row.password_must_change === 1,
    };
  }

  /** Ends the session of a token (sign-out). */
  async revoke(token: string, source: string | null): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const session = await trx
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.id', 'users.id as userId', 'users.username'])
        .where('token_hash', '=', hashToken(token))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!session) return;
      await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', session.id).execute();
      await this.audit.record(trx, { kind: 'session.revoke', outcome: 'ok', actor: { userId: session.userId, username: session.username, source } });
    });
  }
}
