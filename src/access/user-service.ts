import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AuditTrail, type Clock } from '../audit/index.js';
import { ForgelineError, parseOrThrow, text } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { throttleKeys, type AccountGuard } from './account-guard.js';
import { assertPersonalSession } from './own-account.js';
import { checkPasswordPolicy } from './password-policy.js';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { assertCan, type Resource } from './policy.js';
import { checkAssignments, roleAssignmentsSchema, roleChangeSchema, uniqueAssignments } from './role-assignments.js';
import { loadRoles } from './session-service.js';
import { revokeSessionsOf } from './session-revocation.js';
import type { SitePolicyService } from './site-policy-service.js';
import { auditActorOf, type Actor, type RoleAssignment } from './subject.js';
import { requireNamedUser } from './user-lookup.js';

/** A password as NIST SP 800-63B asks: long enough, no composition rules, at most 1024 characters. */
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

/** A username: lowercase letters, digits, dot, dash, underscore. */
export const usernameSchema = z.string().regex(/^[a-z][a-z0-9._-]{1,63}$/, 'lowercase letters, digits and . _ - only, starting with a letter');

/** A new user as an admin creates them. */
export const newUserSchema = z.strictObject({
  username: usernameSchema,
  displayName: text(120),
  password: passwordSchema,
  roles: roleAssignmentsSchema,
  /** The user must replace this password at first sign-in (the default, as an admin set it). */
  temporaryPassword: z.boolean().default(true),
});

/** A password change by the user themself. */
export const passwordChangeSchema = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema });

/** A user as the API presents them: never the hash or the second factor's secret. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly passwordMustChange: boolean;
  /** A second factor (TOTP) is enrolled. */
  readonly mfaEnabled: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly createdAt: string;
}

/** The signed-in user's own view: whether they still have to enrol a second factor. */
export interface OwnUserView extends UserView {
  readonly mfaEnrollmentRequired: boolean;
}

const SYSTEM: Resource = { kind: 'system' };

/**
 * Refuses a password the policy (NIST SP 800-63B §5.1.1.2: length, the list of
 * common and breached passwords, not the username) does not accept, as `password-rejected`.
 */
export function assertPasswordAcceptable(password: string, username: string, field: string): void {
  const verdict = checkPasswordPolicy(password, { username });
  if (!verdict.ok) {
    throw new ForgelineError('password-rejected', verdict.reason, { problems: [{ path: field, message: verdict.reason }], extensions: { problem: verdict.problem } });
  }
}

