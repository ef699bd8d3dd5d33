import { AuditTrail, type Clock } from '../audit/index.js';
import { ForgelineError, idSchema } from '../domain/index.js';
import { withWriteTransaction, type Store, type WriteTransaction } from '../store/index.js';
import { assertPersonalSession } from './own-account.js';
import { assertCan } from './policy.js';
import { revokeSessionsOf } from './session-revocation.js';
import { sessionEnd, sessionIdleEnd } from './session-service.js';
import type { SitePolicyService } from './site-policy-service.js';
import { auditActorOf, type Actor } from './subject.js';
import { requireNamedUser } from './user-lookup.js';

/** A live session as it is listed: never the token or its hash. */
export interface SessionView {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  /** The address it was opened from. */
  readonly source: string | null;
  readonly createdAt: string;
  /** Its last use, to the minute. */
  readonly lastSeenAt: string;
  /** When it ends if unused from now on. */
  readonly idleExpiresAt: string;
  /** When it ends however it is used. */
  readonly expiresAt: string;
  /** The session the listing was asked with. */
  readonly current: boolean;
}

/**
 * The live sessions of users: each person lists and ends their own; admins
 * (and, reading, auditors) those of anyone. Every revocation is audited.
 */
export class SessionDirectory {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly policy: SitePolicyService }) {
    this.audit = new AuditTrail(deps);
  }

  /** The actor's own live sessions, the one the request came with marked current. */
  async listOwn(actor: Actor): Promise<SessionView[]> {
    assertPersonalSession(actor);
    return this.live(actor.subject.userId, actor.subject.sessionId ?? null);
  }

  /** The live sessions of a user, by id or username (admins, auditors). */
  async listOf(actor: Actor, idOrUsername: string): Promise<SessionView[]> {
    assertCan(actor.subject, 'user.read', { kind: 'system' });
    const user = await requireNamedUser(this.deps.store.db, idOrUsername);
    return this.live(user.id, null);
  }

  /** Ends one of the actor's own sessions; another user's session is `not-found`, as if it did not exist. */
  async revokeOwn(actor: Actor, sessionId: string): Promise<void> {
    assertPersonalSession(actor);
    if (!(await this.revokeOne(actor, actor.subject.userId, sessionId, 'revoked-by-user'))) throw new ForgelineError('not-found', `you have no live session ${sessionId}`);
  }

  /** Ends one live session of a user, by id or username (admins); a session of anyone else is `not-found`. */
  async revokeOneOf(actor: Actor, idOrUsername: string, sessionId: string): Promise<void> {
    await this.audit.authorize(actor, 'user.manage', { kind: 'system' }, { kind: 'session.revoke', detail: { user: idOrUsername, sessionId } });
    const user = await requireNamedUser(this.deps.store.db, idOrUsername);
    if (!(await this.revokeOne(actor, user.id, sessionId, 'revoked-by-admin'))) throw new ForgelineError('not-found', `${user.username} has no live session ${sessionId}`);
  }

  /** Ends session `sessionId` if it is a live one of `userId`, audited in the same transaction; answers whether it did. */
  private async revokeOne(actor: Actor, userId: string, sessionId: string, reason: 'revoked-by-user' | 'revoked-by-admin'): Promise<boolean> {
    const id = idSchema.safeParse(sessionId);
    if (!id.success) return false;
    const now = this.deps.clock.now().toISOString();
    return withWriteTransaction(this.deps.store, async (trx) => {
      const result = await trx
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('id', '=', id.data)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await this.audit.record(trx, { kind: 'session.revoke', outcome: 'ok', actor: auditActorOf(actor), detail: { reason, sessionId: id.data, userId } });
      return true;
    });
  }

  /** Ends every session of the actor except the one the request came with ("sign out everywhere else"); returns how many. */
  async revokeOtherOwn(actor: Actor): Promise<number> {
    assertPersonalSession(actor);
    return this.revokeAll(actor, actor.subject.userId, 'revoked-by-user', actor.subject.sessionId);
  }

  /** Ends every session of a user (admins); returns how many. */
  async revokeAllOf(actor: Actor, idOrUsername: string): Promise<number> {
    await this.audit.authorize(actor, 'user.manage', { kind: 'system' }, { kind: 'session.revoke', detail: { user: idOrUsername } });
    const user = await requireNamedUser(this.deps.store.db, idOrUsername);
    return this.revokeAll(actor, user.id, 'revoked-by-admin');
  }

  private async revokeAll(actor: Actor, userId: string, reason: 'revoked-by-user' | 'revoked-by-admin', exceptSessionId?: string): Promise<number> {
    const now = this.deps.clock.now().toISOString();
    return withWriteTransaction(this.deps.store, async (trx: WriteTransaction) => {
      const count = await revokeSessionsOf(trx, userId, now, reason, exceptSessionId);
      await this.audit.record(trx, { kind: 'session.revoke', outcome: 'ok', actor: auditActorOf(actor), detail: { reason, userId, count } });
      return count;
    });
  }

  private async live(userId: string, currentSessionId: string | null): Promise<SessionView[]> {
    const policy = await this.deps.policy.current();
    const now = this.deps.clock.now();
    const rows = await this.deps.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'sessions.user_id', 'users.username', 'sessions.source', 'sessions.created_at', 'sessions.last_seen_at', 'sessions.expires_at'])
      .where('sessions.user_id', '=', userId)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now.toISOString())
      .orderBy('sessions.created_at', 'desc')
      .execute();
    return rows
      .filter((row) => sessionEnd(row, policy) > now.getTime() && sessionIdleEnd(row, policy) > now.getTime())
      .map((row) => ({
        id: row.id,
        userId: row.user_id,
        username: row.username,
        source: row.source,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at ?? row.created_at,
        idleExpiresAt: new Date(sessionIdleEnd(row, policy)).toISOString(),
        expiresAt: new Date(sessionEnd(row, policy)).toISOString(),
        current: row.id === currentSessionId,
      }));
  }
}
