import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AuditTrail, type Clock } from '../audit/index.js';
import { assertCan, auditActorOf, type Actor } from '../access/index.js';
import { ForgelineError, code, parseOrThrow, text, unitSchema } from '../domain/index.js';
import { withWriteTransaction, type ItemRow, type Store } from '../store/index.js';

/** A new item revision as planners and admins create it. */
export const newItemSchema = z.strictObject({
  code: code(64),
  revision: code(16),
  description: text(200),
  unit: unitSchema,
});

/** An item revision as presented. */
export interface Item {
  readonly id: string;
  readonly code: string;
  readonly revision: string;
  readonly description: string;
  readonly unit: string;
  readonly createdAt: string;
}

function toItem(row: ItemRow): Item {
  return { id: row.id, code: row.code, revision: row.revision, description: row.description, unit: row.unit, createdAt: row.created_at };
}

/** The item master: products and materials by code and revision. Revisions are never changed, only added. */
export class ItemService {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.audit = new AuditTrail(deps);
  }

  /** Adds an item revision. */
  async create(actor: Actor, input: unknown): Promise<Item> {
    const request = parseOrThrow(newItemSchema, input, 'item');
    await this.audit.authorize(actor, 'item.manage', { kind: 'system' }, { kind: 'item.create', detail: { code: request.code } });
    const row: ItemRow = { id: randomUUID(), ...request, created_at: this.deps.clock.now().toISOString() };
    await withWriteTransaction(this.deps.store, async (trx) => {
      const taken = await trx.selectFrom('items').select('id').where('code', '=', row.code).where('revision', '=', row.revision).executeTakeFirst();
      if (taken) throw new ForgelineError('conflict', `item ${row.code} revision ${row.revision} already exists`);
      await trx.insertInto('items').values(row).execute();
      await this.audit.record(trx, { kind: 'item.create', outcome: 'ok', actor: auditActorOf(actor), detail: { itemId: row.id, code: row.code, revision: row.revision } });
    });
    return toItem(row);
  }

  /** Lists item revisions, optionally of one code. */
  async list(actor: Actor, itemCode?: string): Promise<Item[]> {
    assertCan(actor.subject, 'item.read', { kind: 'system' });
    let query = this.deps.store.db.selectFrom('items').selectAll().orderBy('code').orderBy('revision').limit(1000);
    if (itemCode) query = query.where('code', '=', itemCode);
    return (await query.execute()).map(toItem);
  }
}
