/**
 * The editor's form state (every field as typed) and the API body made from it. Numbers the
 * person typed that are not numbers go to the server as typed, so its message says what is wrong.
 */
import { fromLocalInput, toLocalInput } from './order-dates.js';
import type { OrderContent } from './order-types.js';

/** One routing step as typed. */
export interface OperationRow {
  readonly seq: string;
  readonly code: string;
  readonly description: string;
}

/** One bill-of-materials line as typed. */
export interface MaterialRow {
  readonly line: string;
  readonly itemCode: string;
  readonly quantity: string;
  readonly unit: string;
  readonly lotTracked: boolean;
  readonly operationSeq: string;
}

/** One setpoint as typed. */
export interface SetpointRow {
  readonly name: string;
  readonly value: string;
  readonly unit: string;
}

/** The whole editor. */
export interface OrderForm {
  readonly number: string;
  readonly itemCode: string;
  readonly itemRevision: string;
  readonly quantity: string;
  readonly unit: string;
  readonly dueStart: string;
  readonly dueEnd: string;
  readonly priority: string;
  readonly workCenterId: string;
  readonly customerReference: string;
  readonly notes: string;
  readonly recipe: string;
  readonly operations: readonly OperationRow[];
  readonly materials: readonly MaterialRow[];
  readonly setpoints: readonly SetpointRow[];
}

/** A new order's form: one empty operation, nothing else. */
export function emptyForm(): OrderForm {
  return {
    number: '', itemCode: '', itemRevision: '', quantity: '', unit: 'pcs', dueStart: '', dueEnd: '', priority: 'normal', workCenterId: '',
    customerReference: '', notes: '', recipe: '', operations: [{ seq: '10', code: '', description: '' }], materials: [], setpoints: [],
  };
}

/** The form of a saved revision's content. */
export function formOf(content: OrderContent): OrderForm {
  return {
    number: content.number,
    itemCode: content.item.code,
    itemRevision: content.item.revision,
    quantity: content.quantity.value,
    unit: content.quantity.unit,
    dueStart: toLocalInput(content.dueWindow.start),
    dueEnd: toLocalInput(content.dueWindow.end),
    priority: content.priority,
    workCenterId: content.workCenterId,
    customerReference: content.customerReference ?? '',
    notes: content.notes ?? '',
    recipe: content.parameters?.recipe ?? '',
    operations: content.operations.map((operation) => ({ seq: String(operation.seq), code: operation.code, description: operation.description })),
    materials: content.materials.map((material) => ({
      line: String(material.line), itemCode: material.itemCode, quantity: material.quantity.value, unit: material.quantity.unit,
      lotTracked: material.lotTracked, operationSeq: material.operationSeq === undefined ? '' : String(material.operationSeq),
    })),
    setpoints: (content.parameters?.setpoints ?? []).map((setpoint) => ({ name: setpoint.name, value: setpoint.value, unit: setpoint.unit ?? '' })),
  };
}

/** A whole number when the text is one, else the text itself (for the server to refuse with its message). */
function integer(text: string): number | string {
  return /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : text;
}

/** Null for an empty text, else the text trimmed. */
function orNull(text: string): string | null {
  return text.trim() === '' ? null : text.trim();
}

/**
 * The API body of the form. `confidential` says whether the recipe and customer were loaded (and
 * so may be sent): an edit without them must leave them as they are on the server.
 */
export function bodyOf(form: OrderForm, confidential: boolean): Record<string, unknown> {
  return {
    item: { code: form.itemCode.trim(), revision: form.itemRevision.trim() },
    quantity: { value: form.quantity.trim(), unit: form.unit.trim() },
    dueWindow: { start: fromLocalInput(form.dueStart), end: fromLocalInput(form.dueEnd) },
    priority: form.priority,
    workCenterId: form.workCenterId,
    operations: form.operations.map((row) => ({ seq: integer(row.seq), code: row.code.trim(), description: row.description.trim() })),
    materials: form.materials.map((row) => ({
      line: integer(row.line), itemCode: row.itemCode.trim(), quantity: { value: row.quantity.trim(), unit: row.unit.trim() }, lotTracked: row.lotTracked,
      ...(row.operationSeq.trim() !== '' ? { operationSeq: integer(row.operationSeq) } : {}),
    })),
    notes: orNull(form.notes),
    ...(confidential
      ? {
          customerReference: orNull(form.customerReference),
          parameters: {
            recipe: orNull(form.recipe),
            setpoints: form.setpoints.map((row) => ({ name: row.name.trim(), value: row.value.trim(), ...(row.unit.trim() !== '' ? { unit: row.unit.trim() } : {}) })),
          },
        }
      : {}),
  };
}
