/**
 * What to store when a leaf is appended: the leaf itself and every perfect
 * subtree it completes, written in the same transaction as the entry.
 */
import { MerkleError, readSubtrees, requireTreeCount, type StoredSubtree, type SubtreeAddress, type SubtreeSource } from './merkle-address.js';
import { isHash, nodeHash } from './merkle-hash.js';

/**
 * The left siblings needed to append leaf number `size` (its 0-based index),
 * lowest first: one per parent the new leaf completes. They are the smallest
 * subtrees of `rootAddresses(size)`, so a writer that keeps those needs no read.
 */
export function appendAddresses(size: number): SubtreeAddress[] {
  requireTreeCount('size', size);
  const siblings: SubtreeAddress[] = [];
  // While the new subtree is a right child (odd index), its parent is complete.
  for (let level = 0, index = size; index % 2 === 1; level += 1, index = (index - 1) / 2) {
    siblings.push({ level, index: index - 1 });
  }
  return siblings;
}

/**
 * The perfect subtrees that become complete when leaf `size` is appended,
 * lowest first, starting with the leaf `(0, size)`; `leftSiblings` are the
 * hashes of {@link appendAddresses}(size) in that order. Pure.
 */
export function appendedNodesFrom(size: number, leaf: Uint8Array, leftSiblings: readonly Uint8Array[]): StoredSubtree[] {
  const addresses = appendAddresses(size);
  if (!isHash(leaf)) throw new MerkleError('merkle-hash-invalid', 'the leaf hash must be 32 bytes');
  if (leftSiblings.length !== addresses.length || !leftSiblings.every(isHash)) {
    throw new MerkleError('merkle-node-missing', `appending leaf ${size} needs ${addresses.length} left sibling hashes`);
  }
  const nodes: StoredSubtree[] = [{ level: 0, index: size, hash: leaf }];
  let hash = leaf;
  for (const [i, sibling] of leftSiblings.entries()) {
    const address = addresses[i] as SubtreeAddress;
    hash = nodeHash(sibling, hash);
    nodes.push({ level: address.level + 1, index: address.index / 2, hash });
  }
  return nodes;
}

/** {@link appendedNodesFrom} with the left siblings read from `source` in one batch. */
export async function appendedNodes(size: number, leaf: Uint8Array, source: SubtreeSource): Promise<StoredSubtree[]> {
  return appendedNodesFrom(size, leaf, await readSubtrees(source, appendAddresses(size)));
}
