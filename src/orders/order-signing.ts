/**
 * Released revisions as signed, self-verifying documents (issue 5 point 2): at release the
 * revision, its content hash and the approvers' electronic signatures are signed as a compact
 * JWS (EdDSA, `kid`) for the order's work center, in the release transaction; before the order
 * moves on, and whenever it is handed out, its JWS is verified against the keys as they are now,
 * so a revoked key stops what it signed. Beside it, with the same key, a release attestation
 * (src/crypto/release-attestation.ts) that any reader of the order may check (issue 7 point 7).
 */
import { randomUUID } from 'node:crypto';
import { attestRelease, signOrderJws, verifyOrderJwsAsync, type JwsElectronicSignature, type OrderJwsPayload, type OrderSigningKey, type OrderVerificationKey } from '../crypto/index.js';
import { can, type Actor } from '../access/index.js';
import { ForgelineError, idSchema } from '../domain/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow } from '../store/index.js';
import { loadContent, loadOrderContext, orderResource } from './order-context.js';
import type { OrderSecrets } from './order-secrets.js';

/** How long a released order's JWS is valid for devices to accept it. */
export const ORDER_JWS_VALIDITY_DAYS = 30;

/** The keys the order service signs and verifies with (the SigningKeyService, seen from here). */
export interface OrderSigner {
  /** The JWS `iss`: this installation. */
  readonly issuer: string;
  activeKey(): Promise<OrderSigningKey>;
  verificationKeys(): Promise<(kid: string) => OrderVerificationKey | undefined>;
}

/** What the audit entry of a release records of its JWS. */
export interface IssuedJws {
  readonly kid: string;
  readonly jti: string;
  readonly audience: string;
  readonly expiresAt: string;
}

/**
 * Signs the released revision of `row` (its state already checked by the caller's transaction)
 * and stores the JWS with it. The payload carries the whole revision, confidential fields
 * included: the machine needs the recipe, and the content hash covers it all. The release
 * attestation, without content, is signed and stored with it.
 */
export async function signRelease(trx: Transaction<Database>, row: OrderRow, key: OrderSigningKey, issuer: string, now: string, secrets: OrderSecrets): Promise<IssuedJws> {
  const content = await loadContent(trx, row.id, row.revision, secrets);
  const signatures = await trx
    .selectFrom('order_signatures')
    .innerJoin('users', 'users.id', 'order_signatures.signer_id')
    .select(['users.username', 'order_signatures.signer_id', 'order_signatures.action', 'order_signatures.meaning', 'order_signatures.signed_at', 'order_signatures.content_hash', 'order_signatures.revision'])
    .where('order_signatures.order_id', '=', row.id)
    .where('order_signatures.revision', '=', row.revision)
    .orderBy('order_signatures.signed_at')
    .execute();
  const issuedAt = Math.floor(Date.parse(now) / 1000);
  const payload: OrderJwsPayload = {
    iss: issuer,
    sub: row.id,
    aud: row.work_center_id,
    iat: issuedAt,
    exp: issuedAt + ORDER_JWS_VALIDITY_DAYS * 86_400,
    jti: randomUUID(),
    order: { id: row.id, number: row.number, revision: row.revision, contentHash: row.content_hash, content: content as unknown as Record<string, unknown> },
    signatures: signatures.map((signature): JwsElectronicSignature => ({
      signer: signature.username, signerId: signature.signer_id, action: signature.action, meaning: signature.meaning,
      signedAt: signature.signed_at, contentHash: signature.content_hash, revision: signature.revision,
    })),
  };
  const jws = signOrderJws(payload, key);
  const attestation = attestRelease(jws, payload, key);
  const expiresAt = new Date(payload.exp * 1000).toISOString();
  await trx.insertInto('order_jws').values({
    order_id: row.id, revision: row.revision, kid: key.kid, jti: payload.jti, audience: payload.aud, issued_at: now, expires_at: expiresAt, jws, attestation,
  }).execute();
  return { kid: key.kid, jti: payload.jti, audience: payload.aud, expiresAt };
}

/** The stored JWS of an order's revision, or undefined when it was released unsigned (before issue 5). */
export async function storedJws(db: Kysely<Database>, orderId: string, revision: number): Promise<{ jws: string; kid: string } | undefined> {
  return db.selectFrom('order_jws').select(['jws', 'kid']).where('order_id', '=', orderId).where('revision', '=', revision).executeTakeFirst();
}

/**
 * The release attestation of an order's current revision, for anyone who may read the order (it
 * carries no confidential field). Scoped like the order read: an order outside the reader's scope
 * is not-found. Handed out as stored, unverified: the reader's own check is the point, and it
 * shows a wrong or revoked key as such. Not audited, as a read of the order without its
 * confidential fields is not. `not-found` when the revision was never released, or was released
 * before attestations were made.
 */
export async function readReleaseAttestation(db: Kysely<Database>, actor: Actor, id: string): Promise<string> {
  if (!idSchema.safeParse(id).success) throw new ForgelineError('not-found', `no order ${id}`);
  const context = await loadOrderContext(db, id);
  if (!can(actor.subject, 'order.read', orderResource(context)).allowed) throw new ForgelineError('not-found', `no order ${id}`);
  const { number, revision, state } = context.row;
  const stored = await db.selectFrom('order_jws').select('attestation').where('order_id', '=', id).where('revision', '=', revision).executeTakeFirst();
  if (stored === undefined) throw new ForgelineError('not-found', `order ${number} revision ${revision} has no signed release (it is ${state})`);
  if (stored.attestation === null) {
    throw new ForgelineError('not-found', `order ${number} revision ${revision} was released before release attestations were made, so it has none; a reader who may see its recipe and customer can check its signed order (JWS)`);
  }
  return stored.attestation;
}

/**
 * Verifies a stored JWS as a device would, against the keys as they are now (a key revoked
 * since refuses it), for the order's own work center. `expiry: 'ignore'` hands out an expired
 * one (an auditor reading an old order); dispatching checks it.
 */
export async function verifyStoredJws(signer: OrderSigner, jws: string, workCenterId: string, now: Date, expiry: 'check' | 'ignore'): Promise<OrderJwsPayload> {
  const key = await signer.verificationKeys();
  const { payload } = await verifyOrderJwsAsync(jws, { key, now, audience: workCenterId, ...(expiry === 'ignore' ? { clockToleranceSeconds: Number.POSITIVE_INFINITY } : {}) });
  return payload;
}

/** Whether `error` is one of the refusals of a JWS (as opposed to a failure of the server). */
export function isJwsRefusal(error: unknown): error is ForgelineError {
  return error instanceof ForgelineError
    && ['jws-invalid', 'key-unknown', 'key-revoked', 'order-expired', 'audience-mismatch', 'content-mismatch'].includes(error.code);
}
