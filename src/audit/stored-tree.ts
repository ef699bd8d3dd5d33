import type { Kysely } from 'kysely';
import type { SubtreeAddress, SubtreeSource } from '../crypto/index.js';
import type { Database } from '../store/index.js';

/**
 * The audit log's Merkle tree as the store keeps it: every complete subtree's hash.
 * One `getMany` is one query, so a proof or a root costs a single round trip.
 */
export class StoredTree implements SubtreeSource {
  constructor(private readonly db: Kysely<Database>) {}

  async getMany(addresses: readonly SubtreeAddress[]): Promise<Uint8Array[]> {
    if (addresses.length === 0) return [];
    const rows = await this.db
      .selectFrom('audit_tree_nodes')
      .select(['level', 'idx', 'hash'])
      // A row-value IN list: one primary-key probe per address on both engines.
      .where((eb) => eb(eb.refTuple('level', 'idx'), 'in', addresses.map((address) => eb.tuple(address.level, address.index))))
      .execute();
    const byAddress = new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
    return addresses.map((address) => {
      const hash = byAddress.get(`${address.level}/${address.index}`);
      // A missing node is answered with an empty hash; the merkle code reports it as merkle-node-missing.
      return hash === undefined ? new Uint8Array(0) : Buffer.from(hash, 'hex');
    });
  }

  /** The number of entries in the log (its tree size). */
  async size(): Promise<number> {
    const row = await this.db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
    return row.last === null ? 0 : Number(row.last) + 1;
  }
}
