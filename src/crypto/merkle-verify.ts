/**
 * Verification of inclusion and consistency proofs (RFC 9162 §2.1.3.2,
 * §2.1.4.2). Inputs are untrusted: anything malformed answers false, nothing throws.
 *
 * A proof binds the sizes only through the root it is checked against: the
 * inclusion proof of leaf 0 in a tree of 5 also "verifies" as size 6 against the
 * size-5 root. Always take the size and the root from the same signed checkpoint.
 */
import { timingSafeEqual } from 'node:crypto';
import { isTreeCount } from './merkle-address.js';
import { emptyRoot, isHash, nodeHash } from './merkle-hash.js';
import { consistencyProofAddresses, inclusionProofAddresses } from './merkle-proofs.js';

function isProof(proof: unknown, length: number): proof is readonly Uint8Array[] {
  // The length check comes first so a huge untrusted array costs nothing.
  return Array.isArray(proof) && proof.length === length && proof.every(isHash);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return timingSafeEqual(a, b);
}

const isOdd = (n: number): boolean => n % 2 === 1;
// Sizes go up to 2^53, past the 32 bits that JavaScript's >> works on.
const half = (n: number): number => Math.floor(n / 2);

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !isOdd(m)) m /= 2;
  return m === 1;
}

/**
 * True when `proof` shows that `leaf` (a leaf hash) is leaf `index` of the tree
 * of `size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
 */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isHash(leaf) || !isHash(root) || !isTreeCount(index) || !isTreeCount(size) || index >= size) return false;
  if (!isProof(proof, inclusionProofAddresses(index, size).elements.length)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this subtree is the last one and has no sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(r, root);
}

/**
 * True when `proof` shows that the tree of `from` leaves with root `fromRoot` is
 * a prefix of the tree of `to` leaves with root `toRoot` (RFC 9162 §2.1.4.2).
 * Equal sizes need an empty proof and equal roots; from 0 needs an empty proof
 * and the empty-tree root.
 */
export function verifyConsistency(from: number, to: number, proof: readonly Uint8Array[], fromRoot: Uint8Array, toRoot: Uint8Array): boolean {
  if (!isTreeCount(from) || !isTreeCount(to) || from > to || !isHash(fromRoot) || !isHash(toRoot)) return false;
  if (from === to) return isProof(proof, 0) && sameHash(fromRoot, toRoot);
  if (from === 0) return isProof(proof, 0) && sameHash(fromRoot, emptyRoot());
  // The expected length is never 0 here, which is step 1 (an empty proof fails).
  if (!isProof(proof, consistencyProofAddresses(from, to).elements.length)) return false;
  // Step 2: when the old tree is a perfect subtree its root is the first node.
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(fr, fromRoot) && sameHash(sr, toRoot);
}
