import { randomUUID } from 'node:crypto';
import { AuditTrail, type Clock } from '../audit/index.js';
import { hashToken } from '../crypto/index.js';
import { ForgelineError, idSchema, isRole, parseOrThrow, type ErrorCode } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import {
  apiTokenListQuerySchema, isApiTokenSecret, narrowRoles, newApiTokenSchema, newApiTokenSecret, nodePathIds, tokenManagementRefusal,
  storedTokenActions, SYSTEM_WIDE_TOKEN_ACTIONS, tokenActionRefusal, type NewApiTokenRequest, type ScopedRole,
} from './api-token.js';
import { ACTIONS, ROLE_PERMISSIONS, type Action } from './permissions.js';
import { can, type Resource } from './policy.js';
import { loadRoles } from './session-service.js';
import { auditActorOf, type Actor, type Subject } from './subject.js';
import { findNamedUser } from './user-lookup.js';

/** Where a token stands: usable, past its expiry, or revoked. */
export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

/** An API token as it is listed: everything but the secret (which is never stored) and its hash. */
export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly username: string;
  readonly actions: readonly Action[];
  readonly scopeNodeId: string | null;
  /** Username of who minted it (the user themself, or an admin for a service account). */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  /** When the token was last used, to the minute (it is recorded at most once a minute). */
  readonly lastUsedAt: string | null;
  readonly lastUsedSource: string | null;
  readonly status: ApiTokenStatus;
}

/** A token just minted: its listing and the secret, shown this once. */
export interface CreatedApiToken extends ApiTokenView {
  readonly token: string;
}

/** How often the last use of a token is written: at most once a minute, so requests do not each cost a write. */
export const LAST_USE_INTERVAL_MS = 60_000;

/** How often a refusal of one known token is audited: enough to see a leaked or stale token tried, not a flood. */
const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

const SYSTEM: Resource = { kind: 'system' };

/**
 * API tokens for integrations (issue 4 point 7): minted for oneself or, by an admin,
 * for a service account; confined to listed actions and a plant node; expiring;
 * shown once and stored as a SHA-256 hash; revocable; listed with their last use.
 * A token never does more than its user's own roles allow, and never signs.
 */