/** Users and their roles: created, listed, changed, disabled and enabled again by admins; passwords changed by their owners. */
export class UserService {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly policy: SitePolicyService; readonly guard: AccountGuard }) {
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
    assertPasswordAcceptable(request.password, request.username, 'password');
    const passwordHash = await hashPassword(request.password);
    const policy = await this.deps.policy.current();
    const now = this.deps.clock.now().toISOString();
    const id = randomUUID();
    const roles = uniqueAssignments(request.roles);
    await withWriteTransaction(this.deps.store, async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('username', '=', request.username).executeTakeFirst();
      if (taken) throw new ForgelineError('conflict', `user ${request.username} already exists`);
      await checkAssignments(trx, roles, policy);
      await trx
        .insertInto('users')
        .values({
          id, username: request.username, display_name: request.displayName, password_hash: passwordHash, disabled: 0,
          password_must_change: request.temporaryPassword ? 1 : 0, created_at: now, updated_at: now, password_changed_at: now,
        })
        .execute();
      for (const assignment of roles) {
        await trx.insertInto('role_assignments').values({ id: randomUUID(), user_id: id, role: assignment.role, scope_node_id: assignment.scopeNodeId, created_at: now }).execute();
      }
      await this.audit.record(trx, { kind: 'user.create', outcome: 'ok', actor: auditActor, detail: { userId: id, username: request.username, roles } });
    });
    return { id, username: request.username, displayName: request.displayName, disabled: false, passwordMustChange: request.temporaryPassword, mfaEnabled: false, roles, createdAt: now };
  }

  /** Lists users (admins and auditors). */
  async list(actor: Actor): Promise<UserView[]> {
    assertCan(actor.subject, 'user.read', SYSTEM);
    const rows = await this.deps.store.db
      .selectFrom('users')
      .select(['id', 'username', 'display_name', 'disabled', 'password_must_change', 'mfa_enabled_at', 'created_at'])
      .orderBy('username')
      .execute();
    const roles = await this.deps.store.db.selectFrom('role_assignments').select(['user_id', 'role', 'scope_node_id']).execute();
    return rows.map((row) => ({
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      disabled: row.disabled === 1,
      passwordMustChange: row.password_must_change === 1,
      mfaEnabled: row.mfa_enabled_at !== null,
      roles: roles.filter((r) => r.user_id === row.id).map((r) => ({ role: r.role as RoleAssignment['role'], scopeNodeId: r.scope_node_id })),
      createdAt: row.created_at,
    }));
  }

  /**
   * Replaces a user's roles (admins; not their own). Checks scopes and the
   * site policy's conflicting roles, ends the user's sessions (their rights
   * changed under them), and records the roles before and after.
   */
  async setRoles(actor: Actor, idOrUsername: string, input: unknown): Promise<UserView> {
    const request = parseOrThrow(roleChangeSchema, input, 'role change');
    await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'user.role-change', detail: { user: idOrUsername } });
    const roles = uniqueAssignments(request.roles);
    const policy = await this.deps.policy.current();
    const now = this.deps.clock.now().toISOString();
    const userId = await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await requireNamedUser(trx, idOrUsername);
      if (user.id === actor.subject.userId) throw new ForgelineError('forbidden', 'you cannot change your own roles; another admin must');
      await checkAssignments(trx, roles, policy);
      const before = await trx.selectFrom('role_assignments').select(['role', 'scope_node_id']).where('user_id', '=', user.id).execute();
      await trx.deleteFrom('role_assignments').where('user_id', '=', user.id).execute();
      for (const assignment of roles) {
        await trx.insertInto('role_assignments').values({ id: randomUUID(), user_id: user.id, role: assignment.role, scope_node_id: assignment.scopeNodeId, created_at: now }).execute();
      }
      await trx.updateTable('users').set({ updated_at: now }).where('id', '=', user.id).execute();
      const sessionsRevoked = await revokeSessionsOf(trx, user.id, now, 'role-change');
      await this.audit.record(trx, {
        kind: 'user.role-change',
        outcome: 'ok',
        actor: auditActorOf(actor),
        detail: { userId: user.id, username: user.username, before: before.map((r) => ({ role: r.role, scopeNodeId: r.scope_node_id })), after: roles, sessionsRevoked },
      });
      return user.id;
    });
    return this.view(userId);
  }

  /** Disables a user by id or username and ends their sessions. */
  async disable(actor: Actor, idOrUsername: string): Promise<void> {
    await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'user.disable', detail: { user: idOrUsername } });
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await requireNamedUser(trx, idOrUsername);
      if (user.id === actor.subject.userId) throw new ForgelineError('forbidden', 'you cannot disable yourself');
      await trx.updateTable('users').set({ disabled: 1, updated_at: now }).where('id', '=', user.id).execute();
      const sessionsRevoked = await revokeSessionsOf(trx, user.id, now, 'user-disabled');
      await this.audit.record(trx, { kind: 'user.disable', outcome: 'ok', actor: auditActorOf(actor), detail: { userId: user.id, username: user.username, sessionsRevoked } });
    });
  }

  /**
   * Lets a disabled user (by id or username) sign in again, with the roles they
   * had; the sessions the disable ended stay ended. Refused for a user who is not
   * disabled (`conflict`), so the audit log records only real changes.
   */
  async enable(actor: Actor, idOrUsername: string): Promise<void> {
    await this.audit.authorize(actor, 'user.manage', SYSTEM, { kind: 'user.enable', detail: { user: idOrUsername } });
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const user = await requireNamedUser(trx, idOrUsername);
      // Only the row still disabled changes, so two admins enabling at once record one change.
      const changed = await trx.updateTable('users').set({ disabled: 0, updated_at: now }).where('id', '=', user.id).where('disabled', '=', 1).executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) throw new ForgelineError('conflict', `user ${user.username} is not disabled`);
      await this.audit.record(trx, { kind: 'user.enable', outcome: 'ok', actor: auditActorOf(actor), detail: { userId: user.id, username: user.username } });
    });
  }

  /**
   * Replaces the actor's own password after checking the current one (throttled
   * like sign-in); clears the one-time flag and ends every other session of
   * theirs: the one making the change (holding `currentToken`) stays.
   */
  async changeOwnPassword(actor: Actor, input: unknown): Promise<void> {
    assertPersonalSession(actor);
    const request = parseOrThrow(passwordChangeSchema, input, 'password change');
    const auditActor = auditActorOf(actor);
    const keys = throttleKeys(actor.subject.username, actor.source);
    await this.deps.guard.assertNotLocked(keys, { kind: 'user.password-change', actor: auditActor });
    const user = await this.deps.store.db.selectFrom('users').select(['password_hash']).where('id', '=', actor.subject.userId).executeTakeFirstOrThrow();
    if (!(await verifyPassword(user.password_hash, request.currentPassword))) {
      await this.deps.guard.fail(keys, { kind: 'user.password-change', actor: auditActor, detail: { reason: 'wrong-current-password' } });
      throw new ForgelineError('invalid-credentials', 'the current password is wrong');
    }
    if (request.newPassword === request.currentPassword) {
      throw new ForgelineError('validation-failed', 'the new password must differ from the current one', { problems: [{ path: 'newPassword', message: 'must differ from the current password' }] });
    }
    assertPasswordAcceptable(request.newPassword, actor.subject.username, 'newPassword');
    const passwordHash = await hashPassword(request.newPassword);
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, password_must_change: 0, updated_at: now, password_changed_at: now })
        .where('id', '=', actor.subject.userId)
        .execute();
      const sessionsRevoked = await revokeSessionsOf(trx, actor.subject.userId, now, 'password-change', actor.subject.sessionId);
      await this.audit.record(trx, { kind: 'user.password-change', outcome: 'ok', actor: auditActor, detail: { sessionsRevoked } });
    });
  }

  /** The actor's own profile, whether or not they may do anything else yet. */
  async me(actor: Actor): Promise<OwnUserView> {
    return { ...(await this.view(actor.subject.userId)), mfaEnrollmentRequired: actor.subject.mfaEnrollmentRequired === true };
  }

  private async view(userId: string): Promise<UserView> {
    const row = await this.deps.store.db
      .selectFrom('users')
      .select(['id', 'username', 'display_name', 'disabled', 'password_must_change', 'mfa_enabled_at', 'created_at'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      disabled: row.disabled === 1,
      passwordMustChange: row.password_must_change === 1,
      mfaEnabled: row.mfa_enabled_at !== null,
      roles: await loadRoles(this.deps.store, row.id),
      createdAt: row.created_at,
    };
  }
}
