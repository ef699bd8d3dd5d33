import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MERKLE_ERROR_CODES,
  MemoryTree,
  MerkleError,
  appendAddresses,
  appendedNodes,
  appendedNodesFrom,
  consistencyProof,
  consistencyProofAddresses,
  emptyRoot,
  inclusionProof,
  inclusionProofAddresses,
  leafHash,
  nodeHash,
  rootAddresses,
  rootHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type SubtreeAddress,
  type SubtreeSource,
} from '../../src/crypto/merkle.js';
import { splitPoint } from '../../src/crypto/merkle-address.js';
import {
  CONSISTENCY_NODE_VECTORS,
  CONSISTENCY_VECTORS,
  EMPTY_ROOT_HEX,
  HASHER_VECTORS,
  INCLUSION_NODE_VECTORS,
  INCLUSION_VECTORS,
  LEAVES_HEX,
  ROOTS_HEX,
  SOME_HASH_HEX,
} from './merkle-vectors.js';

const fromHex = (text: string): Uint8Array => Buffer.from(text, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const hexes = (hashes: readonly Uint8Array[]): string[] => hashes.map(toHex);
const nodeKeys = (nodes: readonly (SubtreeAddress | readonly [number, number])[]): string[] =>
  nodes.map((node) => ('level' in node ? `${node.level}:${node.index}` : `${node[0]}:${node[1]}`)).sort();

const vectorLeaves = LEAVES_HEX.map((text) => leafHash(fromHex(text)));
const vectorTree = MemoryTree.of(vectorLeaves);
const rootOfSize = (size: number): Uint8Array => fromHex(ROOTS_HEX[size - 1] as string);
const someHash = fromHex(SOME_HASH_HEX);
/** A copy of `hashes` with byte `byte` of hash `at` xored with `mask`. */
const flip = (hashes: readonly Uint8Array[], at: number, byte: number, mask = 1): Uint8Array[] =>
  hashes.map((hash, i) => (i === at ? Uint8Array.from(hash, (value, j) => (j === byte ? value ^ mask : value)) : hash));

/** A source that counts its reads, as a store would be asked. */
function countingSource(tree: MemoryTree): SubtreeSource & { reads: number } {
  return {
    reads: 0,
    async getMany(addresses) {
      this.reads += 1;
      return tree.getMany(addresses);
    },
  };
}

function expectMerkleError(run: () => unknown, code: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MerkleError);
  expect((caught as MerkleError).code).toBe(code);
}

