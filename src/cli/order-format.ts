import type { OrderDetail, OrderRecord, OrderRevisionRecord } from './api-types.js';
import { formatKeyValues, formatTable } from './text-format.js';

type Content = OrderDetail['content'];
type Operation = NonNullable<Content['operations']>[number];
type Material = NonNullable<Content['materials']>[number];
type Setpoint = NonNullable<Content['parameters']>['setpoints'][number];
type Signature = OrderDetail['signatures'][number];
type Progress = OrderDetail['progress'][number];

function stateOf(order: Pick<OrderRecord, 'state' | 'heldFrom'>): string {
  return order.state === 'held' && order.heldFrom ? `held (from ${order.heldFrom})` : order.state;
}

/** The columns of the order list. */
export function orderTable(orders: readonly OrderRecord[]): string[] {
  return formatTable<OrderRecord>(
    [
      { heading: 'number', value: (row) => row.number },
      { heading: 'state', value: stateOf },
      { heading: 'ver', value: (row) => row.version, right: true },
      { heading: 'rev', value: (row) => row.revision, right: true },
      { heading: 'priority', value: (row) => row.priority },
      { heading: 'due', value: (row) => row.dueEnd },
      { heading: 'good', value: (row) => `${row.goodQuantity} ${row.unit}`, right: true },
      { heading: 'scrap', value: (row) => row.scrapQuantity, right: true },
      { heading: 'id', value: (row) => row.id },
    ],
    orders,
  );
}

/** One line saying where an order stands, after an action. */
export function orderSummary(order: Partial<OrderRecord>): string {
  if (!order.number || !order.state) return 'done';
  return `order ${order.number} is ${order.state} (version ${order.version ?? '?'}, revision ${order.revision ?? '?'})`;
}

/** A titled, indented table; nothing when it has no rows. */
function section<R>(title: string, rows: readonly R[] | undefined, table: (rows: readonly R[]) => string[]): string[] {
  if (!rows || rows.length === 0) return [];
  return ['', `${title}:`, ...table(rows).map((line) => `  ${line}`)];
}

const operationTable = (rows: readonly Operation[]) =>
  formatTable<Operation>(
    [
      { heading: 'seq', value: (row) => row.seq, right: true },
      { heading: 'code', value: (row) => row.code },
      { heading: 'description', value: (row) => row.description },
    ],
    rows,
  );

const materialTable = (rows: readonly Material[]) =>
  formatTable<Material>(
    [
      { heading: 'line', value: (row) => row.line, right: true },
      { heading: 'item', value: (row) => row.itemCode },
      { heading: 'quantity', value: (row) => `${row.quantity.value} ${row.quantity.unit}`, right: true },
      { heading: 'lots', value: (row) => (row.lotTracked ? 'tracked' : '') },
    ],
    rows,
  );

const setpointTable = (rows: readonly Setpoint[]) =>
  formatTable<Setpoint>(
    [
      { heading: 'name', value: (row) => row.name },
      { heading: 'value', value: (row) => (row.unit ? `${row.value} ${row.unit}` : row.value), right: true },
    ],
    rows,
  );

const signatureTable = (rows: readonly Signature[]) =>
  formatTable<Signature>(
    [
      { heading: 'signer', value: (row) => row.signer },
      { heading: 'action', value: (row) => row.action },
      { heading: 'meaning', value: (row) => row.meaning },
      { heading: 'rev', value: (row) => row.revision, right: true },
      { heading: 'signed', value: (row) => row.signedAt },
    ],
    rows,
  );

const progressTable = (rows: readonly Progress[]) =>
  formatTable<Progress>(
    [
      { heading: 'op', value: (row) => row.operationSeq, right: true },
      { heading: 'good', value: (row) => row.good, right: true },
      { heading: 'scrap', value: (row) => row.scrap, right: true },
      { heading: 'lots', value: (row) => (row.lots ?? []).map((lot) => `${lot.materialLine}:${lot.lot}:${lot.quantity}`).join(' ') },
      { heading: 'by', value: (row) => row.reportedBy },
      { heading: 'at', value: (row) => row.reportedAt },
    ],
    rows,
  );

/** An order in full for `order show`: the record, the content, signatures and progress. */
export function orderDetailLines(order: OrderDetail): string[] {
  const content = order.content ?? {};
  return [
    ...formatKeyValues([
      ['number', order.number],
      ['id', order.id],
      ['state', stateOf(order)],
      ['version', order.version],
      ['revision', order.revision],
      ['content hash', order.contentHash],
      ['item', content.item ? `${content.item.code} rev ${content.item.revision}` : undefined],
      ['quantity', content.quantity ? `${content.quantity.value} ${content.quantity.unit}` : undefined],
      ['done', `${order.goodQuantity} good, ${order.scrapQuantity} scrap (${order.unit})`],
      ['due', content.dueWindow ? `${content.dueWindow.start} .. ${content.dueWindow.end}` : order.dueEnd],
      ['priority', order.priority],
      ['work center', order.workCenterId],
      ['site', order.siteId],
      ['customer ref', content.customerReference],
      ['recipe', content.parameters?.recipe],
      ['notes', content.notes],
      ['created', `${order.createdAt} by ${order.createdBy}`],
      ['updated', order.updatedAt],
      ['confidential', order.confidentialIncluded ? 'included' : 'hidden (use --confidential if your role may see it)'],
    ]),
    ...section('operations', content.operations, operationTable),
    ...section('materials', content.materials, materialTable),
    ...section('setpoints', content.parameters?.setpoints, setpointTable),
    ...section('signatures', order.signatures, signatureTable),
    ...section('progress', order.progress, progressTable),
  ];
}

/** The revisions of an order. */
export function revisionTable(revisions: readonly OrderRevisionRecord[]): string[] {
  return formatTable<OrderRevisionRecord>(
    [
      { heading: 'rev', value: (row) => row.revision, right: true },
      { heading: 'content hash', value: (row) => row.contentHash },
      { heading: 'by', value: (row) => row.createdBy },
      { heading: 'at', value: (row) => row.createdAt },
    ],
    revisions,
  );
}
