import type { Kysely, Transaction } from 'kysely';
import type { Resource } from '../access/index.js';
import { ForgelineError, type CONFIDENTIAL_FIELDS, type OrderContent, type OrderState } from '../domain/index.js';
import type { Database, OrderRow } from '../store/index.js';
import { pathIds } from './order-rows.js';
import type { OrderSecrets } from './order-secrets.js';

/** An order as the policy and the service need it: the row, where it sits in the plant, who wrote it. */
export interface OrderContext {
  readonly row: OrderRow;
  readonly scopePath: readonly string[];
  readonly authorIds: readonly string[];
}

/** Loads an order's context, or throws `not-found`. */
export async function loadOrderContext(db: Kysely<Database> | Transaction<Database>, id: string): Promise<OrderContext> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ForgelineError('not-found', `no order ${id}`);
  const [node, authors] = await Promise.all([
    db.selectFrom('plant_nodes').select('path').where('id', '=', row.work_center_id).executeTakeFirst(),
    db.selectFrom('order_revisions').select('created_by').distinct().where('order_id', '=', id).execute(),
  ]);
  return { row, scopePath: node ? pathIds(node.path) : [], authorIds: authors.map((author) => author.created_by) };
}

/** The policy's view of an order. */
export function orderResource(context: OrderContext): Resource {
  return { kind: 'order', scopePath: context.scopePath, state: context.row.state as OrderState, authorIds: context.authorIds };
}

/** Reads a revision's full content: the public part and the confidential fields, decrypted. */
export async function loadContent(db: Kysely<Database> | Transaction<Database>, orderId: string, revision: number, secrets: OrderSecrets): Promise<OrderContent> {
  const row = await db
    .selectFrom('order_revisions')
    .select(['content', 'confidential'])
    .where('order_id', '=', orderId)
    .where('revision', '=', revision)
    .executeTakeFirstOrThrow();
  const confidential = await secrets.openColumn(db, orderId, revision, row.confidential);
  return { ...JSON.parse(row.content), ...confidential } as OrderContent;
}

/** Reads a revision's public content only (routing, materials, …): nothing is decrypted. */
export async function loadPublicContent(db: Kysely<Database> | Transaction<Database>, orderId: string, revision: number): Promise<PublicOrderContent> {
  const row = await db.selectFrom('order_revisions').select('content').where('order_id', '=', orderId).where('revision', '=', revision).executeTakeFirstOrThrow();
  return JSON.parse(row.content) as PublicOrderContent;
}

/** A revision's content without its confidential fields. */
export type PublicOrderContent = Omit<OrderContent, (typeof CONFIDENTIAL_FIELDS)[number]>;
