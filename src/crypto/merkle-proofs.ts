/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3.1, §2.1.4.1) computed from
 * stored perfect subtrees: plan the addresses, read them in one batch, assemble.
 */
import {
  MerkleError,
  checkSubtrees,
  decomposeRange,
  perfectSubtree,
  readSubtrees,
  requireTreeCount,
  rootAddresses,
  splitPoint,
  type SubtreeAddress,
  type SubtreeSource,
} from './merkle-address.js';
import { foldSubtrees } from './merkle-hash.js';

/**
 * The subtrees a proof is made of. Proof element i is the tree hash of the
 * perfect subtrees `elements[i]` (largest first; one, except for the one
 * element that covers an incomplete right edge); `addresses` lists them all, in
 * order, for a single read. At most 2 * ceil(log2(size)) addresses.
 */
export interface ProofPlan {
  readonly elements: readonly (readonly SubtreeAddress[])[];
  readonly addresses: readonly SubtreeAddress[];
}

function planOf(elements: SubtreeAddress[][]): ProofPlan {
  return { elements, addresses: elements.flat() };
}

/** The subtrees of the inclusion proof of leaf `index` in the tree of `size` leaves; throws `merkle-range-invalid` unless index < size. */
export function inclusionProofAddresses(index: number, size: number): ProofPlan {
  requireTreeCount('index', index);
  requireTreeCount('size', size);
  if (index >= size) throw new MerkleError('merkle-range-invalid', `leaf index ${index} is not below tree size ${size}`);
  // PATH(m, D[n]) (RFC 9162 §2.1.3.1) walked from the root down over the
  // leaves [start, start + n); the proof lists the siblings from the leaf up.
  const siblings: SubtreeAddress[][] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      siblings.push(decomposeRange(start + k, n - k));
      n = k;
    } else {
      siblings.push([perfectSubtree(start, k)]);
      start += k;
      m -= k;
      n -= k;
    }
  }
  return planOf(siblings.reverse());
}

/**
 * The subtrees of the consistency proof from the tree of `from` leaves to the
 * tree of `to` leaves; empty when from is 0 or equals to. Throws
 * `merkle-range-invalid` when from > to.
 */
export function consistencyProofAddresses(from: number, to: number): ProofPlan {
  requireTreeCount('from', from);
  requireTreeCount('to', to);
  if (from > to) throw new MerkleError('merkle-range-invalid', `old tree size ${from} is above new tree size ${to}`);
  if (from === 0 || from === to) return planOf([]);
  // SUBPROOF(m, D[n], b) (RFC 9162 §2.1.4.1) walked from the root down;
  // `onLeftEdge` is b: true while the old tree is a prefix of the left spine.
  const nodes: SubtreeAddress[][] = [];
  let start = 0;
  let n = to;
  let m = from;
  let onLeftEdge = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      nodes.push(decomposeRange(start + k, n - k));
      n = k;
    } else {
      nodes.push([perfectSubtree(start, k)]);
      start += k;
      m -= k;
      n -= k;
      onLeftEdge = false;
    }
  }
  // SUBPROOF(m, D[m], false) = [MTH(D[m])]; when b is still true the verifier
  // already holds that hash (the old root), so it is left out.
  if (!onLeftEdge) nodes.push([perfectSubtree(start, n)]);
  return planOf(nodes.reverse());
}

/** Builds the proof from the hashes of `plan.addresses`, in that order. Pure. */
export function assembleProof(plan: ProofPlan, hashes: readonly Uint8Array[]): Uint8Array[] {
  checkSubtrees(plan.addresses, hashes);
  const proof: Uint8Array[] = [];
  let at = 0;
  for (const element of plan.elements) {
    proof.push(foldSubtrees(hashes.slice(at, at + element.length)));
    at += element.length;
  }
  return proof;
}

/** The root from the hashes of {@link rootAddresses}(size), in that order. Pure. */
export function assembleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  return foldSubtrees(hashes);
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves, read from `source` in one batch. */
export async function inclusionProof(index: number, size: number, source: SubtreeSource): Promise<Uint8Array[]> {
  const plan = inclusionProofAddresses(index, size);
  return assembleProof(plan, await readSubtrees(source, plan.addresses));
}

/** The consistency proof from size `from` to size `to`, read from `source` in one batch. */
export async function consistencyProof(from: number, to: number, source: SubtreeSource): Promise<Uint8Array[]> {
  const plan = consistencyProofAddresses(from, to);
  return assembleProof(plan, await readSubtrees(source, plan.addresses));
}

/** The root of the tree of `size` leaves, read from `source` in one batch (at most log2(size) + 1 hashes). */
export async function rootHash(size: number, source: SubtreeSource): Promise<Uint8Array> {
  const addresses = rootAddresses(size);
  return assembleRoot(await readSubtrees(source, addresses));
}
