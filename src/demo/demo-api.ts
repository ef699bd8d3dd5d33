import type { OrderCommand, OrderState, PlantLevel } from '../domain/index.js';
import type { DemoClient } from './demo-client.js';
import { DemoError } from './demo-error.js';

/** A plant node as `GET /api/v1/plant` and the import answer present it. */
export interface PlantNodeView {
  readonly id: string;
  readonly kind: PlantLevel;
  readonly code: string;
  readonly name: string;
  readonly parentId: string | null;
}

/** The fields of an order the demo reads. */
export interface OrderView {
  readonly id: string;
  readonly number: string;
  readonly state: OrderState;
  readonly heldFrom: OrderState | null;
  readonly version: number;
  readonly goodQuantity: string;
  readonly scrapQuantity: string;
  readonly content?: Readonly<Record<string, unknown>>;
  readonly confidentialIncluded?: boolean;
  readonly signatures?: readonly { readonly signer: string; readonly meaning: string }[];
}

/** The fields of an audit entry the demo reads. */
export interface AuditEntryView {
  readonly index: number;
  readonly kind: string;
  readonly outcome: 'ok' | 'denied';
  readonly actor: string;
}

/** A page of the audit log. */
export interface AuditPageView {
  readonly items: readonly AuditEntryView[];
  readonly nextAfter: number | null;
}

/** A page of the order list. */
export interface OrderPageView {
  readonly items: readonly OrderView[];
  readonly nextCursor: string | null;
}

/** The path of an order, or of one of its actions. */
export function orderPath(id: string, command?: OrderCommand): string {
  return `/api/v1/orders/${encodeURIComponent(id)}${command ? `/${command}` : ''}`;
}

/**
 * Performs a lifecycle command on an order as `client`, naming the version it last
 * saw (optimistic concurrency), and checks the order lands in `expected`.
 */
export async function act(
  client: DemoClient,
  order: OrderView,
  command: OrderCommand,
  expected: OrderState,
  body: Readonly<Record<string, unknown>> = {},
): Promise<OrderView> {
  const step = `${command} ${order.number} as ${client.username}`;
  const next = await client.expect<OrderView>(step, { method: 'POST', path: orderPath(order.id, command), body: { version: order.version, ...body } });
  if (next.state !== expected) throw new DemoError(step, `expected the order to be ${expected}, it is ${next.state}`);
  if (next.version !== order.version + 1) throw new DemoError(step, `expected version ${order.version + 1}, got ${next.version}`);
  return next;
}
