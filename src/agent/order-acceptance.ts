/**
 * What an edge agent checks before it accepts an order (issue 6 point 2, DESIGN invariant 4):
 * the release's JWS is signed by a trusted key that was not revoked before it signed
 * (EdDSA pinned), is addressed to this agent's own work center, has not expired, its content
 * hashes to the hash that was signed, and its `jti` was never accepted before, across
 * restarts. Anything else is refused with a stable code and executes nothing.
 */
import { verifyOrderJwsAsync, type OrderJwsPayload, type OrderVerificationKey } from '../crypto/index.js';
import { ForgelineError, type ErrorCode } from '../domain/index.js';
import type { JtiJournal } from './jti-journal.js';

/** What the agent knows when an order arrives. */
export interface AcceptanceContext {
  /** The work center this agent runs beside (from its certificate). */
  readonly workCenterId: string;
  /** The trusted order-signing keys (from the JWKS), revoked ones with `revokedSince`. */
  readonly keys: (kid: string) => OrderVerificationKey | undefined;
  readonly journal: JtiJournal;
  readonly now: Date;
  /**
   * Runs after every check passed and before the jti is recorded: the agent writes the job down
   * here, so a crash between the two never leaves an order remembered as accepted but not kept.
   */
  readonly beforeRemember?: (payload: OrderJwsPayload, jws: string) => Promise<void>;
}

/** The verdict on one arriving order. */
export type Acceptance =
  | { readonly accepted: true; readonly payload: OrderJwsPayload }
  | { readonly accepted: false; readonly code: ErrorCode; readonly reason: string; readonly orderId: string | null };

/**
 * Verifies `jws` and, when it passes, records its `jti` durably before answering accepted:
 * the caller may acknowledge the order once this resolves. Never throws for a bad order.
 */
export async function acceptOrder(jws: string, context: AcceptanceContext): Promise<Acceptance> {
  let payload: OrderJwsPayload;
  try {
    // The signature is checked on the thread pool: the agent's loop keeps serving its machine meanwhile.
    payload = (await verifyOrderJwsAsync(jws.trim(), { key: context.keys, now: context.now, audience: context.workCenterId })).payload;
  } catch (error) {
    if (error instanceof ForgelineError) return { accepted: false, code: error.code, reason: error.message, orderId: claimedOrderId(jws) };
    throw error;
  }
  if (context.journal.has(payload.jti)) {
    return { accepted: false, code: 'order-replayed', reason: `order ${payload.order.number} (jti ${payload.jti}) was accepted before: a replay is refused`, orderId: payload.sub };
  }
  await context.beforeRemember?.(payload, jws.trim());
  await context.journal.remember(payload.jti, payload.exp);
  return { accepted: true, payload };
}

/** The order id a refused JWS claims, for the refusal report (never trusted for anything else). */
function claimedOrderId(jws: string): string | null {
  try {
    const sub = (JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub.length <= 64 ? sub : null;
  } catch {
    return null;
  }
}
