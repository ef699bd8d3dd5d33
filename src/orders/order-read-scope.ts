import { mayAsk, ROLE_PERMISSIONS, type Actor } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { pathIds } from './order-rows.js';

/** Where a reader of orders may look: everywhere, or these sites and work centers. */
export type ReadScope =
  | { readonly everywhere: true }
  | { readonly everywhere: false; readonly siteIds: ReadonlySet<string>; readonly workCenterIds: ReadonlySet<string>; readonly siteOf: ReadonlyMap<string, string> };

/** The filters a list query runs with once the reader's scope is applied, or 'nothing' when no order can match. */
export type ScopedFilter = { siteId?: string; workCenterId?: string; siteIds?: string[]; workCenterIds?: string[] } | 'nothing';

/**
 * Combines the reader's scope with the filters asked for. A filter outside the scope
 * answers nothing without a query; a filter inside it makes the scope predicate redundant.
 */
export function narrowToScope(scope: ReadScope, query: { siteId?: string | undefined; workCenterId?: string | undefined } = {}): ScopedFilter {
  const asked = { ...(query.siteId ? { siteId: query.siteId } : {}), ...(query.workCenterId ? { workCenterId: query.workCenterId } : {}) };
  if (scope.everywhere) return asked;
  if (query.workCenterId) {
    const site = scope.siteOf.get(query.workCenterId);
    const covered = scope.workCenterIds.has(query.workCenterId) || (site !== undefined && scope.siteIds.has(site));
    return covered && (!query.siteId || query.siteId === site) ? asked : 'nothing';
  }
  if (query.siteId) {
    if (scope.siteIds.has(query.siteId)) return asked;
    const workCenterIds = [...scope.workCenterIds].filter((id) => scope.siteOf.get(id) === query.siteId);
    return workCenterIds.length ? { ...asked, workCenterIds } : 'nothing';
  }
  if (scope.siteIds.size === 0 && scope.workCenterIds.size === 0) return 'nothing';
  return { siteIds: [...scope.siteIds], workCenterIds: [...scope.workCenterIds] };
}

/** Whether the work center `workCenterId` (of site `siteId`) lies within `scope`. */
export function scopeCovers(scope: ReadScope, workCenterId: string, siteId: string | undefined): boolean {
  if (scope.everywhere) return true;
  return scope.workCenterIds.has(workCenterId) || (siteId !== undefined && scope.siteIds.has(siteId));
}

/** Resolves role scopes (plant node ids; null for enterprise-wide) to the sites and work centers they cover (the plant is a small table). */
export async function resolveReadScope(store: Store, scopeNodeIds: readonly (string | null)[]): Promise<ReadScope> {
  if (scopeNodeIds.includes(null)) return { everywhere: true };
  const scopes = new Set(scopeNodeIds as string[]);
  const nodes = await store.db
    .selectFrom('plant_nodes')
    .select(['id', 'kind', 'path'])
    .where((eb) => eb.or([eb('kind', '=', 'work-center'), ...(scopes.size ? [eb('id', 'in', [...scopes])] : [])]))
    .execute();
  const siteOf = new Map<string, string>();
  const siteIds = new Set<string>();
  const workCenterIds = new Set<string>();
  for (const node of nodes) {
    const path = pathIds(node.path);
    if (node.kind === 'work-center') siteOf.set(node.id, path[1] ?? '');
    if (scopes.has(node.id) && node.kind === 'enterprise') return { everywhere: true };
    if (scopes.has(node.id) && node.kind === 'site') siteIds.add(node.id);
    // An area or work-center scope covers the work centers on its branch; a work-unit scope covers no order.
    if (node.kind === 'work-center' && path.some((id) => scopes.has(id)) && !path.slice(0, 2).some((id) => scopes.has(id))) workCenterIds.add(node.id);
  }
  return { everywhere: false, siteIds, workCenterIds, siteOf };
}

/**
 * Where `actor` may read orders: the policy's questions about the subject first (a one-time
 * password, a missing second factor, an API token without `order.read` refuse), then the
 * scopes of the roles that allow `order.read`, resolved to sites and work centers.
 */
export async function orderReadScope(store: Store, actor: Actor): Promise<ReadScope> {
  const gate = mayAsk(actor.subject, 'order.read');
  if (!gate.allowed) throw new ForgelineError(gate.code, gate.reason);
  const readers = actor.subject.roles.filter((assignment) => ROLE_PERMISSIONS[assignment.role].includes('order.read'));
  if (readers.length === 0) throw new ForgelineError('forbidden', 'no role of yours allows order.read');
  return resolveReadScope(store, readers.map((assignment) => assignment.scopeNodeId));
}
