import { AuditTrail, type Clock } from '../audit/index.js';
import { ForgelineError, isRole, parseOrThrow, TimedValue } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { assertCan } from './policy.js';
import {
  DEFAULT_SITE_POLICY, SITE_POLICY_KEYS, findRoleConflict, describeRoleConflict, sitePolicyPatchSchema, sitePolicyProblems, sitePolicySchema,
  type SitePolicy, type SitePolicyKey,
} from './site-policy.js';
import { auditActorOf, type Actor, type RoleAssignment } from './subject.js';

/** How long a server instance keeps the policy it read; another instance's change shows within this time. */
export const SITE_POLICY_CACHE_MS = 5_000;

/** A user who holds roles the policy now says conflict (reported when the policy changes, never changed automatically). */
export interface RoleConflictReport {
  readonly userId: string;
  readonly username: string;
  readonly reason: string;
}

/** The answer to a policy change: the policy now in force and the users it puts in conflict. */
export interface SitePolicyChange {
  readonly policy: SitePolicy;
  readonly conflicts: readonly RoleConflictReport[];
}

/**
 * The site policy as stored in `site_settings` (one row per changed setting,
 * JSON values; missing rows take the defaults). Read on every request, so it
 * is cached briefly; changed only by admins, each change audited with before and after.
 */
export class SitePolicyService {
  private readonly audit: AuditTrail;
  private readonly cached: TimedValue<SitePolicy>;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
    this.cached = new TimedValue(SITE_POLICY_CACHE_MS, () => this.load());
  }

  /** The policy in force, for the services (no authorization: it says how they behave). */
  async current(): Promise<SitePolicy> {
    return this.cached.get(this.deps.clock.now().getTime());
  }

  /** The policy, for admins and auditors. */
  async read(actor: Actor): Promise<SitePolicy> {
    assertCan(actor.subject, 'policy.read', { kind: 'system' });
    return this.load();
  }

  /** Changes some settings (admins); the whole result must be consistent. Audited with the settings before and after. */
  async update(actor: Actor, input: unknown): Promise<SitePolicyChange> {
    const patch = parseOrThrow(sitePolicyPatchSchema, input, 'policy change');
    await this.audit.authorize(actor, 'policy.manage', { kind: 'system' }, { kind: 'policy.update', detail: { settings: Object.keys(patch) } });
    const now = this.deps.clock.now().toISOString();
    const policy = await withWriteTransaction(this.deps.store, async (trx) => {
      const before = parseStored(await trx.selectFrom('site_settings').select(['key', 'value']).execute());
      const after: SitePolicy = { ...before, ...patch };
      const problems = sitePolicyProblems(after);
      if (problems.length > 0) {
        throw new ForgelineError('validation-failed', `Invalid policy change: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { problems });
      }
      const changed = SITE_POLICY_KEYS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
      for (const key of changed) {
        const value = JSON.stringify(after[key]);
        await trx
          .insertInto('site_settings')
          .values({ key, value, updated_by: actor.subject.username, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_by: actor.subject.username, updated_at: now }))
          .execute();
      }
      if (changed.length > 0) {
        await this.audit.record(trx, {
          kind: 'policy.update',
          outcome: 'ok',
          actor: auditActorOf(actor),
          detail: { before: pick(before, changed), after: pick(after, changed) },
        });
      }
      return after;
    });
    this.cached.set(policy, this.deps.clock.now().getTime());
    return { policy, conflicts: await this.conflictsUnder(policy) };
  }

  /** Users whose current roles the policy forbids together. */
  private async conflictsUnder(policy: SitePolicy): Promise<RoleConflictReport[]> {
    if (policy.conflictingRoles.length === 0) return [];
    const db = this.deps.store.db;
    const rows = await db
      .selectFrom('role_assignments')
      .innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['users.id', 'users.username', 'role_assignments.role', 'role_assignments.scope_node_id'])
      .where('users.disabled', '=', 0)
      .execute();
    const paths = new Map((await db.selectFrom('plant_nodes').select(['id', 'path']).execute()).map((node) => [node.id, node.path.split('/').filter(Boolean)]));
    const byUser = new Map<string, { username: string; roles: RoleAssignment[] }>();
    for (const row of rows) {
      if (!isRole(row.role)) continue;
      const entry = byUser.get(row.id) ?? { username: row.username, roles: [] };
      entry.roles.push({ role: row.role, scopeNodeId: row.scope_node_id });
      byUser.set(row.id, entry);
    }
    return [...byUser.entries()].flatMap(([userId, { username, roles }]) => {
      const conflict = findRoleConflict(policy, roles, (id) => paths.get(id) ?? [id]);
      return conflict ? [{ userId, username, reason: describeRoleConflict(conflict) }] : [];
    }).sort((a, b) => a.username.localeCompare(b.username));
  }

  private async load(): Promise<SitePolicy> {
    return parseStored(await this.deps.store.db.selectFrom('site_settings').select(['key', 'value']).execute());
  }
}

/**
 * The policy from stored rows over the defaults. A row that no longer parses
 * (an older or hand-edited value) keeps the default rather than stopping every sign-in.
 */
function parseStored(rows: readonly { key: string; value: string }[]): SitePolicy {
  const policy: Record<string, unknown> = { ...DEFAULT_SITE_POLICY };
  for (const row of rows) {
    if (!(SITE_POLICY_KEYS as readonly string[]).includes(row.key)) continue;
    const key = row.key as SitePolicyKey;
    let value: unknown;
    try {
      value = JSON.parse(row.value);
    } catch {
      continue;
    }
    if (sitePolicySchema.shape[key].safeParse(value).success) policy[key] = value;
  }
  return policy as SitePolicy;
}

function pick(policy: SitePolicy, keys: readonly SitePolicyKey[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, policy[key]]));
}
