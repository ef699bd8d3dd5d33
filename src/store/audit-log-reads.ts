/** Reads of the audit log that several parts need: its size and its stored Merkle subtrees. */
import type { Kysely } from 'kysely';
import type { SubtreeAddress } from '../crypto/index.js';
import { auditNodeRow, auditRowNode } from './audit-row-nodes.js';
import type { Database } from './schema.js';

/** The number of entries in the log (its tree size): the highest index plus one. */
export async function auditLogSize(db: Kysely<Database>): Promise<number> {
  const { last } = await db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
  return last === null ? 0 : Number(last) + 1;
}

/**
 * The stored hashes of the subtrees at `addresses`, in the order asked, in one query: each
 * subtree sits in the `nodes` of the entry that completed it (see audit-row-nodes.ts), so this is
 * one primary-key probe per distinct row. A missing node (no such row, or a row whose `nodes` is
 * too short for the level) is answered with an empty array.
 */
export async function readAuditTreeNodes(db: Kysely<Database>, addresses: readonly SubtreeAddress[]): Promise<Uint8Array[]> {
  if (addresses.length === 0) return [];
  const rowOf = addresses.map(auditNodeRow);
  const wanted = [...new Set(rowOf.filter((row): row is number => row !== undefined))];
  const rows = wanted.length === 0 ? [] : await db.selectFrom('audit_entries').select(['idx', 'nodes']).where('idx', 'in', wanted).execute();
  const nodesOf = new Map(rows.map((row) => [Number(row.idx), row.nodes]));
  return addresses.map((address, i) => {
    const row = rowOf[i];
    const nodes = row === undefined ? undefined : nodesOf.get(row);
    const hex = nodes === undefined ? undefined : auditRowNode(nodes, address.level);
    return hex === undefined ? new Uint8Array(0) : Buffer.from(hex, 'hex');
  });
}