export class ApiTokenService {
  private readonly audit: AuditTrail;
  /** When a refusal of each known token was last audited (a misconfigured client retries often). */
  private readonly refusalsAudited = new Map<string, number>();

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
  }

  /** Mints a token; the answer is the only place its secret ever appears. */
  async create(actor: Actor, input: unknown): Promise<CreatedApiToken> {
    const request = parseOrThrow(newApiTokenSchema, input, 'API token');
    const actions = ACTIONS.filter((action) => request.actions.includes(action));
    const refuse = async (code: ErrorCode, reason: string, problems: { path: string; message: string }[] = []): Promise<never> => {
      await this.audit.recordAlone({ kind: 'token.create', outcome: 'denied', actor: auditActorOf(actor), detail: { name: request.name, user: request.user ?? actor.subject.username, actions, reason } });
      throw new ForgelineError(code, reason, { problems });
    };
    const personRefusal = tokenManagementRefusal(actor.subject);
    if (personRefusal) return refuse(personRefusal.code, personRefusal.reason);
    const forbidden = request.actions.flatMap((action, index) => {
      const reason = tokenActionRefusal(action);
      return reason === undefined ? [] : [{ path: `actions.${index}`, message: `${action}: ${reason}` }];
    });
    if (forbidden.length > 0) return refuse('validation-failed', `API tokens cannot carry ${forbidden.map((p) => p.message).join('; ')}`, forbidden);
    const systemWide = request.scopeNodeId === null ? [] : request.actions.flatMap((action, index) =>
      SYSTEM_WIDE_TOKEN_ACTIONS.includes(action) ? [{ path: `actions.${index}`, message: `${action} acts on the whole system, not a plant node: mint it in a token without a scope` }] : [],
    );
    if (systemWide.length > 0) return refuse('validation-failed', systemWide.map((p) => p.message).join('; '), systemWide);

    const owner = await this.owner(actor, request);
    if (owner.disabled) return refuse('validation-failed', `user ${owner.username} is disabled`, [{ path: 'user', message: 'the user is disabled' }]);
    let scopePath: string[] | null = null;
    if (request.scopeNodeId !== null) {
      const node = await this.deps.store.db.selectFrom('plant_nodes').select('path').where('id', '=', request.scopeNodeId).executeTakeFirst();
      if (!node) throw new ForgelineError('unknown-reference', `no plant node ${request.scopeNodeId}`, { problems: [{ path: 'scopeNodeId', message: 'no such plant node' }] });
      scopePath = nodePathIds(node.path);
    }
    const ownerSubject: Subject = { userId: owner.id, username: owner.username, roles: await loadRoles(this.deps.store, owner.id), passwordMustChange: false };
    // A token is a subset of its user: each action must be one a role of theirs allows where the token acts.
    const allows = (action: Action): boolean => {
      if (SYSTEM_WIDE_TOKEN_ACTIONS.includes(action)) return can(ownerSubject, action, SYSTEM).allowed;
      if (scopePath === null) return ownerSubject.roles.some((assignment) => ROLE_PERMISSIONS[assignment.role].includes(action));
      return can(ownerSubject, action, { kind: 'order-scope', scopePath }).allowed;
    };
    const beyond = actions.filter((action) => !allows(action));
    if (beyond.length > 0) {
      const where = request.scopeNodeId === null ? '' : ` at plant node ${request.scopeNodeId}`;
      return refuse('forbidden', `${owner.username} has no role that allows ${beyond.join(', ')}${where}; a token cannot do more than its user`);
    }

    const token = newApiTokenSecret();
    const now = this.deps.clock.now();
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + request.expiresInDays * 86_400_000).toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const sameName = await trx
        .selectFrom('api_tokens').select('id')
        .where('user_id', '=', owner.id).where('name', '=', request.name).where('revoked_at', 'is', null).where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      if (sameName) throw new ForgelineError('conflict', `${owner.username} already has an active API token named "${request.name}"; revoke it or choose another name`);
      await trx
        .insertInto('api_tokens')
        .values({
          id, name: request.name, user_id: owner.id, token_hash: hashToken(token), actions: JSON.stringify(actions), scope_node_id: request.scopeNodeId,
          created_by: actor.subject.userId, created_at: now.toISOString(), expires_at: expiresAt, revoked_at: null, last_used_at: null, last_used_source: null,
        })
        .execute();
      await this.audit.record(trx, {
        kind: 'token.create', outcome: 'ok', actor: auditActorOf(actor),
        detail: { tokenId: id, name: request.name, userId: owner.id, username: owner.username, actions, scopeNodeId: request.scopeNodeId, expiresAt },
      });
    });
    const [view] = await this.views({ id });
    if (!view) throw new Error(`API token ${id} vanished after it was created`);
    return { ...view, token };
  }

  /** Lists tokens, newest first: your own; or, for admins and auditors, one user's (`user`) or everyone's (`all=true`). */
  async list(actor: Actor, input: unknown = {}): Promise<ApiTokenView[]> {
    const query = parseOrThrow(apiTokenListQuerySchema, input, 'API token list query');
    const personRefusal = tokenManagementRefusal(actor.subject);
    if (personRefusal) throw new ForgelineError(personRefusal.code, personRefusal.reason);
    const self = query.user === undefined || query.user === actor.subject.username || query.user === actor.subject.userId;
    if (query.all === 'true' || !self) {
      const decision = can(actor.subject, 'user.read', SYSTEM);
      if (!decision.allowed) throw new ForgelineError(decision.code, 'only admins and auditors list the API tokens of others');
    }
    if (query.all === 'true') return this.views({});
    if (self) return this.views({ userId: actor.subject.userId });
    const user = await findNamedUser(this.deps.store.db, query.user ?? '');
    if (!user) throw new ForgelineError('not-found', `no user ${query.user}`);
    return this.views({ userId: user.id });
  }

  /** Revokes a token at once: its owner or an admin may. Revoking a revoked token changes nothing. */
  async revoke(actor: Actor, id: string): Promise<ApiTokenView> {
    const refuse = async (code: ErrorCode, reason: string, shown = reason): Promise<never> => {
      await this.audit.recordAlone({ kind: 'token.revoke', outcome: 'denied', actor: auditActorOf(actor), detail: { tokenId: id.slice(0, 64), reason } });
      throw new ForgelineError(code, shown);
    };
    const personRefusal = tokenManagementRefusal(actor.subject);
    if (personRefusal) return refuse(personRefusal.code, personRefusal.reason);
    const [view] = idSchema.safeParse(id).success ? await this.views({ id }) : [];
    if (!view) throw new ForgelineError('not-found', `no API token ${id}`);
    if (view.userId !== actor.subject.userId) {
      const decision = can(actor.subject, 'user.manage', SYSTEM);
      // Another user's token is as good as absent: its existence is not revealed.
      if (!decision.allowed) return refuse('not-found', 'the token belongs to another user', `no API token ${id}`);
    }
    if (view.revokedAt !== null) return view;
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const result = await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return;
      await this.audit.record(trx, { kind: 'token.revoke', outcome: 'ok', actor: auditActorOf(actor), detail: { tokenId: id, name: view.name, userId: view.userId, username: view.username } });
    });
    const [revoked] = await this.views({ id });
    return revoked ?? view;
  }

  /**
   * Resolves an API token to the subject it acts as, or null when it is unknown, revoked,
   * expired or its user disabled. The subject holds the user's roles narrowed to the
   * token's scope and the token's restriction; the last use is recorded at most once a minute.
   */
  async authenticate(token: string, source: string | null): Promise<Subject | null> {
    if (!isApiTokenSecret(token)) return null;
    // One round trip: the token, its user, the user's roles with their scope paths, and the token's scope path.
    const rows = await this.deps.store.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .leftJoin('plant_nodes as token_node', 'token_node.id', 'api_tokens.scope_node_id')
      .leftJoin('role_assignments', 'role_assignments.user_id', 'users.id')
      .leftJoin('plant_nodes as role_node', 'role_node.id', 'role_assignments.scope_node_id')
      .select([
        'api_tokens.id', 'api_tokens.name', 'api_tokens.actions', 'api_tokens.scope_node_id', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.last_used_at',
        'users.id as userId', 'users.username', 'users.disabled', 'token_node.path as tokenPath',
        'role_assignments.role', 'role_assignments.scope_node_id as roleScopeId', 'role_node.path as rolePath',
      ])
      // The database finds the row by the SHA-256 of the token: no secret is compared in JavaScript.
      .where('api_tokens.token_hash', '=', hashToken(token))
      .execute();
    const row = rows[0];
    if (!row) return null;
    const now = this.deps.clock.now();
    const refusal = row.revoked_at !== null ? 'revoked' : Date.parse(row.expires_at) <= now.getTime() ? 'expired' : row.disabled ? 'user-disabled' : null;
    if (refusal !== null) {
      await this.auditRefusal(row, refusal, source, now.getTime());
      return null;
    }
    const roles: ScopedRole[] = rows.flatMap((r) =>
      r.role !== null && isRole(r.role) ? [{ role: r.role, scopeNodeId: r.roleScopeId, scopePath: r.rolePath === null ? null : nodePathIds(r.rolePath) }] : [],
    );
    // A scope node that no longer exists confines the token to nothing.
    const tokenPath = row.scope_node_id === null ? null : row.tokenPath === null ? [] : nodePathIds(row.tokenPath);
    await this.touch(row.id, row.last_used_at, source, now);
    return {
      userId: row.userId,
      username: row.username,
      roles: narrowRoles(roles, tokenPath),
      // The token is its own credential: a service account's password is never used, so it need not be changed first.
      passwordMustChange: false,
      restriction: { tokenId: row.id, actions: storedTokenActions(row.actions), scopeNodeId: row.scope_node_id },
    };
  }

  private async touch(id: string, lastUsedAt: string | null, source: string | null, now: Date): Promise<void> {
    if (lastUsedAt !== null && now.getTime() - Date.parse(lastUsedAt) < LAST_USE_INTERVAL_MS) return;
    const stale = new Date(now.getTime() - LAST_USE_INTERVAL_MS).toISOString();
    await withWriteTransaction(this.deps.store, (trx) =>
      trx
        .updateTable('api_tokens')
        .set({ last_used_at: now.toISOString(), last_used_source: source === null ? null : source.slice(0, 200) })
        .where('id', '=', id)
        // Two instances (or two requests) racing write once: the second finds the row fresh.
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
        .execute(),
    );
  }

  private async auditRefusal(row: { id: string; name: string; userId: string; username: string }, reason: string, source: string | null, nowMs: number): Promise<void> {
    const last = this.refusalsAudited.get(row.id);
    if (last !== undefined && nowMs - last < REFUSAL_AUDIT_INTERVAL_MS) return;
    if (this.refusalsAudited.size > 10_000) this.refusalsAudited.clear();
    this.refusalsAudited.set(row.id, nowMs);
    await this.audit.recordAlone({ kind: 'token.authenticate', outcome: 'denied', actor: { userId: row.userId, username: row.username, source }, detail: { tokenId: row.id, name: row.name, reason } });
  }

  /** The user a new token acts as: the actor, or (admins only, audited) the user named in the request. */
  private async owner(actor: Actor, request: NewApiTokenRequest): Promise<{ id: string; username: string; disabled: boolean }> {
    const named = request.user;
    const forSelf = named === undefined || named === actor.subject.username || named === actor.subject.userId;
    if (!forSelf) {
      await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'token.create', detail: { name: request.name, user: named, reason: 'minting a token for another user is for admins' } });
    }
    const user = await findNamedUser(this.deps.store.db, forSelf ? actor.subject.userId : named);
    if (!user) {
      if (forSelf) throw new ForgelineError('unauthenticated', 'your account no longer exists');
      throw new ForgelineError('unknown-reference', `no user ${named}`, { problems: [{ path: 'user', message: 'no such user' }] });
    }
    return user;
  }

  private async views(filter: { id?: string; userId?: string }): Promise<ApiTokenView[]> {
    let query = this.deps.store.db
      .selectFrom('api_tokens')
      .innerJoin('users as owner', 'owner.id', 'api_tokens.user_id')
      .leftJoin('users as creator', 'creator.id', 'api_tokens.created_by')
      .select([
        'api_tokens.id', 'api_tokens.name', 'api_tokens.user_id', 'owner.username', 'api_tokens.actions', 'api_tokens.scope_node_id', 'api_tokens.created_by',
        'creator.username as creatorName', 'api_tokens.created_at', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.last_used_at', 'api_tokens.last_used_source',
      ]);
    if (filter.id !== undefined) query = query.where('api_tokens.id', '=', filter.id);
    if (filter.userId !== undefined) query = query.where('api_tokens.user_id', '=', filter.userId);
    const rows = await query.orderBy('api_tokens.created_at', 'desc').orderBy('api_tokens.id').execute();
    const now = this.deps.clock.now().getTime();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      userId: row.user_id,
      username: row.username,
      actions: storedTokenActions(row.actions),
      scopeNodeId: row.scope_node_id,
      createdBy: row.creatorName ?? row.created_by,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      lastUsedAt: row.last_used_at,
      lastUsedSource: row.last_used_source,
      status: row.revoked_at !== null ? 'revoked' : Date.parse(row.expires_at) <= now ? 'expired' : 'active',
    }));
  }
}
