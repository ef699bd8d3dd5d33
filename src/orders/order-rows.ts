import { CONFIDENTIAL_FIELDS, type OrderContent, type OrderDetail, type OrderRecord, type OrderState, type Priority } from '../domain/index.js';
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

/** The content without its confidential fields: what every reader of an order may see. */
export function publicContent(content: OrderContent): Partial<OrderContent> {
  const visible: Partial<OrderContent> = { ...content };
  for (const field of CONFIDENTIAL_FIELDS) delete visible[field];
  return visible;
}

/** The detail of a just-created draft, built from what the service wrote (no signatures, no progress yet). */
export function draftDetail(row: OrderRow, content: OrderContent): OrderDetail {
  return { ...toOrderRecord(row), content: publicContent(content), confidentialIncluded: false, confidentialFields: [], signatures: [], progress: [] };
}
