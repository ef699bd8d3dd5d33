/**
 * Where the audit log's Merkle subtrees are stored: in the row of the entry that completed them.
 * Appending leaf n completes the perfect subtrees (L, n >> L) for L = 0..t, t the number of
 * trailing one bits of n (RFC 9162 §2.1.1 trees grow like a binary counter); their hex hashes,
 * lowest level first, make up that row's `nodes`. Pure.
 */
import type { SubtreeAddress } from '../crypto/index.js';

/** Hex digits per hash in `audit_entries.nodes`: level L is at [64L, 64L + 64). */
export const NODE_HEX_LENGTH = 64;

/**
 * The index of the entry whose row holds subtree (level, index): the subtree's last leaf,
 * (index + 1) · 2^level − 1. Undefined for an address no row can hold (negative, fractional, past 2^53).
 */
export function auditNodeRow(address: SubtreeAddress): number | undefined {
  const { level, index } = address;
  if (!Number.isSafeInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0) return undefined;
  // Arithmetic rather than <<: indices go past 2^32.
  const row = (index + 1) * 2 ** level - 1;
  return Number.isSafeInteger(row) ? row : undefined;
}

/** The hex hash at `level` of a row's `nodes`; undefined when the value is too short to hold it. */
export function auditRowNode(nodes: string, level: number): string | undefined {
  const hex = nodes.slice(level * NODE_HEX_LENGTH, (level + 1) * NODE_HEX_LENGTH);
  return hex.length === NODE_HEX_LENGTH ? hex : undefined;
}

/** The subtrees whose hashes row `idx` stores, lowest first: (L, (idx + 1) / 2^L − 1) for every 2^L dividing idx + 1. */
export function auditRowAddresses(idx: number): SubtreeAddress[] {
  const addresses: SubtreeAddress[] = [{ level: 0, index: idx }];
  for (let level = 1, width = idx + 1; width % 2 === 0; level += 1) {
    width /= 2;
    addresses.push({ level, index: width - 1 });
  }
  return addresses;
}
