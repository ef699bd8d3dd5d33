/** The order shapes the floor screens read (src/server/presenters.ts), as far as they use them. */

/** An order's lifecycle state (src/domain/lifecycle.ts ORDER_STATES). */
export type OrderState = 'draft' | 'submitted' | 'released' | 'dispatched' | 'running' | 'paused' | 'held' | 'completed' | 'closed' | 'cancelled';

/** An exact amount (a decimal string) with its unit. */
export interface Quantity {
  readonly value: string;
  readonly unit: string;
}

/** An order as the list answers it. */
export interface OrderSummary {
  readonly id: string;
  readonly number: string;
  readonly workCenterId: string;
  readonly state: OrderState;
  readonly heldFrom: OrderState | null;
  readonly revision: number;
  readonly version: number;
  readonly contentHash: string;
  readonly priority: string;
  readonly dueEnd: string;
  readonly updatedAt: string;
  readonly goodQuantity: string;
  readonly scrapQuantity: string;
  readonly unit: string;
}

/** One step of the routing. */
export interface Operation {
  readonly seq: number;
  readonly code: string;
  readonly description: string;
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

/** The recipe and setpoints: present only when the API gave them to this reader. */
export interface Parameters {
  readonly recipe: string | null;
  readonly setpoints: readonly { readonly name: string; readonly value: string; readonly unit?: string }[];
}

/** A lot of material consumed. */
export interface LotConsumption {
  readonly materialLine: number;
  readonly lot: string;
  readonly quantity: string;
}

/** A progress report from the shop floor. */
export interface ProgressReport {
  readonly seq: number;
  readonly operationSeq: number;
  readonly good: string;
  readonly scrap: string;
  readonly lots: readonly LotConsumption[];
  readonly reportedAt: string;
}

/** An order with its current revision's content (confidential fields only as the API included them). */
export interface OrderDetail extends OrderSummary {
  readonly content: {
    readonly item: { readonly code: string; readonly revision: string };
    readonly quantity: Quantity;
    readonly operations: readonly Operation[];
    readonly materials: readonly Material[];
    readonly notes: string | null;
    readonly parameters?: Parameters;
  };
  readonly confidentialFields: readonly string[];
  readonly progress: readonly ProgressReport[];
}

/** A node of the plant hierarchy (`GET /api/v1/plant`). */
export interface PlantNode {
  readonly id: string;
  readonly kind: string;
  readonly code: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly path: readonly string[];
}

/** What a live order event tells (`GET /api/v1/orders/events`): which order, and where it now stands. */
export interface OrderEvent {
  readonly id: string;
  readonly state: OrderState;
  readonly version: number;
}
