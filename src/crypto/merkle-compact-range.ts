/**
 * The running root of a tree that only grows, in O(log n) memory: what a
 * verifier streaming millions of leaves keeps instead of the leaves.
 */
import { MerkleError } from './merkle-address.js';
import { fromBinary, leafHashBinary, nodeHashBinary, toBinary } from './merkle-hash-binary.js';
import { emptyRoot, isHash } from './merkle-hash.js';

/**
 * A compact range [0, size) (transparency-dev's term): the hashes of the
 * perfect subtrees that make up the tree of the leaves appended so far, one
 * per 1-bit of `size`. `root()` is the RFC 9162 §2.1.1 MTH of those leaves.
 */
export class CompactRange {
  // Largest (leftmost) subtree first, as rootAddresses(size) lists them; binary strings, which
  // node:crypto returns and takes back faster than Buffers, and which nobody else can change.
  readonly #hashes: string[] = [];
  #size = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash (32 bytes; throws `merkle-hash-invalid` otherwise). Amortized one node hash per leaf. */
  append(leaf: Uint8Array): void {
    if (!isHash(leaf)) throw new MerkleError('merkle-hash-invalid', 'the leaf hash must be 32 bytes');
    this.#push(toBinary(leaf));
  }

  /**
   * Appends the leaf of an entry's bytes: the same as `append(leafHash(entry))`, without a Buffer
   * per hash (what verifying an export of millions of entries spends much of its time on).
   */
  appendEntry(entry: Uint8Array): void {
    this.#push(leafHashBinary(entry));
  }

  #push(leaf: string): void {
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new MerkleError('merkle-range-invalid', 'the tree is full');
    // Like a binary increment: each trailing 1-bit of the size is a perfect
    // subtree of the new leaf's width, now completed into one twice as wide.
    // Sizes go past 2^32, so halve with arithmetic rather than >>.
    let hash = leaf;
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) hash = nodeHashBinary(this.#hashes.pop() as string, hash);
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** The root of the leaves appended so far; the empty-tree root (SHA-256 of "") for none. A fresh copy. */
  root(): Uint8Array {
    const hashes = this.#hashes;
    const last = hashes.at(-1);
    if (last === undefined) return new Uint8Array(emptyRoot());
    // MTH splits at the largest power of two below n (RFC 9162 §2.1.1), so the leftmost perfect
    // subtree is the root's left child and the rest nest to the right (as foldSubtrees does).
    let hash = last;
    for (let i = hashes.length - 2; i >= 0; i -= 1) hash = nodeHashBinary(hashes[i] as string, hash);
    return fromBinary(hash);
  }
}
