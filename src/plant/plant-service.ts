import { randomUUID } from 'node:crypto';
import { AuditTrail, type Clock } from '../audit/index.js';
import { assertCan, auditActorOf, type Actor } from '../access/index.js';
import { ForgelineError, flattenPlant, parseOrThrow, plantDescriptionSchema, type PlantLevel, type PlantNode } from '../domain/index.js';
import { withWriteTransaction, type PlantNodeRow, type Store } from '../store/index.js';

/** Turns a stored row into a {@link PlantNode}. */
export function toPlantNode(row: PlantNodeRow): PlantNode {
  return {
    id: row.id,
    kind: row.kind,
    code: row.code,
    name: row.name,
    parentId: row.parent_id,
    path: row.path.split('/').filter(Boolean),
  };
}

/** Nodes parents first, siblings by code: the order a person reads a plant in, stable from call to call. */
function inTreeOrder(rows: readonly PlantNodeRow[]): PlantNode[] {
  const codeById = new Map(rows.map((row) => [row.id, row.code]));
  const codePath = (row: PlantNodeRow) => row.path.split('/').filter(Boolean).map((id) => codeById.get(id) ?? id);
  const keyed = rows.map((row) => ({ row, key: codePath(row) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.min(a.key.length, b.key.length); i += 1) {
      const order = (a.key[i] ?? '').localeCompare(b.key[i] ?? '', 'en');
      if (order !== 0) return order;
    }
    return a.key.length - b.key.length;
  });
  return keyed.map(({ row }) => toPlantNode(row));
}

/** What an import changed. */
export interface PlantImportResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly nodes: readonly PlantNode[];
}

/** The plant hierarchy: imported from a description by admins, read by everyone signed in. */
export class PlantService {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
  }

  /**
   * Imports a plant description: nodes are matched by their code path, so importing the
   * same file twice changes nothing and renaming a node keeps its id (and every order on it).
   */
  async import(actor: Actor, input: unknown): Promise<PlantImportResult> {
    const description = parseOrThrow(plantDescriptionSchema, input, 'plant description');
    await this.audit.authorize(actor, 'plant.manage', { kind: 'system' }, { kind: 'plant.import' });
    const flat = flattenPlant(description);
    if ('error' in flat) throw new ForgelineError('validation-failed', `Invalid plant description: ${flat.error}`);
    const now = this.deps.clock.now().toISOString();
    return withWriteTransaction(this.deps.store, async (trx) => {
      const existing = await trx.selectFrom('plant_nodes').selectAll().execute();
      const byId = new Map(existing.map((row) => [row.id, row]));
      const codePathOf = (row: PlantNodeRow): string => row.path.split('/').filter(Boolean).map((id) => byId.get(id)?.code ?? '?').join('/');
      const byCodePath = new Map(existing.map((row) => [codePathOf(row), row]));
      const enterprises = existing.filter((row) => row.kind === 'enterprise');
      if (enterprises.length > 0 && !enterprises.some((row) => row.code === description.enterprise.code)) {
        throw new ForgelineError('conflict', `this Forgeline holds enterprise ${enterprises[0]?.code}; a plant description must describe the same enterprise`);
      }
      let created = 0;
      let updated = 0;
      let unchanged = 0;
      const pathById = new Map<string, string>(existing.map((row) => [row.id, row.path]));
      const idByCodePath = new Map<string, string>([...byCodePath].map(([key, row]) => [key, row.id]));
      for (const node of flat.nodes) {
        const key = node.codePath.join('/');
        const found = byCodePath.get(key);
        if (found) {
          if (found.name !== node.name || found.kind !== node.kind) {
            if (found.kind !== node.kind) throw new ForgelineError('conflict', `${key} is a ${found.kind}, not a ${node.kind}`);
            await trx.updateTable('plant_nodes').set({ name: node.name }).where('id', '=', found.id).execute();
            updated += 1;
          } else {
            unchanged += 1;
          }
          continue;
        }
        const parentId = node.codePath.length > 1 ? idByCodePath.get(node.codePath.slice(0, -1).join('/')) ?? null : null;
        const id = randomUUID();
        const path = `${parentId ? pathById.get(parentId) ?? '/' : '/'}${id}/`;
        await trx.insertInto('plant_nodes').values({ id, kind: node.kind, code: node.code, name: node.name, parent_id: parentId, path, created_at: now }).execute();
        pathById.set(id, path);
        idByCodePath.set(key, id);
        created += 1;
      }
      await this.audit.record(trx, { kind: 'plant.import', outcome: 'ok', actor: auditActorOf(actor), detail: { enterprise: description.enterprise.code, created, updated, unchanged } });
      return { created, updated, unchanged, nodes: inTreeOrder(await trx.selectFrom('plant_nodes').selectAll().execute()) };
    });
  }

  /** All nodes of the plant, parents before children. */
  async list(actor: Actor, kind?: PlantLevel): Promise<PlantNode[]> {
    assertCan(actor.subject, 'plant.read', { kind: 'system' });
    let query = this.deps.store.db.selectFrom('plant_nodes').selectAll();
    if (kind) query = query.where('kind', '=', kind);
    return inTreeOrder(await query.execute());
  }

  /** One node by id, or null. */
  async find(id: string): Promise<PlantNode | null> {
    const row = await this.deps.store.db.selectFrom('plant_nodes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlantNode(row) : null;
  }
}
