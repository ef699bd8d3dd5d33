/**
 * The blind index of customer references (issue 7 point 3): the reference is confidential and
 * stored only sealed, so the list finds it by a keyed tag instead, HMAC-SHA-256 (RFC 2104) of the
 * normalised reference under a search key. Without the key a tag cannot be computed from a guess,
 * so the column does not let a database reader test candidate customers. A tag reveals equality
 * only: two orders of one customer share it, and nothing of prefixes or order, which is why the
 * search is exact-match only.
 *
 * The search key is kept like the orders' data keys: random, stored wrapped by the keyring's KEK
 * (`search_keys`), re-wrapped by `keys rotate-kek`, so tags stay valid across KEK rotations and
 * every server instance computes the same ones.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import type { Database } from '../store/index.js';
import { isKeyringFailure } from './keyring-failure.js';

/** The `search_keys.purpose` of the customer-reference index. */
export const CUSTOMER_SEARCH_KEY = 'customer-reference';

/** The stored tag of an order that has no customer reference (null means "not indexed yet"). */
export const NO_CUSTOMER_TAG = '';

/**
 * The stored tag of an order whose customer reference could not be decrypted (`decryption-failed`:
 * its sealed fields or its wrapped data key do not authenticate), so it cannot be indexed. No search
 * tag can equal it: tags are 43 characters of base64url, and `!` is none of them. Such an order
 * stays out of customer search, counts as looked at (the fill at start and the completeness check
 * pass it by), is counted in a customer search's answer, and is tried again by
 * `forgeline order reindex` and by its next revision.
 */
export const UNREADABLE_CUSTOMER_TAG = '!unreadable';

const SEARCH_KEY_BYTES = 32;
// Domain separation: the same key could never make a tag that means something else.
const TAG_CONTEXT = 'forgeline-customer-reference:v1\0';

/**
 * How a reference is compared: NFC, trimmed, case-folded (upper then lower case, which folds "ß"
 * to "ss" and final sigma to sigma as Unicode full case folding does), and NFC again because case
 * mapping can leave a string unnormalised. "Acme-42 " and "ACME-42" are the same customer.
 */
export function normaliseCustomerReference(reference: string): string {
  return reference.normalize('NFC').trim().toUpperCase().toLowerCase().normalize('NFC');
}

/** The tag of a reference under `key`: unpadded base64url of the HMAC-SHA-256. */
export function customerTagWith(key: Buffer, reference: string): string {
  return createHmac('sha256', key).update(TAG_CONTEXT).update(normaliseCustomerReference(reference), 'utf8').digest('base64url');
}

/** The search key of customer references: made once, wrapped by the keyring, unwrapped once per process. */
export class CustomerSearchKey {
  #key: Promise<Buffer> | undefined;

  constructor(private readonly keyring: Keyring) {}

  /** The tag to store for a revision whose reference is `reference` ({@link NO_CUSTOMER_TAG} for none). */
  async tagOf(db: Kysely<Database>, reference: string | null): Promise<string> {
    if (reference === null || normaliseCustomerReference(reference) === '') return NO_CUSTOMER_TAG;
    return customerTagWith(await this.key(db), reference);
  }

  /**
   * {@link CustomerSearchKey.tagOf} for the order service: null ("not indexed yet") when the keyring
   * cannot open the search key, so an order is never refused for its search index; the list then
   * says its customer index is incomplete, and `forgeline order reindex` fills the tag later.
   */
  async indexTagOf(db: Kysely<Database>, reference: string | null): Promise<string | null> {
    try {
      return await this.tagOf(db, reference);
    } catch (error) {
      if (isKeyringFailure(error)) return null;
      throw error;
    }
  }

  /** The unwrapped search key; the first call of a database makes it. A failure is not cached, so the next call tries again. */
  key(db: Kysely<Database>): Promise<Buffer> {
    this.#key ??= this.#load(db).catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async #load(db: Kysely<Database>): Promise<Buffer> {
    const stored = await db.selectFrom('search_keys').select(['kek_id', 'wrapped_key']).where('purpose', '=', CUSTOMER_SEARCH_KEY).executeTakeFirst();
    if (stored !== undefined) return this.#unwrap(stored.kek_id, stored.wrapped_key);
    const key = randomBytes(SEARCH_KEY_BYTES);
    const wrapped = await this.keyring.wrap(key);
    // Two instances starting at once: the first insert wins and the other reads the winner's key.
    await db.insertInto('search_keys').values({ purpose: CUSTOMER_SEARCH_KEY, kek_id: wrapped.kekId, wrapped_key: wrapped.wrapped, created_at: new Date().toISOString() })
      .onConflict((conflict) => conflict.column('purpose').doNothing()).execute();
    const winner = await db.selectFrom('search_keys').select(['kek_id', 'wrapped_key']).where('purpose', '=', CUSTOMER_SEARCH_KEY).executeTakeFirstOrThrow();
    return winner.wrapped_key === wrapped.wrapped ? key : this.#unwrap(winner.kek_id, winner.wrapped_key);
  }

  async #unwrap(kekId: string, wrapped: string): Promise<Buffer> {
    return this.keyring.unwrap({ kekId, wrapped }).catch((error: unknown) => {
      if (error instanceof ForgelineError) throw new ForgelineError(error.code, `the customer search key: ${error.message}`);
      throw error;
    });
  }
}
