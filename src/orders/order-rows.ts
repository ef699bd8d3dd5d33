import type { OrderRecord, OrderState, Priority } from '../domain/index.js';
import type { OrderRow } from '../store/index.js';

/** Turns a stored order row into the domain's {@link OrderRecord}. */
export function toOrderRecord(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    number: row.number,
    siteId: row.site_id,
    workCenterId: row.work_center_id,
    state: row.state as OrderState,
    heldFrom: row.held_from as OrderState | null,
    revision: row.revision,
    version: row.version,
    contentHash: row.content_hash,
    priority: row.priority as Priority,
    dueEnd: row.due_end,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    goodQuantity: row.good_quantity,
    scrapQuantity: row.scrap_quantity,
    unit: row.unit,
  };
}

/** Splits a stored plant path (`/a/b/c/`) into its ids, outermost first. */
export function pathIds(path: string): string[] {
  return path.split('/').filter(Boolean);
}
