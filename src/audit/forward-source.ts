import { auditLogSize, type Store } from '../store/index.js';
import { ForwardError } from './forward-error.js';
import type { ForwardRecord } from './forward-record.js';

/** Where the forwarder reads the log: its size, and the entries from an index on, in index order. */
export interface AuditEntrySource {
  /** The number of entries: the highest index plus one. */
  size(): Promise<number>;
  /** Up to `limit` entries with index >= `from`, ascending; a missing index is not filled in. */
  read(from: number, limit: number): Promise<readonly ForwardRecord[]>;
}

function sourceFailed(error: unknown): ForwardError {
  return new ForwardError('source-failed', `cannot read the audit log: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
}

/** The audit log of a store as an {@link AuditEntrySource}; database failures become retryable `source-failed`. */
export function storeEntrySource(store: Store): AuditEntrySource {
  return {
    async size() {
      try {
        return await auditLogSize(store.db);
      } catch (error) {
        throw sourceFailed(error);
      }
    },
    async read(from, limit) {
      let rows;
      try {
        rows = await store.db.selectFrom('audit_entries')
          .select(['idx', 'at', 'actor', 'kind', 'outcome', 'order_id', 'leaf_hash', 'entry'])
          .where('idx', '>=', from).orderBy('idx').limit(limit).execute();
      } catch (error) {
        throw sourceFailed(error);
      }
      return rows.map((row) => ({
        index: Number(row.idx), at: row.at, actor: row.actor, kind: row.kind, outcome: row.outcome,
        orderId: row.order_id, leafHash: row.leaf_hash, entry: row.entry,
      }));
    },
  };
}
