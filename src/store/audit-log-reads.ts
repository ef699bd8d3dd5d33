/** Reads of the audit log that several parts need: its size and its stored Merkle subtrees. */
import type { Kysely } from 'kysely';
import type { SubtreeAddress } from '../crypto/index.js';
import type { Database } from './schema.js';

/** The number of entries in the log (its tree size): the highest index plus one. */
export async function auditLogSize(db: Kysely<Database>): Promise<number> {
  const { last } = await db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
  return last === null ? 0 : Number(last) + 1;
}

/**
 * The stored hashes of the subtrees at `addresses`, in the order asked, in one query (a row-value
 * IN list: one primary-key probe per address). A missing node is answered with an empty array.
 */
export async function readAuditTreeNodes(db: Kysely<Database>, addresses: readonly SubtreeAddress[]): Promise<Uint8Array[]> {
  if (addresses.length === 0) return [];
  const rows = await db
    .selectFrom('audit_tree_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) => eb(eb.refTuple('level', 'idx'), 'in', addresses.map((address) => eb.tuple(address.level, address.index))))
    .execute();
  const byAddress = new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
  return addresses.map((address) => {
    const hash = byAddress.get(`${address.level}/${address.index}`);
    return hash === undefined ? new Uint8Array(0) : Buffer.from(hash, 'hex');
  });
}
