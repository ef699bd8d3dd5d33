/**
 * The browser's RFC 9162 consistency check (web/src/audit/verify-consistency.ts) against the proofs
 * the server's own Merkle code builds (src/crypto). Node 20's WebCrypto stands in for the browser's.
 */
import { describe, expect, it } from 'vitest';
import { consistencyProofAddresses, leafHash, MemoryTree, nodeHash } from '../../src/crypto/index.js';
import { consistencyProofLength, verifyConsistencyProof } from '../../web/src/audit/verify-consistency.js';

const tree = MemoryTree.of(Array.from({ length: 40 }, (_, i) => leafHash(new TextEncoder().encode(`entry ${i}`))));
const base64 = (hashes: readonly Uint8Array[]) => hashes.map((hash) => Buffer.from(hash).toString('base64'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const root = (size: number) => new Uint8Array(tree.root(size));

describe('consistency proofs in the browser', () => {
  it('needs as many hashes as the server sends, for every pair of sizes', () => {
    for (let to = 2; to <= 40; to += 1) {
      for (let from = 1; from < to; from += 1) {
        expect(consistencyProofLength(from, to), `${from} to ${to}`).toBe(consistencyProofAddresses(from, to).elements.length);
      }
    }
  });

  it('accepts the server\'s proof between every pair of sizes up to 20', async () => {
    for (let to = 2; to <= 20; to += 1) {
      for (let from = 1; from < to; from += 1) {
        const checked = await verifyConsistencyProof(from, to, base64(tree.consistencyProof(from, to)), root(from), root(to));
        expect(checked, `${from} to ${to}`).toEqual({ ok: true, value: undefined });
      }
    }
  });

  it('refuses a tampered proof with the exact root it leads to', async () => {
    // From 4 to 8 the proof is the one hash of entries 4 to 7: the old tree is a perfect subtree, so only the new root moves.
    const proof = tree.consistencyProof(4, 8);
    expect(proof).toHaveLength(1);
    const tampered = new Uint8Array(proof[0] as Uint8Array);
    tampered[0] = (tampered[0] ?? 0) ^ 0x01;
    const checked = await verifyConsistencyProof(4, 8, base64([tampered]), root(4), root(8));
    expect(checked).toEqual({
      ok: false,
      message: `The consistency proof leads to the root ${hex(nodeHash(root(4), tampered))} for the tree of 8 entries, not to the signed root ${hex(root(8))}.`,
    });
  });

  it('refuses a new tree that rewrote the old one: the old root does not come out', async () => {
    // Another log whose first 5 entries differ: its proof is genuine for it, not for the tree verified before.
    const other = MemoryTree.of(Array.from({ length: 9 }, (_, i) => leafHash(new TextEncoder().encode(`forged ${i}`))));
    const checked = await verifyConsistencyProof(5, 9, base64(other.consistencyProof(5, 9)), root(5), new Uint8Array(other.root(9)));
    expect(checked).toEqual({
      ok: false,
      message: `The consistency proof leads to the root ${hex(other.root(5))} for the tree of 5 entries, not to the root ${hex(root(5))} verified before: the log was rewritten.`,
    });
  });

  it('refuses a proof of the wrong length, a hash that is not 32 bytes, and sizes that do not grow', async () => {
    const proof = base64(tree.consistencyProof(6, 13));
    expect(await verifyConsistencyProof(6, 13, proof.slice(1), root(6), root(13))).toEqual({
      ok: false, message: `The consistency proof holds ${proof.length - 1} hashes; from a tree of 6 entries to one of 13 it needs ${proof.length}.`,
    });
    expect(await verifyConsistencyProof(6, 13, [proof[0] ?? '', 'AAAA', ...proof.slice(2)], root(6), root(13))).toEqual({
      ok: false, message: 'Hash 2 of the consistency proof is not the base64 of 32 bytes.',
    });
    expect(await verifyConsistencyProof(13, 13, [], root(13), root(13))).toEqual({
      ok: false, message: 'A consistency proof goes from a smaller tree to a larger one, not from 13 to 13 entries.',
    });
    expect(await verifyConsistencyProof(0, 3, [], root(1), root(3))).toMatchObject({ ok: false });
  });
});
