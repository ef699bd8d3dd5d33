/**
 * The running root of a tree that only grows, in O(log n) memory: what a
 * verifier streaming millions of leaves keeps instead of the leaves.
 */
import { MerkleError } from './merkle-address.js';
import { foldSubtrees, isHash, nodeHash } from './merkle-hash.js';

/**
 * A compact range [0, size) (transparency-dev's term): the hashes of the
 * perfect subtrees that make up the tree of the leaves appended so far, one
 * per 1-bit of `size`. `root()` is the RFC 9162 §2.1.1 MTH of those leaves.
 */
export class CompactRange {
  // Largest (leftmost) subtree first, as rootAddresses(size) lists them.
  readonly #hashes: Uint8Array[] = [];
  #size = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash (32 bytes; throws `merkle-hash-invalid` otherwise). Amortized one node hash per leaf. */
  append(leaf: Uint8Array): void {
    if (!isHash(leaf)) throw new MerkleError('merkle-hash-invalid', 'the leaf hash must be 32 bytes');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new MerkleError('merkle-range-invalid', 'the tree is full');
    // Like a binary increment: each trailing 1-bit of the size is a perfect
    // subtree of the new leaf's width, now completed into one twice as wide.
    // Sizes go past 2^32, so halve with arithmetic rather than >>.
    let hash = leaf;
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) hash = nodeHash(this.#hashes.pop() as Uint8Array, hash);
    // A leaf kept as is is copied, so the caller may reuse its buffer.
    this.#hashes.push(hash === leaf ? new Uint8Array(leaf) : hash);
    this.#size += 1;
  }

  /** The root of the leaves appended so far; the empty-tree root (SHA-256 of "") for none. A fresh copy. */
  root(): Uint8Array {
    return new Uint8Array(foldSubtrees(this.#hashes));
  }
}
