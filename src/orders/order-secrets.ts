/**
 * Confidential fields at rest (issue 5 point 4): envelope encryption. Each order has its own
 * AES-256 data key, stored wrapped by a key-encryption key of the keyring (`order_data_keys`);
 * each confidential field of each revision is sealed with it (AES-256-GCM), bound by its
 * additional data to the order id, the revision and the field name, so a ciphertext moved to
 * another row or field fails to decrypt. A wrong or missing key gives a clear error, never garbage.
 */
import type { Kysely } from 'kysely';
import { canonicalJson, decryptField, encryptField, newDataKey, type Keyring } from '../crypto/index.js';
import { CONFIDENTIAL_FIELDS, ForgelineError, type OrderContent } from '../domain/index.js';
import type { Database, OrderDataKeysTable } from '../store/index.js';
import { CustomerSearchKey } from './customer-tag.js';

/** The confidential part of a revision's content. */
type ConfidentialPart = Pick<OrderContent, (typeof CONFIDENTIAL_FIELDS)[number]>;

/** How a sealed revision's `confidential` column reads: every field a `fle1.` ciphertext. */
interface SealedColumn {
  readonly v: 1;
  readonly sealed: Record<string, string>;
}

/** A `confidential` column as stored: sealed, or plain JSON from before encryption. */
type StoredColumn = Partial<SealedColumn> & Record<string, unknown>;

function isSealed(column: StoredColumn): column is SealedColumn & Record<string, unknown> {
  return column.v === 1 && typeof column.sealed === 'object' && column.sealed !== null;
}

/** Unwrapped data keys kept in memory, so reads do not call the keyring (which may be an external KMS) each time. */
const DATA_KEY_CACHE_SIZE = 10_000;

/** The data keys of orders: made, wrapped, unwrapped (cached), and used to seal and open confidential fields. */
export class OrderSecrets {
  readonly #cache = new Map<string, Buffer>();
  /** The key of the customer-reference blind index, kept by the same keyring. */
  readonly customerSearch: CustomerSearchKey;

  constructor(private readonly keyring: Keyring) {
    this.customerSearch = new CustomerSearchKey(keyring);
  }

  /**
   * A new data key for an order: its plaintext for the transaction that stores `row`. Not cached:
   * until that transaction commits the key exists nowhere else, and a failed one must not leave it behind.
   */
  async newDataKey(orderId: string, now: string): Promise<{ readonly key: Buffer; readonly row: OrderDataKeysTable }> {
    const key = newDataKey();
    const wrapped = await this.keyring.wrap(key);
    return { key, row: { order_id: orderId, kek_id: wrapped.kekId, wrapped_key: wrapped.wrapped, created_at: now } };
  }

  /** An order's data key, or null for an order written before confidential fields were encrypted. */
  async dataKey(db: Kysely<Database>, orderId: string): Promise<Buffer | null> {
    const cached = this.#cache.get(orderId);
    if (cached !== undefined) return cached;
    const row = await db.selectFrom('order_data_keys').select(['kek_id', 'wrapped_key']).where('order_id', '=', orderId).executeTakeFirst();
    if (row === undefined) return null;
    const key = await this.keyring.unwrap({ kekId: row.kek_id, wrapped: row.wrapped_key }).catch((error: unknown) => {
      if (error instanceof ForgelineError) throw new ForgelineError(error.code, `the data key of order ${orderId}: ${error.message}`);
      throw error;
    });
    this.#remember(orderId, key);
    return key;
  }

  /** The `confidential` column of a revision: each field sealed for this order, revision and field. */
  seal(key: Buffer, orderId: string, revision: number, part: ConfidentialPart): string {
    const sealed: Record<string, string> = {};
    for (const field of CONFIDENTIAL_FIELDS) sealed[field] = encryptField(key, canonicalJson(part[field] ?? null), { orderId, revision, field });
    return JSON.stringify({ v: 1, sealed } satisfies SealedColumn);
  }

  /**
   * Opens a revision's `confidential` column, fetching (and unwrapping) the order's data key only
   * when the column is sealed: a column from before encryption is plain JSON and read as it is.
   */
  async openColumn(db: Kysely<Database>, orderId: string, revision: number, column: string): Promise<ConfidentialPart> {
    const parsed = JSON.parse(column) as StoredColumn;
    return this.#open(isSealed(parsed) ? await this.dataKey(db, orderId) : null, orderId, revision, parsed);
  }

  /** {@link OrderSecrets.openColumn} with the data key already in hand. */
  open(key: Buffer | null, orderId: string, revision: number, column: string): ConfidentialPart {
    return this.#open(key, orderId, revision, JSON.parse(column) as StoredColumn);
  }

  #open(key: Buffer | null, orderId: string, revision: number, parsed: StoredColumn): ConfidentialPart {
    if (!isSealed(parsed)) return parsed as unknown as ConfidentialPart;
    if (key === null) throw new ForgelineError('decryption-failed', `order ${orderId} revision ${revision} is encrypted but the order has no data key`);
    const part: Record<string, unknown> = {};
    for (const field of CONFIDENTIAL_FIELDS) {
      const ciphertext = parsed.sealed[field];
      if (typeof ciphertext !== 'string') throw new ForgelineError('decryption-failed', `the ${field} of order ${orderId} revision ${revision} is missing from its sealed fields`);
      part[field] = JSON.parse(decryptField(key, ciphertext, { orderId, revision, field })) as unknown;
    }
    return part as ConfidentialPart;
  }

  /** Forgets the cached key of an order (tests; a key re-wrapped elsewhere needs no forgetting: the plaintext is the same). */
  forget(orderId: string): void {
    this.#cache.delete(orderId);
  }

  #remember(orderId: string, key: Buffer): void {
    this.#cache.delete(orderId);
    this.#cache.set(orderId, key);
    if (this.#cache.size > DATA_KEY_CACHE_SIZE) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }
}
