/**
 * Published RFC 6962 / RFC 9162 Merkle tree test vectors, as Certificate
 * Transparency and transparency-dev test against them. Copied from
 * github.com/transparency-dev/merkle:
 * - proof/verify_test.go (commit 02194e9afb6c1d95b5381350007963aa70fff472):
 *   `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`, and the
 *   corruption probes the tests below replay. There `leaf` counts from 1; here
 *   `index` is the 0-based leaf index (`leaf - 1`).
 * - rfc6962/rfc6962_test.go (commit 78493b07ef9b552e3379abf9e23d4da26fbe797c): hasher vectors.
 * - proof/proof_test.go (commit 02a3e2029520f515596d5238c54fb0ac9e19bff4): the
 *   stored nodes (level, index) each proof is built from, compared as sets since
 *   the order there is transparency-dev's own.
 */

/** The eight leaves, as hex bytes. */
export const LEAVES_HEX = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
] as const;

/** ROOTS_HEX[n - 1] is the root of the tree of the first n leaves. */
export const ROOTS_HEX = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
] as const;

/** SHA-256 of the empty string: the empty tree's root. */
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** verify_test.go's `sha256SomeHash`, a 32-byte value that is no node of the tree. */
export const SOME_HASH_HEX = 'abacaba000000000000000000000000000000000000000000060061e00123456';

/** Hasher vectors of rfc6962_test.go. */
export const HASHER_VECTORS = {
  emptyLeaf: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  /** leaf hash of the ASCII bytes "L123456" */
  leafL123456: '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
  /** node hash of the ASCII bytes "N123" and "N456" */
  nodeN123N456: 'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
} as const;

/** verify_test.go `inclusionProofs`, the valid ones ({0, 0, nil} is the invalid probe). */
export const INCLUSION_VECTORS: readonly { index: number; size: number; proof: readonly string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** verify_test.go `consistencyProofs`. */
export const CONSISTENCY_VECTORS: readonly { from: number; to: number; proof: readonly string[] }[] = [
  { from: 1, to: 1, proof: [] },
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    from: 6,
    to: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

type Node = readonly [level: number, index: number];

/** proof_test.go `TestInclusion`: the stored nodes of the proof of `index` in a tree of `size`. */
export const INCLUSION_NODE_VECTORS: readonly { size: number; index: number; nodes: readonly Node[] }[] = [
  { size: 1, index: 0, nodes: [] },
  { size: 2, index: 0, nodes: [[0, 1]] },
  { size: 2, index: 1, nodes: [[0, 0]] },
  { size: 3, index: 1, nodes: [[0, 0], [0, 2]] },
  { size: 7, index: 0, nodes: [[0, 1], [1, 1], [0, 6], [1, 2]] },
  { size: 7, index: 1, nodes: [[0, 0], [1, 1], [0, 6], [1, 2]] },
  { size: 7, index: 2, nodes: [[0, 3], [1, 0], [0, 6], [1, 2]] },
  { size: 7, index: 3, nodes: [[0, 2], [1, 0], [0, 6], [1, 2]] },
  { size: 7, index: 4, nodes: [[0, 5], [0, 6], [2, 0]] },
  { size: 7, index: 5, nodes: [[0, 4], [0, 6], [2, 0]] },
  { size: 7, index: 6, nodes: [[1, 2], [2, 0]] },
  { size: 4, index: 2, nodes: [[0, 3], [1, 0]] },
  { size: 5, index: 3, nodes: [[0, 2], [1, 0], [0, 4]] },
  { size: 6, index: 3, nodes: [[0, 2], [1, 0], [1, 2]] },
  { size: 6, index: 4, nodes: [[0, 5], [2, 0]] },
  { size: 15, index: 10, nodes: [[0, 11], [1, 4], [0, 14], [1, 6], [3, 0]] },
  { size: 31, index: 24, nodes: [[0, 25], [1, 13], [0, 30], [1, 14], [3, 2], [4, 0]] },
  { size: 95, index: 81, nodes: [[0, 80], [1, 41], [2, 21], [0, 94], [1, 46], [2, 22], [4, 4], [6, 0]] },
];

/** proof_test.go `TestConsistency`: the stored nodes of the proof from `from` to `to`. */
export const CONSISTENCY_NODE_VECTORS: readonly { from: number; to: number; nodes: readonly Node[] }[] = [
  { from: 1, to: 2, nodes: [[0, 1]] },
  { from: 1, to: 4, nodes: [[0, 1], [1, 1]] },
  { from: 1, to: 6, nodes: [[0, 1], [1, 1], [1, 2]] },
  { from: 2, to: 3, nodes: [[0, 2]] },
  { from: 2, to: 8, nodes: [[1, 1], [2, 1]] },
  { from: 3, to: 7, nodes: [[0, 2], [0, 3], [1, 0], [0, 6], [1, 2]] },
  { from: 4, to: 7, nodes: [[0, 6], [1, 2]] },
  { from: 5, to: 7, nodes: [[0, 4], [0, 5], [0, 6], [2, 0]] },
  { from: 6, to: 7, nodes: [[1, 2], [0, 6], [2, 0]] },
  { from: 7, to: 8, nodes: [[0, 6], [0, 7], [1, 2], [2, 0]] },
  { from: 1, to: 1, nodes: [] },
  { from: 2, to: 2, nodes: [] },
  { from: 3, to: 3, nodes: [] },
  { from: 4, to: 4, nodes: [] },
  { from: 5, to: 5, nodes: [] },
  { from: 7, to: 7, nodes: [] },
  { from: 8, to: 8, nodes: [] },
  { from: 2, to: 4, nodes: [[1, 1]] },
  { from: 3, to: 5, nodes: [[0, 2], [0, 3], [1, 0], [0, 4]] },
  { from: 3, to: 6, nodes: [[0, 2], [0, 3], [1, 0], [1, 2]] },
  { from: 4, to: 6, nodes: [[1, 2]] },
  { from: 1, to: 7, nodes: [[0, 1], [1, 1], [0, 6], [1, 2]] },
  { from: 10, to: 15, nodes: [[1, 4], [1, 5], [0, 14], [1, 6], [3, 0]] },
  { from: 24, to: 31, nodes: [[3, 2], [0, 30], [1, 14], [2, 6], [4, 0]] },
  { from: 81, to: 95, nodes: [[0, 80], [0, 81], [1, 41], [2, 21], [0, 94], [1, 46], [2, 22], [4, 4], [6, 0]] },
];