describe('Merkle hashes (RFC 9162 §2.1.1)', () => {
  it('matches the published hasher vectors', () => {
    expect(toHex(emptyRoot())).toBe(EMPTY_ROOT_HEX);
    expect(toHex(leafHash(new Uint8Array()))).toBe(HASHER_VECTORS.emptyLeaf);
    expect(toHex(leafHash(Buffer.from('L123456')))).toBe(HASHER_VECTORS.leafL123456);
    expect(toHex(nodeHash(Buffer.from('N123'), Buffer.from('N456')))).toBe(HASHER_VECTORS.nodeN123N456);
  });

  it('keeps leaves and nodes apart and depends on order', () => {
    const [a, b] = [leafHash(Buffer.from('Hello')), leafHash(Buffer.from('World'))];
    expect(toHex(nodeHash(a, b))).not.toBe(toHex(leafHash(Buffer.concat([a, b]))));
    expect(toHex(nodeHash(a, b))).not.toBe(toHex(nodeHash(b, a)));
  });

  it('computes the published roots of sizes 1 to 8, and the empty root', () => {
    expect(toHex(rootOf([]))).toBe(EMPTY_ROOT_HEX);
    expect(toHex(vectorTree.root(0))).toBe(EMPTY_ROOT_HEX);
    for (let size = 1; size <= 8; size += 1) {
      expect(toHex(rootOf(vectorLeaves.slice(0, size)))).toBe(ROOTS_HEX[size - 1]);
      expect(toHex(vectorTree.root(size))).toBe(ROOTS_HEX[size - 1]);
    }
  });

  it('reads a root in one batch of the binary decomposition', async () => {
    expect(rootAddresses(13)).toEqual([{ level: 3, index: 0 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    expect(rootAddresses(0)).toEqual([]);
    const source = countingSource(vectorTree);
    expect(toHex(await rootHash(7, source))).toBe(ROOTS_HEX[6]);
    expect(toHex(await rootHash(0, source))).toBe(EMPTY_ROOT_HEX);
    expect(source.reads).toBe(1);
  });
});

describe('inclusion proofs against the published vectors', () => {
  for (const { index, size, proof } of INCLUSION_VECTORS) {
    it(`proves and verifies leaf ${index} of ${size}, and refuses every corruption`, async () => {
      const leaf = vectorLeaves[index] as Uint8Array;
      const root = rootOfSize(size);
      const published = proof.map(fromHex);
      expect(hexes(await inclusionProof(index, size, vectorTree))).toEqual(proof);
      expect(verifyInclusion(leaf, index, size, published, root)).toBe(true);
      // The probes of transparency-dev's corruptInclusionProof (proof/verify_test.go).
      const probes: [string, number, number, readonly Uint8Array[], Uint8Array, Uint8Array][] = [
        ['index - 1', index - 1, size, published, root, leaf],
        ['index + 1', index + 1, size, published, root, leaf],
        ['index ^ 2', index ^ 2, size, published, root, leaf],
        ['size * 2', index, size * 2, published, root, leaf],
        ['size / 2', index, Math.floor(size / 2), published, root, leaf],
        ['wrong leaf', index, size, published, root, Buffer.from('WrongLeaf')],
        ['empty root', index, size, published, emptyRoot(), leaf],
        ['random root', index, size, published, someHash, leaf],
        ['trailing garbage', index, size, [...published, new Uint8Array()], root, leaf],
        ['trailing root', index, size, [...published, root], root, leaf],
        ['preceding garbage', index, size, [new Uint8Array(), ...published], root, leaf],
        ['preceding root', index, size, [root, ...published], root, leaf],
        ...published.map((_, i): [string, number, number, Uint8Array[], Uint8Array, Uint8Array] => {
          const flipped = flip(published, i, 0, 8);
          return [`modified proof[${i}]`, index, size, flipped, root, leaf];
        }),
      ];
      if (published.length > 0) probes.push(['removed component', index, size, published.slice(0, -1), root, leaf]);
      if (published.length > 1) probes.push(['inserted component', index, size, [published[0] as Uint8Array, someHash, ...published.slice(1)], root, leaf]);
      const accepted = probes.filter(([, i, n, p, r, l]) => verifyInclusion(l, i, n, p, r)).map(([desc]) => desc);
      expect(accepted).toEqual([]);
    });
  }

  it('reads the same stored nodes as transparency-dev (proof/proof_test.go)', () => {
    for (const { size, index, nodes } of INCLUSION_NODE_VECTORS) {
      expect(nodeKeys(inclusionProofAddresses(index, size).addresses), `${index} of ${size}`).toEqual(nodeKeys(nodes));
    }
  });

  it('verifies a one-leaf tree by its leaf hash alone', () => {
    const hash = leafHash(Buffer.from('data'));
    expect(verifyInclusion(hash, 0, 1, [], hash)).toBe(true);
    expect(verifyInclusion(new Uint8Array(), 0, 1, [], hash)).toBe(false);
    expect(verifyInclusion(hash, 0, 1, [], new Uint8Array())).toBe(false);
  });

  it('refuses indices at or past the size', () => {
    for (const [index, size] of [[0, 0], [1, 0], [1, 1], [2, 1]] as const) {
      expect(verifyInclusion(someHash, index, size, [], emptyRoot())).toBe(false);
      expectMerkleError(() => inclusionProofAddresses(index, size), 'merkle-range-invalid');
    }
  });
});

describe('consistency proofs against the published vectors', () => {
  for (const { from, to, proof } of CONSISTENCY_VECTORS) {
    it(`proves and verifies ${from} to ${to}, and refuses every corruption`, async () => {
      const [root1, root2] = [rootOfSize(from), rootOfSize(to)];
      const published = proof.map(fromHex);
      expect(hexes(await consistencyProof(from, to, vectorTree))).toEqual(proof);
      expect(verifyConsistency(from, to, published, root1, root2)).toBe(true);
      if (published.length === 0) return;
      // The probes of transparency-dev's corruptConsistencyProof (proof/verify_test.go).
      const probes: [string, number, number, readonly Uint8Array[], Uint8Array, Uint8Array][] = [
        ['from - 1', from - 1, to, published, root1, root2],
        ['from + 1', from + 1, to, published, root1, root2],
        ['from ^ 2', from ^ 2, to, published, root1, root2],
        ['to * 2', from, to * 2, published, root1, root2],
        ['to / 2', from, Math.floor(to / 2), published, root1, root2],
        ['wrong root1', from, to, published, Buffer.from('WrongRoot'), root2],
        ['wrong root2', from, to, published, root1, Buffer.from('WrongRoot')],
        ['random root1', from, to, published, someHash, root2],
        ['swapped roots', from, to, published, root2, root1],
        ['empty proof', from, to, [], root1, root2],
        ['trailing garbage', from, to, [...published, new Uint8Array()], root1, root2],
        ['trailing root1', from, to, [...published, root1], root1, root2],
        ['trailing root2', from, to, [...published, root2], root1, root2],
        ['preceding garbage', from, to, [new Uint8Array(), ...published], root1, root2],
        ['preceding root1', from, to, [root1, ...published], root1, root2],
        ['preceding root2', from, to, [root2, ...published], root1, root2],
        ['preceding proof[0]', from, to, [published[0] as Uint8Array, ...published], root1, root2],
        ['truncated proof', from, to, published.slice(0, -1), root1, root2],
        ...published.map((_, i): [string, number, number, Uint8Array[], Uint8Array, Uint8Array] => {
          const flipped = flip(published, i, 0, 16);
          return [`modified proof[${i}]`, from, to, flipped, root1, root2];
        }),
      ];
      const accepted = probes.filter(([, m, n, p, r1, r2]) => verifyConsistency(m, n, p, r1, r2)).map(([desc]) => desc);
      expect(accepted).toEqual([]);
    });
  }

  it('reads the same stored nodes as transparency-dev (proof/proof_test.go)', () => {
    for (const { from, to, nodes } of CONSISTENCY_NODE_VECTORS) {
      expect(nodeKeys(consistencyProofAddresses(from, to).addresses), `${from} to ${to}`).toEqual(nodeKeys(nodes));
    }
  });

  it('decides the trivial cases as TestVerifyConsistency does, with 32-byte roots', () => {
    const [r1, r2, empty] = [leafHash(Buffer.from('1')), leafHash(Buffer.from('2')), emptyRoot()];
    expect(verifyConsistency(0, 0, [], r1, r2)).toBe(false);
    expect(verifyConsistency(1, 1, [], r1, r2)).toBe(false);
    expect(verifyConsistency(1, 1, [], r2, r2)).toBe(true);
    expect(verifyConsistency(0, 0, [], empty, empty)).toBe(true);
    expect(verifyConsistency(0, 1, [], empty, r2)).toBe(true);
    // Stricter than transparency-dev: the tree of size 0 has exactly one root.
    expect(verifyConsistency(0, 1, [], r1, r2)).toBe(false);
    // Time travel to the past; an empty proof for a real step; a needless proof.
    expect(verifyConsistency(1, 0, [], r1, r2)).toBe(false);
    expect(verifyConsistency(2, 1, [], r1, r2)).toBe(false);
    expect(verifyConsistency(1, 2, [], r1, r2)).toBe(false);
    expect(verifyConsistency(0, 0, [empty], empty, empty)).toBe(false);
    expect(verifyConsistency(0, 1, [empty], empty, empty)).toBe(false);
    expect(verifyConsistency(1, 1, [empty], empty, empty)).toBe(false);
  });

  it('refuses from > to when planning', () => {
    expectMerkleError(() => consistencyProofAddresses(9, 8), 'merkle-range-invalid');
    expectMerkleError(() => consistencyProofAddresses(5, 0), 'merkle-range-invalid');
  });
});

// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 as written, over leaves [start, end)
// of one list, memoized: the reference the stored-subtree proofs must equal.
const MAX_SIZE = 300;
const leaves = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(Buffer.from(`audit entry ${i}`)));
const tree = MemoryTree.of(leaves);
const memo = new Map<string, Uint8Array>();
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(start: number, end: number): Uint8Array {
  const key = `${start}:${end}`;
  let hash = memo.get(key);
  if (hash === undefined) {
    const n = end - start;
    hash = n === 0 ? emptyRoot() : n === 1 ? (leaves[start] as Uint8Array) : nodeHash(mth(start, start + split(n)), mth(start + split(n), end));
    memo.set(key, hash);
  }
  return hash;
}
function path(m: number, start: number, end: number): Uint8Array[] {
  const n = end - start;
  if (n <= 1) return [];
  const k = split(n);
  return m < k ? [...path(m, start, start + k), mth(start + k, end)] : [...path(m - k, start + k, end), mth(start, start + k)];
}
function subproof(m: number, start: number, end: number, b: boolean): Uint8Array[] {
  const n = end - start;
  if (m === n) return b ? [] : [mth(start, end)];
  const k = split(n);
  return m <= k ? [...subproof(m, start, start + k, b), mth(start + k, end)] : [...subproof(m - k, start + k, end, false), mth(start, start + k)];
}
const referenceConsistency = (m: number, n: number): Uint8Array[] => (m === 0 || m === n ? [] : subproof(m, 0, n, true));

const sizes = fc.integer({ min: 1, max: MAX_SIZE });
const indexInSize = sizes.chain((size) => fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.constant(size)));
const fromTo = sizes.chain((to) => fc.tuple(fc.integer({ min: 0, max: to }), fc.constant(to)));
const flipOne = (hash: Uint8Array, byte: number): Uint8Array => flip([hash], 0, byte)[0] as Uint8Array;

describe('Merkle tree properties (fast-check, sizes up to 300)', () => {
  it('has the reference root at every size', () => {
    for (let size = 0; size <= MAX_SIZE; size += 1) {
      expect(toHex(tree.root(size))).toBe(toHex(mth(0, size)));
      expect(toHex(rootOf(leaves.slice(0, size)))).toBe(toHex(mth(0, size)));
    }
  });

  it('proves every leaf of a tree of any size, as RFC 9162 PATH does, and the proof verifies', () => {
    fc.assert(
      fc.property(sizes, (size) => {
        for (let index = 0; index < size; index += 1) {
          const proof = tree.inclusionProof(index, size);
          expect(hexes(proof)).toEqual(hexes(path(index, 0, size)));
          expect(verifyInclusion(leaves[index] as Uint8Array, index, size, proof, tree.root(size))).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('proves consistency between any two sizes, as RFC 9162 PROOF does, and the proof verifies', () => {
    fc.assert(
      fc.property(sizes, (to) => {
        for (let from = 0; from <= to; from += 1) {
          const proof = tree.consistencyProof(from, to);
          expect(hexes(proof)).toEqual(hexes(referenceConsistency(from, to)));
          expect(verifyConsistency(from, to, proof, tree.root(from), tree.root(to))).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an inclusion proof with any byte flipped, another index, or another size with its root', () => {
    fc.assert(
      fc.property(indexInSize, fc.nat(), fc.integer({ min: 0, max: 31 }), fc.nat(), ([index, size], at, byte, other) => {
        const [leaf, root, proof] = [leaves[index] as Uint8Array, tree.root(size), tree.inclusionProof(index, size)];
        if (proof.length > 0) expect(verifyInclusion(leaf, index, size, flip(proof, at % proof.length, byte), root)).toBe(false);
        expect(verifyInclusion(flipOne(leaf, byte), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, proof, flipOne(root, byte))).toBe(false);
        const otherIndex = (index + 1 + (other % size)) % size;
        if (otherIndex !== index) expect(verifyInclusion(leaf, otherIndex, size, proof, root)).toBe(false);
        const otherSize = index + 1 + (other % MAX_SIZE);
        if (otherSize !== size && otherSize <= MAX_SIZE) expect(verifyInclusion(leaf, index, otherSize, proof, tree.root(otherSize))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a consistency proof with any byte flipped, or other sizes with their roots', () => {
    fc.assert(
      fc.property(fromTo, fc.nat(), fc.integer({ min: 0, max: 31 }), fc.nat(), ([from, to], at, byte, other) => {
        const [root1, root2, proof] = [tree.root(from), tree.root(to), tree.consistencyProof(from, to)];
        if (proof.length > 0) expect(verifyConsistency(from, to, flip(proof, at % proof.length, byte), root1, root2)).toBe(false);
        expect(verifyConsistency(from, to, proof, flipOne(root1, byte), root2)).toBe(false);
        // Every tree extends the empty one, whatever its root.
        if (from > 0) expect(verifyConsistency(from, to, proof, root1, flipOne(root2, byte))).toBe(false);
        const otherFrom = other % (to + 1);
        if (otherFrom !== from && proof.length > 0) expect(verifyConsistency(otherFrom, to, proof, tree.root(otherFrom), root2)).toBe(false);
        const otherTo = from + (other % (MAX_SIZE - from + 1));
        if (otherTo !== to && proof.length > 0) expect(verifyConsistency(from, otherTo, proof, root1, tree.root(otherTo))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('binds a size only through its root: take both from one signed checkpoint', () => {
    // RFC 9162 §2.1.3.2 walks the same path for leaf 0 of 5 and of 6.
    const proof = tree.inclusionProof(0, 5);
    expect(verifyInclusion(leaves[0] as Uint8Array, 0, 6, proof, tree.root(5))).toBe(true);
    expect(verifyInclusion(leaves[0] as Uint8Array, 0, 6, proof, tree.root(6))).toBe(false);
  });

  it('reads each proof from the store in one batch', async () => {
    const source = countingSource(tree);
    await fc.assert(
      fc.asyncProperty(indexInSize, fromTo, async ([index, size], [from, to]) => {
        source.reads = 0;
        expect(hexes(await inclusionProof(index, size, source))).toEqual(hexes(tree.inclusionProof(index, size)));
        expect(hexes(await consistencyProof(from, to, source))).toEqual(hexes(tree.consistencyProof(from, to)));
        expect(source.reads).toBeLessThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
  });

  it('splits at the largest power of two below n, up to 2^53', () => {
    const slowSplit = (n: number): number => {
      let k = 1;
      while (k * 2 < n) k *= 2;
      return k;
    };
    const edges = Array.from({ length: 53 }, (_, k) => [2 ** k - 1, 2 ** k, 2 ** k + 1]).flat();
    for (const n of [...edges, Number.MAX_SAFE_INTEGER].filter((n) => n >= 2 && n <= Number.MAX_SAFE_INTEGER)) {
      expect(splitPoint(n), String(n)).toBe(slowSplit(n));
    }
  });

  it('plans proofs of huge trees within the bound, over complete subtrees only', () => {
    // ceil(log2(n)), exact beyond 32 bits
    const depth = (n: number): number => (n <= 1 ? 0 : (n - 1).toString(2).length);
    const complete = ({ level, index }: SubtreeAddress, size: number): boolean => (index + 1) * 2 ** level <= size;
    const huge = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(huge, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (size, at) => {
        const index = Math.floor(at * size);
        const from = Math.max(1, index);
        for (const plan of [inclusionProofAddresses(index, size), consistencyProofAddresses(from, size)]) {
          expect(plan.addresses.length).toBeLessThanOrEqual(2 * depth(size));
          expect(plan.addresses.every((address) => complete(address, size))).toBe(true);
          expect(new Set(nodeKeys(plan.addresses)).size).toBe(plan.addresses.length);
        }
        expect(rootAddresses(size).length).toBe(size.toString(2).replaceAll('0', '').length);
        expect(nodeKeys(appendAddresses(size)).every((key) => nodeKeys(rootAddresses(size)).includes(key))).toBe(true);
      }),
    );
  });

  it('stores, append by append, exactly every perfect subtree with its reference hash', async () => {
    const stored = new Map<string, Uint8Array>();
    const store: SubtreeSource = {
      async getMany(addresses) {
        return addresses.map(({ level, index }) => stored.get(`${level}:${index}`) ?? new Uint8Array());
      },
    };
    for (const [size, leaf] of leaves.entries()) {
      const nodes = await appendedNodes(size, leaf, store);
      expect(nodes[0]).toEqual({ level: 0, index: size, hash: leaf });
      for (const { level, index, hash } of nodes) {
        expect(stored.has(`${level}:${index}`)).toBe(false);
        stored.set(`${level}:${index}`, hash);
      }
    }
    const expected = new Map<string, string>();
    for (let level = 0; 2 ** level <= MAX_SIZE; level += 1) {
      for (let index = 0; (index + 1) * 2 ** level <= MAX_SIZE; index += 1) {
        expected.set(`${level}:${index}`, toHex(mth(index * 2 ** level, (index + 1) * 2 ** level)));
      }
    }
    expect(new Map([...stored].map(([key, hash]) => [key, toHex(hash)]))).toEqual(expected);
  });
});

describe('Merkle bad input', () => {
  it('pins the error codes', () => {
    expect(MERKLE_ERROR_CODES).toEqual(['merkle-range-invalid', 'merkle-hash-invalid', 'merkle-node-missing']);
  });

  it('never throws while verifying untrusted input, and says false', () => {
    const hashLike = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.constantFrom(...leaves.slice(0, 4)), fc.anything());
    const count = fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double(), fc.bigInt(), fc.anything());
    const proof = fc.oneof(fc.array(hashLike, { maxLength: 12 }), fc.anything());
    fc.assert(
      fc.property(hashLike, count, count, proof, hashLike, (a, m, n, p, b) => {
        expect(verifyInclusion(a as never, m as never, n as never, p as never, b as never)).toBe(false);
        expect(verifyConsistency(m as never, n as never, p as never, a as never, b as never)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses sizes and indices that are not non-negative safe integers when planning', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expectMerkleError(() => inclusionProofAddresses(0, bad), 'merkle-range-invalid');
      expectMerkleError(() => consistencyProofAddresses(bad, 10), 'merkle-range-invalid');
      expectMerkleError(() => rootAddresses(bad), 'merkle-range-invalid');
      expectMerkleError(() => appendAddresses(bad), 'merkle-range-invalid');
    }
    expectMerkleError(() => tree.root(MAX_SIZE + 1), 'merkle-range-invalid');
    expectMerkleError(() => tree.inclusionProof(0, MAX_SIZE + 1), 'merkle-range-invalid');
  });

  it('fails loudly when storage lacks a subtree or answers malformed hashes', async () => {
    expectMerkleError(() => tree.getMany([{ level: 9, index: 0 }]), 'merkle-node-missing');
    expectMerkleError(() => tree.getMany([{ level: 0, index: MAX_SIZE }]), 'merkle-node-missing');
    const short: SubtreeSource = { getMany: (addresses) => addresses.slice(1).map(() => someHash) };
    const malformed: SubtreeSource = { getMany: (addresses) => addresses.map(() => new Uint8Array(31)) };
    for (const source of [short, malformed]) {
      await expect(inclusionProof(3, 7, source)).rejects.toMatchObject({ code: 'merkle-node-missing' });
      await expect(rootHash(7, source)).rejects.toMatchObject({ code: 'merkle-node-missing' });
      await expect(appendedNodes(7, someHash, source)).rejects.toMatchObject({ code: 'merkle-node-missing' });
    }
    expectMerkleError(() => appendedNodesFrom(1, someHash, []), 'merkle-node-missing');
    expectMerkleError(() => new MemoryTree().append(new Uint8Array(31)), 'merkle-hash-invalid');
  });
});
