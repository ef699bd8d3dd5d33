/**
 * RFC 9162 consistency proofs in the browser, as the server's src/crypto/merkle-verify.ts checks
 * them: that the tree of `from` entries a browser verified before is a prefix of a later tree of
 * `to` entries (§2.1.4.2), with WebCrypto SHA-256. Every failure is a message safe to show.
 */
import { decodeBase64, equalBytes, toHex, type Bytes } from './verify-bytes.js';
import { nodeHash } from './verify-merkle.js';
import type { Checked } from './verify-note.js';

const isOdd = (n: number): boolean => n % 2 === 1;
// Sizes go past the 32 bits JavaScript's >> works on.
const half = (n: number): number => Math.floor(n / 2);

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !isOdd(m)) m /= 2;
  return m === 1;
}

/** How many hashes the consistency proof from `from` to `to` entries holds, 0 < from < to (SUBPROOF, §2.1.4.1). */
export function consistencyProofLength(from: number, to: number): number {
  let m = from;
  let n = to;
  let length = 0;
  // Whether the old tree is still a complete subtree of the walk (SUBPROOF's b): then its root is not sent.
  let whole = true;
  while (m !== n) {
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m <= k) {
      n = k;
    } else {
      m -= k;
      n -= k;
      whole = false;
    }
    length += 1;
  }
  return whole ? length : length + 1;
}

/**
 * Checks that `proof` (base64 hashes, as `GET /api/v1/audit/proof/consistency` answers) shows the
 * tree of `from` entries with root `fromRoot` is a prefix of the tree of `to` entries with root
 * `toRoot`: the steps of RFC 9162 §2.1.4.2. Needs 0 < from < to; equal trees need no proof.
 */
export async function verifyConsistencyProof(from: number, to: number, proof: readonly string[], fromRoot: Bytes, toRoot: Bytes): Promise<Checked<void>> {
  const fail = (message: string): Checked<void> => ({ ok: false, message });
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from <= 0 || from >= to) {
    return fail(`A consistency proof goes from a smaller tree to a larger one, not from ${from} to ${to} entries.`);
  }
  const expected = consistencyProofLength(from, to);
  if (proof.length !== expected) {
    return fail(`The consistency proof holds ${proof.length} hashes; from a tree of ${from} entries to one of ${to} it needs ${expected}.`);
  }
  const hashes: Bytes[] = [];
  for (const [i, hash] of proof.entries()) {
    const decoded = decodeBase64(hash);
    if (decoded?.length !== 32) return fail(`Hash ${i + 1} of the consistency proof is not the base64 of 32 bytes.`);
    hashes.push(decoded);
  }
  // Step 2: when the old tree is a perfect subtree, its root is the first node of the path.
  const path = isPowerOfTwo(from) ? [fromRoot, ...hashes] : hashes;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Bytes;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return fail(`The consistency proof does not fit trees of ${from} and ${to} entries.`);
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      // Skip the levels where this subtree is the last one and has no sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail(`The consistency proof does not fit trees of ${from} and ${to} entries.`);
  if (!equalBytes(fr, fromRoot)) {
    return fail(`The consistency proof leads to the root ${toHex(fr)} for the tree of ${from} entries, not to the root ${toHex(fromRoot)} verified before: the log was rewritten.`);
  }
  if (!equalBytes(sr, toRoot)) {
    return fail(`The consistency proof leads to the root ${toHex(sr)} for the tree of ${to} entries, not to the signed root ${toHex(toRoot)}.`);
  }
  return { ok: true, value: undefined };
}
