/**
 * Addresses of the perfect subtrees a Merkle tree is stored as, and the
 * interface proofs read them through. A perfect subtree `(level, index)` holds
 * the 2^level leaves starting at leaf index * 2^level; once complete it never changes.
 */
import { isHash } from './merkle-hash.js';

/** Stable codes of Merkle failures. Add freely; never rename (a test pins the list). */
export const MERKLE_ERROR_CODES = ['merkle-range-invalid', 'merkle-hash-invalid', 'merkle-node-missing'] as const;
/** One of {@link MERKLE_ERROR_CODES}. */
export type MerkleErrorCode = (typeof MERKLE_ERROR_CODES)[number];

/**
 * Thrown when a proof is asked for sizes that do not exist (`merkle-range-invalid`;
 * the API validates first, so this is a caller's bug), when a leaf to append is
 * not a 32-byte hash (`merkle-hash-invalid`), or when storage lacks a subtree
 * it must hold (`merkle-node-missing`). Verification never throws.
 */
export class MerkleError extends Error {
  constructor(
    readonly code: MerkleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MerkleError';
  }
}

/** A perfect subtree: the 2^level leaves starting at leaf index * 2^level. */
export interface SubtreeAddress {
  readonly level: number;
  readonly index: number;
}

/** A perfect subtree with its hash, as the store keeps it. */
export interface StoredSubtree extends SubtreeAddress {
  readonly hash: Uint8Array;
}

/**
 * Where proofs read perfect-subtree hashes from (the database, or a
 * {@link MemoryTree}). `getMany` answers in the order asked, in one read if it
 * can, and throws when a subtree is missing.
 */
export interface SubtreeSource {
  getMany(addresses: readonly SubtreeAddress[]): Promise<readonly Uint8Array[]> | readonly Uint8Array[];
}

/** True for a tree size or leaf index this module takes: a non-negative safe integer. */
export function isTreeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Throws `merkle-range-invalid` unless `value` is a tree size or leaf index. */
export function requireTreeCount(name: string, value: number): void {
  if (!isTreeCount(value)) throw new MerkleError('merkle-range-invalid', `${name} must be a non-negative integer, got ${String(value)}`);
}

/** The split point k of RFC 9162 §2.1.1: the largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  // log2 rounds near 2^53, so the estimate is corrected by one step either way.
  let k = 2 ** Math.floor(Math.log2(n - 1));
  if (k >= n) k /= 2;
  if (k * 2 < n) k *= 2;
  return k;
}

/** The perfect subtree of `width` leaves (a power of two) starting at leaf `start` (a multiple of it). */
export function perfectSubtree(start: number, width: number): SubtreeAddress {
  // log2 of a power of two is exact or within rounding of an integer.
  return { level: Math.round(Math.log2(width)), index: start / width };
}

/**
 * The perfect subtrees covering leaves [start, start + count), largest first.
 * Every range an RFC 9162 split yields starts at a multiple of a power of two
 * no smaller than its length, so each part is aligned, hence a stored subtree.
 */
export function decomposeRange(start: number, count: number): SubtreeAddress[] {
  const parts: SubtreeAddress[] = [];
  let width = count > 1 ? splitPoint(count + 1) : 1;
  let at = start;
  let remaining = count;
  for (; remaining > 0; width /= 2) {
    if (remaining < width) continue;
    parts.push(perfectSubtree(at, width));
    at += width;
    remaining -= width;
  }
  return parts;
}

/**
 * The perfect subtrees that make up a tree of `size` leaves, largest first (the
 * binary decomposition of `size`); their hashes fold into the root.
 */
export function rootAddresses(size: number): SubtreeAddress[] {
  requireTreeCount('size', size);
  return decomposeRange(0, size);
}

/** Reads `addresses` from `source`, checking it answered one hash of the right size for each. */
export async function readSubtrees(source: SubtreeSource, addresses: readonly SubtreeAddress[]): Promise<readonly Uint8Array[]> {
  if (addresses.length === 0) return [];
  return checkSubtrees(addresses, await source.getMany(addresses));
}

/** Checks that `hashes` has one well-formed hash per address; throws `merkle-node-missing` otherwise. */
export function checkSubtrees(addresses: readonly SubtreeAddress[], hashes: readonly Uint8Array[]): readonly Uint8Array[] {
  if (hashes.length !== addresses.length) {
    throw new MerkleError('merkle-node-missing', `asked for ${addresses.length} subtree hashes, got ${hashes.length}`);
  }
  const bad = hashes.findIndex((hash) => !isHash(hash));
  const address = addresses[bad];
  if (address !== undefined) throw new MerkleError('merkle-node-missing', `subtree (${address.level}, ${address.index}) is not a 32-byte hash`);
  return hashes;
}
