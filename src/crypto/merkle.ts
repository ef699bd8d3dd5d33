/**
 * The audit log's RFC 9162 Merkle tree: hashes, the perfect subtrees it is
 * stored as, proofs computed from them in O(log n) reads, and verification.
 * Pure: no I/O, node:crypto only. Hashes are 32-byte Uint8Arrays.
 */
export { HASH_SIZE, emptyRoot, isHash, leafHash, nodeHash, rootOf } from './merkle-hash.js';
export {
  MERKLE_ERROR_CODES,
  MerkleError,
  rootAddresses,
  type MerkleErrorCode,
  type StoredSubtree,
  type SubtreeAddress,
  type SubtreeSource,
} from './merkle-address.js';
export {
  assembleProof,
  assembleRoot,
  consistencyProof,
  consistencyProofAddresses,
  inclusionProof,
  inclusionProofAddresses,
  rootHash,
  type ProofPlan,
} from './merkle-proofs.js';
export { appendAddresses, appendedNodes, appendedNodesFrom } from './merkle-append.js';
export { verifyConsistency, verifyInclusion } from './merkle-verify.js';
export { MemoryTree } from './merkle-memory-tree.js';
export { CompactRange } from './merkle-compact-range.js';
