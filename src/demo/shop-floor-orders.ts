/**
 * The shop floor chapter's fixtures: one order per work center and the tampered copy of a
 * delivered one. Plain data, no I/O.
 */
import type { OrderDelivery } from '../agent/index.js';
import { orderInput, orderNumber } from './demo-plant.js';

/** Orders of the 50-order story come first; the shop floor's numbers follow them (NW-0051 …). */
export const SHOP_FLOOR_FIRST_INDEX = 50;

/** What each machine makes of its job (the simulated machine counts up to the order quantity). */
export const SHOP_FLOOR_QUANTITY = { value: '250', unit: 'm' } as const;

/**
 * The create request of the shop floor order for a work center: the story's order, cut to the one
 * operation the work center runs, so the machine's counts (which the agent books on the routing's
 * first operation) are the order's good and scrap (which the server takes from its last).
 */
export function shopFloorOrderInput(position: number, workCenter: { readonly id: string; readonly name: string }, now: Date): Record<string, unknown> {
  const index = SHOP_FLOOR_FIRST_INDEX + position;
  const base = orderInput(index, workCenter.id, now);
  return {
    ...base,
    number: orderNumber(index),
    quantity: SHOP_FLOOR_QUANTITY,
    priority: 'high',
    operations: [{ seq: 10, code: 'RUN', description: `Run on ${workCenter.name}` }],
    materials: [
      { line: 1, itemCode: 'WIRE-18', itemRevision: 'A', quantity: { value: '412.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 },
    ],
  };
}

/** A delivery whose payload was changed on the way, its signature kept, and what was changed. */
export interface TamperedDelivery {
  readonly delivery: OrderDelivery;
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The attacker's copy of a delivered order: the JWS payload decoded, the quantity multiplied by
 * ten, encoded again between the original header and signature (RFC 7515 §7.1 compact form).
 * Only a verifier that checks the signature over the payload as received can tell.
 */
export function tamperQuantity(delivery: OrderDelivery): TamperedDelivery {
  const [header, payload, signature] = delivery.jws.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new RangeError('the delivery is not a compact JWS');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { order?: { content?: { quantity?: { value?: unknown } } } };
  const quantity = claims.order?.content?.quantity;
  if (quantity === undefined || typeof quantity.value !== 'string') throw new RangeError('the delivered order carries no quantity');
  const from = quantity.value;
  const to = String(Number(from) * 10);
  quantity.value = to;
  const forged = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return { delivery: { ...delivery, jws: `${header}.${forged}.${signature}` }, field: 'quantity', from, to };
}
