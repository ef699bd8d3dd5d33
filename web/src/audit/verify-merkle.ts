/**
 * RFC 9162 Merkle hashing and inclusion proofs in the browser, as the server's
 * src/crypto/merkle-hash.ts and merkle-verify.ts do them: SHA-256 with the 0x00 leaf and
 * 0x01 node prefixes (§2.1.1), and the root recomputed from a leaf and its path (§2.1.3.2).
 */
import { sha256, type Bytes } from './verify-bytes.js';

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The leaf hash of an entry's bytes: SHA-256(0x00 || bytes). */
export function leafHash(bytes: Uint8Array): Promise<Bytes> {
  return sha256(LEAF_PREFIX, bytes);
}

/** An interior node's hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Bytes> {
  return sha256(NODE_PREFIX, left, right);
}

/** How many hashes the inclusion proof of leaf `index` in a tree of `size` leaves holds (PATH(m, D[n]), §2.1.3.1). */
export function inclusionProofLength(index: number, size: number): number {
  let length = 0;
  let m = index;
  let n = size;
  while (n > 1) {
    // The split point k: the largest power of two below n.
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m < k) {
      n = k;
    } else {
      m -= k;
      n -= k;
    }
    length += 1;
  }
  return length;
}

const isOdd = (n: number): boolean => n % 2 === 1;
// Sizes go past the 32 bits JavaScript's >> works on.
const half = (n: number): number => Math.floor(n / 2);

/**
 * The root of the tree of `size` leaves that `proof` claims leaf `index` (hash `leaf`) is in:
 * the loop of RFC 9162 §2.1.3.2 steps 3 to 5. The caller checks the proof's length first and
 * compares the answer with a signed root.
 */
export async function rootFromInclusionProof(leaf: Bytes, index: number, size: number, proof: readonly Bytes[]): Promise<Bytes> {
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      // Skip the levels where this subtree is the last one and has no sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return r;
}
