import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange, MemoryTree, MerkleError, emptyRoot, leafHash, rootOf } from '../../src/crypto/merkle.js';
import { EMPTY_ROOT_HEX, LEAVES_HEX, ROOTS_HEX } from './merkle-vectors.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** Distinct leaf hashes, as the audit log's would be. */
const leaves = (count: number): Uint8Array[] => Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));

describe('CompactRange', () => {
  it('starts as the empty tree', () => {
    const range = new CompactRange();
    expect(range.size).toBe(0);
    expect(toHex(range.root())).toBe(EMPTY_ROOT_HEX);
  });

  it('matches the published RFC 6962 roots of the first n leaves', () => {
    const range = new CompactRange();
    for (const [i, leaf] of LEAVES_HEX.entries()) {
      range.append(leafHash(Buffer.from(leaf, 'hex')));
      expect(range.size).toBe(i + 1);
      expect(toHex(range.root())).toBe(ROOTS_HEX[i]);
    }
  });

  it('agrees with MemoryTree and rootOf at every size from 0 to 300', () => {
    const all = leaves(300);
    const tree = MemoryTree.of(all);
    const range = new CompactRange();
    expect(toHex(range.root())).toBe(toHex(emptyRoot()));
    for (const [i, leaf] of all.entries()) {
      range.append(leaf);
      expect(toHex(range.root()), `size ${i + 1}`).toBe(toHex(tree.root(i + 1)));
    }
    expect(toHex(range.root())).toBe(toHex(rootOf(all)));
  });

  it('agrees with rootOf for random leaves and sizes up to 300', () => {
    const leafArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(fc.array(leafArbitrary, { maxLength: 300 }), fc.nat(), (hashes, probe) => {
        const range = new CompactRange();
        const at = hashes.length === 0 ? 0 : probe % hashes.length;
        hashes.forEach((leaf, i) => {
          range.append(leaf);
          // One intermediate size per run as well as the final one.
          if (i + 1 === at) expect(toHex(range.root())).toBe(toHex(rootOf(hashes.slice(0, at))));
        });
        expect(range.size).toBe(hashes.length);
        expect(toHex(range.root())).toBe(toHex(rootOf(hashes)));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its own copies: reusing the leaf buffer or changing a returned root changes nothing', () => {
    const scratch = new Uint8Array(32);
    const range = new CompactRange();
    const expected: Uint8Array[] = [];
    for (let i = 0; i < 5; i += 1) {
      scratch.set(createHash('sha256').update(String(i)).digest());
      expected.push(Uint8Array.from(scratch));
      range.append(scratch);
    }
    range.root().fill(0);
    expect(toHex(range.root())).toBe(toHex(rootOf(expected)));
  });

  it('appends the leaf of entry bytes as append(leafHash(bytes)) does, whatever their size', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 40 }), (entries) => {
        const byEntry = new CompactRange();
        const byHash = new CompactRange();
        for (const entry of entries) {
          byEntry.appendEntry(entry);
          byHash.append(leafHash(entry));
          expect(toHex(byEntry.root())).toBe(toHex(byHash.root()));
        }
        expect(byEntry.size).toBe(entries.length);
      }),
      { numRuns: 50 },
    );
    // One past the reused buffer's largest size, hashed apart.
    const big = new Uint8Array((1 << 20) + 7).fill(0x61);
    const range = new CompactRange();
    range.appendEntry(big);
    expect(toHex(range.root())).toBe(toHex(leafHash(big)));
  });

  it('refuses a leaf that is not a 32-byte hash, and stays unchanged', () => {
    const range = new CompactRange();
    range.append(leafHash(Buffer.from('a')));
    const before = range.root();
    expect(() => range.append(new Uint8Array(31))).toThrow(MerkleError);
    expect(() => range.append(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'merkle-hash-invalid' }));
    expect(range.size).toBe(1);
    expect(range.root()).toEqual(before);
  });
});
