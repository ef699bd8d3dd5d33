import type { Kysely } from 'kysely';
import type { SubtreeAddress, SubtreeSource } from '../crypto/index.js';
import { auditLogSize, readAuditTreeNodes, type Database } from '../store/index.js';

/**
 * The audit log's Merkle tree as the store keeps it: every complete subtree's hash.
 * One `getMany` is one query, so a proof or a root costs a single round trip.
 */
export class StoredTree implements SubtreeSource {
  constructor(private readonly db: Kysely<Database>) {}

  /** A missing node comes back empty; the merkle code reports it as merkle-node-missing. */
  getMany(addresses: readonly SubtreeAddress[]): Promise<Uint8Array[]> {
    return readAuditTreeNodes(this.db, addresses);
  }

  /** The number of entries in the log (its tree size). */
  size(): Promise<number> {
    return auditLogSize(this.db);
  }
}
