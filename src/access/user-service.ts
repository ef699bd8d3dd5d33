import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AuditTrail, type Clock } from '../audit/index.js';
import { ForgelineError, ROLES, idSchema, parseOrThrow, text } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { assertCan, type Resource } from './policy.js';
import { loadRoles } from './session-service.js';
import { auditActorOf, type Actor, type RoleAssignment } from './subject.js';

/** A password as NIST SP 800-63B asks: long enough, no composition rules, at most 1024 characters. */
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

/** A username: lowercase letters, digits, dot, dash, underscore. */
export const usernameSchema = z.string().regex(/^[a-z][a-z0-9._-]{1,63}$/, 'lowercase letters, digits and . _ - only, starting with a letter');

/** A new user as an admin creates them. */
export const newUserSchema = z.strictObject({
  username: usernameSchema,
  displayName: text(120),
  password: passwordSchema,
  roles: z.array(z.strictObject({ role: z.enum(ROLES), scopeNodeId: idSchema.nullable().default(null) })).min(1).max(50),
  /** The user must replace this password at first sign-in (the default, as an admin set it). */
  temporaryPassword: z.boolean().default(true),
});

/** A password change by the user themself. */
export const passwordChangeSchema = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema });

/** A user as the API presents them: never the hash. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly passwordMustChange: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly createdAt: string;
}

const SYSTEM: Resource = { kind: 'system' };

/** Users and their roles: created, listed and disabled by admins; passwords changed by their owners. */
export class UserService {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
  }

  /** Creates a user (admins only); the first admin is created by {@link UserService.bootstrapAdmin}. */
  async add(actor: Actor, input: unknown): Promise<UserView> {
    const request = parseOrThrow(newUserSchema, input, 'user');
    await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'user.create', detail: { username: request.username } });
    return this.insert(request, auditActorOf(actor));
  }

  /** Creates the first administrator at init, audited as the system. */
  bootstrapAdmin(username: string, password: string, temporaryPassword: boolean): Promise<UserView> {
    const request = parseOrThrow(newUserSchema, {
      username,
      displayName: 'Administrator',
      password,
      roles: [{ role: 'admin', scopeNodeId: null }],
      temporaryPassword,
    });
    return this.insert(request, { userId: null, username: 'system', source: 'init' });
  }

  private async insert(request: z.output<typeof newUserSchema>, auditActor: { userId: string | null; username: string; source: string | null }): Promise<UserView> {
    const passwordHash = await hashPassword(request.password);
    const now = this.deps.clock.now().toISOString();
    const id = randomUUID();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('username', '=', request.username).executeTakeFirst();
      if (taken) throw new ForgelineError('conflict', `user ${request.username} already exists`);
      for (const { scopeNodeId } of request.roles) {
        if (scopeNodeId === null) continue;
        const node = await trx.selectFrom('plant_nodes').select('id').where('id', '=', scopeNodeId).executeTakeFirst();
        if (!node) throw new ForgelineError('unknown-reference', `no plant node ${scopeNodeId}`);
      }
      await trx
        .insertInto('users')
        .values({ id, username: request.username, display_name: request.displayName, password_hash: passwordHash, disabled: 0, password_must_change: request.temporaryPassword ? 1 : 0, created_at: now, updated_at: now })
        .execute();
      const uniqueRoles = new Map(request.roles.map((assignment) => [`${assignment.role}@${assignment.scopeNodeId}`, assignment]));
      for (const assignment of uniqueRoles.values()) {
        await trx.insertInto('role_assignments').values({ id: randomUUID(), user_id: id, role: assignment.role, scope_node_id: assignment.scopeNodeId, created_at: now }).execute();
      }
      await this.audit.record(trx, {
        kind: 'user.create',
        outcome: 'ok',
        actor: auditActor,
        detail: { userId: id, username: request.username, roles: [...uniqueRoles.values()] },
      });
    });
    return {
      id,
      username: request.username,
      displayName: request.displayName,
      disabled: false,
      passwordMustChange: request.temporaryPassword,
      roles: [...new Map(request.roles.map((a) => [`${a.role}@${a.scopeNodeId}`, a])).values()],
      createdAt: now,
    };
  }

  /** Lists users (admins and auditors). */
  async list(actor: Actor): Promise<UserView[]> {
    assertCan(actor.subject, 'user.read', SYSTEM);
    const rows = await this.deps.store.db.selectFrom('users').selectAll().orderBy('username').execute();
    const roles = await this.deps.store.db.selectFrom('role_assignments').select(['user_id', 'role', 'scope_node_id']).execute();
    return rows.map((row) => ({
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      disabled: row.disabled === 1,
      passwordMustChange: row.password_must_change === 1,
      roles: roles.filter((r) => r.user_id === row.id).map((r) => ({ role: r.role as RoleAssignment['role'], scopeNodeId: r.scope_node_id })),
      createdAt: row.created_at,
    }));
  }

  /** Disables a user by id or username and ends their sessions. */
  async disable(actor: Actor, idOrUsername: string): Promise<void> {
    await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'user.disable', detail: { user: idOrUsername } });
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'username'])
        .where((eb) => eb.or([eb('id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
        .executeTakeFirst();
      if (!user) throw new ForgelineError('not-found', `no user ${idOrUsername}`);
      if (user.id === actor.subject.userId) throw new ForgelineError('forbidden', 'you cannot disable yourself');
      await trx.updateTable('users').set({ disabled: 1, updated_at: now }).where('id', '=', user.id).execute();
      await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
      await this.audit.record(trx, { kind: 'user.disable', outcome: 'ok', actor: auditActorOf(actor), detail: { userId: user.id, username: user.username } });
    });
  }

  /** Replaces the actor's own password after checking the current one; clears the one-time flag. */
  async changeOwnPassword(actor: Actor, input: unknown): Promise<void> {
    const request = parseOrThrow(passwordChangeSchema, input, 'password change');
    const user = await this.deps.store.db.selectFrom('users').select(['password_hash']).where('id', '=', actor.subject.userId).executeTakeFirstOrThrow();
    if (!(await verifyPassword(user.password_hash, request.currentPassword))) {
      await this.audit.recordAlone({ kind: 'user.password-change', outcome: 'denied', actor: auditActorOf(actor), detail: { reason: 'wrong-current-password' } });
      throw new ForgelineError('invalid-credentials', 'the current password is wrong');
    }
    if (request.newPassword === request.currentPassword) {
      throw new ForgelineError('validation-failed', 'the new password must differ from the current one', { problems: [{ path: 'newPassword', message: 'must differ from the current password' }] });
    }
    const passwordHash = await hashPassword(request.newPassword);
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash, password_must_change: 0, updated_at: now }).where('id', '=', actor.subject.userId).execute();
      await this.audit.record(trx, { kind: 'user.password-change', outcome: 'ok', actor: auditActorOf(actor) });
    });
  }

  /** The actor's own profile. */
  async me(actor: Actor): Promise<UserView> {
    const row = await this.deps.store.db.selectFrom('users').selectAll().where('id', '=', actor.subject.userId).executeTakeFirstOrThrow();
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      disabled: row.disabled === 1,
      passwordMustChange: row.password_must_change === 1,
      roles: await loadRoles(this.deps.store, row.id),
      createdAt: row.created_at,
    };
  }
}
