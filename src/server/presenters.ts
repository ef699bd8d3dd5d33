import type { OrderDetail, OrderRecord } from '../domain/index.js';

/**
 * Presenters list, field by field, what leaves the server. A field added to a
 * domain type stays inside until someone adds it here on purpose.
 */
export function presentOrder(order: OrderRecord) {
  return {
    id: order.id,
    number: order.number,
    siteId: order.siteId,
    workCenterId: order.workCenterId,
    state: order.state,
    heldFrom: order.heldFrom,
    revision: order.revision,
    version: order.version,
    contentHash: order.contentHash,
    priority: order.priority,
    dueEnd: order.dueEnd,
    createdBy: order.createdBy,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    goodQuantity: order.goodQuantity,
    scrapQuantity: order.scrapQuantity,
    unit: order.unit,
  };
}

/** An order with its content, signatures and progress; confidential fields only when the service included them. */
export function presentOrderDetail(order: OrderDetail) {
  const { content } = order;
  return {
    ...presentOrder(order),
    content: {
      number: content.number,
      item: content.item,
      quantity: content.quantity,
      dueWindow: content.dueWindow,
      priority: content.priority,
      workCenterId: content.workCenterId,
      operations: content.operations,
      materials: content.materials,
      attachments: content.attachments,
      notes: content.notes,
      // Each confidential field leaves only when the service included it for this reader's roles.
      ...(order.confidentialFields.includes('parameters') ? { parameters: content.parameters } : {}),
      ...(order.confidentialFields.includes('customerReference') ? { customerReference: content.customerReference } : {}),
    },
    confidentialIncluded: order.confidentialIncluded,
    confidentialFields: [...order.confidentialFields],
    signatures: order.signatures.map((s) => ({ signer: s.signer, signerId: s.signerId, action: s.action, meaning: s.meaning, revision: s.revision, contentHash: s.contentHash, signedAt: s.signedAt })),
    progress: order.progress.map((p) => ({ seq: p.seq, operationSeq: p.operationSeq, good: p.good, scrap: p.scrap, lots: p.lots, reportedBy: p.reportedBy, reportedAt: p.reportedAt })),
  };
}
