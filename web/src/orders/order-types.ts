/** The order shapes the API answers with (src/server/presenters.ts, src/domain/order-content.ts). */

/** Every state an order can be in (src/domain/lifecycle.ts ORDER_STATES). */
export const ORDER_STATES = ['draft', 'submitted', 'released', 'dispatched', 'running', 'paused', 'held', 'completed', 'closed', 'cancelled'] as const;

/** One of {@link ORDER_STATES}. */
export type OrderState = (typeof ORDER_STATES)[number];

/** Order priorities, lowest first. */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** One of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];

/** States from which a release is on record and quality may hold the order. */
export const HOLDABLE_STATES: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused'];

/** States after release: cancelling them is an approver's signed act. */
export const RELEASED_STATES: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused', 'held'];

/** An exact amount (a decimal string) with its unit. */
export interface Quantity {
  readonly value: string;
  readonly unit: string;
}

/** One step of the routing. */
export interface Operation {
  readonly seq: number;
  readonly code: string;
  readonly description: string;
  readonly workUnitId?: string;
  readonly setupMinutes?: string;
  readonly runMinutesPerUnit?: string;
}

/** One bill-of-materials line. */
export interface Material {
  readonly line: number;
  readonly itemCode: string;
  readonly itemRevision?: string;
  readonly quantity: Quantity;
  readonly lotTracked: boolean;
  readonly operationSeq?: number;
}

/** A recipe setpoint (confidential). */
export interface Setpoint {
  readonly name: string;
  readonly value: string;
  readonly unit?: string;
}

/** The content of a revision; confidential fields only when the reader may see them. */
export interface OrderContent {
  readonly number: string;
  readonly item: { readonly code: string; readonly revision: string };
  readonly quantity: Quantity;
  readonly dueWindow: { readonly start: string; readonly end: string };
  readonly priority: Priority;
  readonly workCenterId: string;
  readonly operations: readonly Operation[];
  readonly materials: readonly Material[];
  readonly attachments: readonly unknown[];
  readonly notes: string | null;
  readonly parameters?: { readonly recipe: string | null; readonly setpoints: readonly Setpoint[] };
  readonly customerReference?: string | null;
}

/** An order in a list (no content). */
export interface OrderSummary {
  readonly id: string;
  readonly number: string;
  readonly siteId: string;
  readonly workCenterId: string;
  readonly state: OrderState;
  readonly heldFrom: OrderState | null;
  readonly revision: number;
  readonly version: number;
  readonly contentHash: string;
  readonly priority: Priority;
  readonly dueEnd: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly goodQuantity: string;
  readonly scrapQuantity: string;
  readonly unit: string;
}

/** An electronic signature on a revision. */
export interface Signature {
  readonly signer: string;
  readonly signerId: string;
  readonly action: string;
  readonly meaning: string;
  readonly revision: number;
  readonly contentHash: string;
  readonly signedAt: string;
}

/** One order with its current revision's content (`GET /api/v1/orders/:id`). */
export interface OrderDetail extends OrderSummary {
  readonly content: OrderContent;
  readonly confidentialIncluded: boolean;
  readonly confidentialFields: readonly string[];
  readonly signatures: readonly Signature[];
}

/** A page of the order list. */
export interface OrderPage {
  readonly items: readonly OrderSummary[];
  readonly nextCursor: string | null;
  /** With a customer search: false while older orders are not yet indexed for it. */
  readonly customerIndexComplete?: boolean;
  /** With a customer search: how many orders it cannot find, their customer reference not decrypting. */
  readonly customerIndexUnreadable?: number;
}

/** A stored revision (`GET /api/v1/orders/:id/revisions`). */
export interface RevisionSummary {
  readonly revision: number;
  readonly contentHash: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** A revision with its content (`GET /api/v1/orders/:id/revisions/:revision`). */
export interface RevisionDetail extends RevisionSummary {
  readonly content: OrderContent;
}

/** A work center of the plant, for choosing and naming. */
export interface WorkCenter {
  readonly id: string;
  readonly code: string;
  readonly name: string;
}

/** One accepted change of an order (`GET /api/v1/orders/:id/history`). */
export interface HistoryEvent {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly revision: number | null;
  readonly reason: string | null;
  readonly note: string | null;
}
