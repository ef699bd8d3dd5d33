/**
 * A whole Merkle tree in memory: every leaf hash and every complete perfect
 * subtree, about 64 bytes per leaf. For tests and for checking an export
 * offline, where all the leaves are at hand.
 */
import { MerkleError, isTreeCount, rootAddresses, type StoredSubtree, type SubtreeAddress, type SubtreeSource } from './merkle-address.js';
import { appendAddresses, appendedNodesFrom } from './merkle-append.js';
import { HASH_SIZE, foldSubtrees } from './merkle-hash.js';
import { assembleProof, consistencyProofAddresses, inclusionProofAddresses } from './merkle-proofs.js';

/** The hashes of one level, packed in a growable buffer. */
class HashColumn {
  #bytes = new Uint8Array(HASH_SIZE * 64);
  count = 0;

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.#bytes.length) {
      const bigger = new Uint8Array(this.#bytes.length * 2);
      bigger.set(this.#bytes);
      this.#bytes = bigger;
    }
    this.#bytes.set(hash, this.count * HASH_SIZE);
    this.count += 1;
  }

  /** A copy, so callers cannot change the tree. */
  get(index: number): Uint8Array {
    return this.#bytes.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

/**
 * An append-only tree held in memory, a {@link SubtreeSource} for the proof
 * functions; `append` stores what {@link appendedNodes} says, as the database does.
 */
export class MemoryTree implements SubtreeSource {
  readonly #levels: HashColumn[] = [];

  /** A tree of the given leaf hashes, in order. */
  static of(leafHashes: Iterable<Uint8Array>): MemoryTree {
    const tree = new MemoryTree();
    for (const leaf of leafHashes) tree.append(leaf);
    return tree;
  }

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]?.count ?? 0;
  }

  /** Appends a leaf hash; returns the subtrees it completed, lowest first. */
  append(leaf: Uint8Array): StoredSubtree[] {
    const size = this.size;
    const nodes = appendedNodesFrom(size, leaf, this.getMany(appendAddresses(size)));
    for (const node of nodes) {
      const column = this.#levels[node.level] ?? new HashColumn();
      this.#levels[node.level] = column;
      column.push(node.hash);
    }
    return nodes;
  }

  /** The hashes of complete perfect subtrees; throws `merkle-node-missing` for any other address. */
  getMany(addresses: readonly SubtreeAddress[]): Uint8Array[] {
    return addresses.map(({ level, index }) => {
      const column = isTreeCount(level) ? this.#levels[level] : undefined;
      if (column === undefined || !isTreeCount(index) || index >= column.count) {
        throw new MerkleError('merkle-node-missing', `no complete subtree at level ${level}, index ${index}`);
      }
      return column.get(index);
    });
  }

  /** The root of the first `size` leaves (default: all). */
  root(size = this.size): Uint8Array {
    this.#requireSize(size);
    return foldSubtrees(this.getMany(rootAddresses(size)));
  }

  /** The inclusion proof of leaf `index` in the tree of the first `size` leaves. */
  inclusionProof(index: number, size = this.size): Uint8Array[] {
    this.#requireSize(size);
    const plan = inclusionProofAddresses(index, size);
    return assembleProof(plan, this.getMany(plan.addresses));
  }

  /** The consistency proof from the first `from` leaves to the first `to` leaves. */
  consistencyProof(from: number, to = this.size): Uint8Array[] {
    this.#requireSize(to);
    const plan = consistencyProofAddresses(from, to);
    return assembleProof(plan, this.getMany(plan.addresses));
  }

  #requireSize(size: number): void {
    if (!isTreeCount(size) || size > this.size) {
      throw new MerkleError('merkle-range-invalid', `tree size ${String(size)} is not between 0 and ${this.size}`);
    }
  }
}
