/** What a browser trusts of the log across reloads: the pinned key and the latest checkpoint (web/src/audit/checkpoint-memory.ts). */
import { describe, expect, it } from 'vitest';
import { leafHash, MemoryTree } from '../../src/crypto/index.js';
import { CheckpointMemory, TRUST_STORAGE_KEY, type ConsistencyFetcher, type TrustStorage } from '../../web/src/audit/checkpoint-memory.js';

const KEY = 'forgeline.audit/test+01234567+AQ==';
const FINGERPRINT = 'f'.repeat(64);
const NOW = new Date('2026-11-27T09:00:00Z');
const tree = MemoryTree.of(Array.from({ length: 12 }, (_, i) => leafHash(new TextEncoder().encode(`entry ${i}`))));
const seen = (size: number) => ({ treeSize: size, rootHash: Buffer.from(tree.root(size)).toString('hex') });
const proofs: ConsistencyFetcher = async (from, to) => tree.consistencyProof(from, to).map((hash) => Buffer.from(hash).toString('base64'));
const noProof: ConsistencyFetcher = () => Promise.reject(new Error('no proof should be asked'));

/** localStorage as a map. */
function mapStorage(): TrustStorage & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value) };
}

/** A browser with a pinned key and a checkpoint of `size` entries remembered. */
async function pinned(size: number) {
  const storage = mapStorage();
  const memory = new CheckpointMemory(storage);
  memory.pinKey(KEY, FINGERPRINT, NOW);
  expect(await memory.advance(seen(size), noProof)).toEqual({ ok: true, relation: 'first' });
  return { storage, memory };
}

describe('the log key pinned in this browser', () => {
  it('pins the first key and keeps it across reloads', () => {
    const storage = mapStorage();
    expect(new CheckpointMemory(storage).pin).toBeUndefined();
    new CheckpointMemory(storage).pinKey(KEY, FINGERPRINT, NOW);
    // A reload: a new memory over the same storage.
    const reloaded = new CheckpointMemory(storage);
    expect(reloaded.pin).toEqual({ keyLine: KEY, fingerprint: FINGERPRINT, pinnedAt: '2026-11-27T09:00:00.000Z' });
    expect(reloaded.keyConflict(`${KEY}\n`)).toBeUndefined();
  });

  it('names a different key as a conflict, with the pinned one and when it was pinned', () => {
    const memory = new CheckpointMemory(mapStorage());
    memory.pinKey(KEY, FINGERPRINT, NOW);
    expect(memory.keyConflict('other+89abcdef+AQ==')).toBe(
      `The server now publishes the log key other+89abcdef+AQ==, but this browser pinned ${KEY} on 2026-11-27T09:00:00.000Z. Unless the operator told you the key was replaced, this is not the log you checked before.`,
    );
  });

  it('forgets the remembered checkpoint when the auditor pins a new key', async () => {
    const { storage, memory } = await pinned(5);
    memory.pinKey('other+89abcdef+AQ==', 'e'.repeat(64), NOW);
    const reloaded = new CheckpointMemory(storage);
    expect(reloaded.pin?.keyLine).toBe('other+89abcdef+AQ==');
    expect(reloaded.latest).toBeUndefined();
  });

  it('keeps the pinned witness keys when the log key changes, and forgets one on request', async () => {
    const { storage, memory } = await pinned(5);
    memory.pinWitness('witness.a+0badc0de+BA==');
    memory.pinWitness('witness.b+0badc0de+BA==');
    memory.pinWitness('witness.a+0badc0de+BA==');
    memory.pinKey('other+89abcdef+AQ==', 'e'.repeat(64), NOW);
    memory.unpinWitness('witness.b+0badc0de+BA==');
    expect(new CheckpointMemory(storage).witnesses).toEqual(['witness.a+0badc0de+BA==']);
  });

  it('keeps nothing but public values in the storage', async () => {
    const { storage } = await pinned(5);
    expect(JSON.parse(storage.map.get(TRUST_STORAGE_KEY) ?? '')).toEqual({ pin: { keyLine: KEY, fingerprint: FINGERPRINT, pinnedAt: NOW.toISOString() }, checkpoint: seen(5) });
  });

  it('forgets a damaged record rather than trusting it, and works in memory when the storage refuses', async () => {
    const storage = mapStorage();
    storage.map.set(TRUST_STORAGE_KEY, '{"pin": {"keyLine": 1}}');
    expect(new CheckpointMemory(storage).pin).toBeUndefined();
    const refusing: TrustStorage = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    const memory = new CheckpointMemory(refusing);
    memory.pinKey(KEY, FINGERPRINT, NOW);
    expect(memory.pin?.keyLine).toBe(KEY);
  });
});

describe('the latest checkpoint this browser verified', () => {
  it('accepts the same checkpoint again without a proof', async () => {
    const { memory } = await pinned(5);
    expect(await memory.advance(seen(5), noProof)).toEqual({ ok: true, relation: 'same' });
  });

  it('accepts a larger tree only with a consistency proof, and remembers it across reloads', async () => {
    const { storage, memory } = await pinned(5);
    const asked: [number, number][] = [];
    const step = await memory.advance(seen(11), async (from, to) => {
      asked.push([from, to]);
      return proofs(from, to);
    });
    expect(step).toEqual({ ok: true, relation: 'extends', from: seen(5) });
    expect(asked).toEqual([[5, 11]]);
    expect(new CheckpointMemory(storage).latest).toEqual(seen(11));
  });

  it('refuses a larger tree whose consistency proof was tampered with, and keeps the old checkpoint', async () => {
    const { storage, memory } = await pinned(5);
    const tampered: ConsistencyFetcher = async (from, to) => {
      const hashes = tree.consistencyProof(from, to);
      const last = new Uint8Array(hashes.at(-1) as Uint8Array);
      last[31] = (last[31] ?? 0) ^ 0xff;
      return [...hashes.slice(0, -1), last].map((hash) => Buffer.from(hash).toString('base64'));
    };
    const step = await memory.advance(seen(11), tampered);
    expect(step).toMatchObject({ ok: false, step: 'consistency' });
    expect(step.ok ? '' : step.message).toMatch(new RegExp(`^The consistency proof leads to the root [0-9a-f]{64} for the tree of 11 entries, not to the signed root ${seen(11).rootHash}\\.$`));
    expect(new CheckpointMemory(storage).latest).toEqual(seen(5));
  });

  it('refuses a smaller tree (a rollback), even after a reload', async () => {
    const { storage } = await pinned(5);
    expect(await new CheckpointMemory(storage).advance(seen(4), noProof)).toEqual({
      ok: false, step: 'checkpoint', message: 'The checkpoint signs a tree of 4 entries, smaller than the 5 this browser verified before: the log was rolled back.',
    });
  });

  it('accepts an earlier tree asked for as such (the newest a witness cosigned) when the remembered one extends it, and keeps the larger', async () => {
    const { storage, memory } = await pinned(11);
    const asked: [number, number][] = [];
    const step = await memory.advance(seen(5), async (from, to) => {
      asked.push([from, to]);
      return proofs(from, to);
    }, { earlier: true });
    expect(step).toEqual({ ok: true, relation: 'precedes', to: seen(11) });
    expect(asked).toEqual([[5, 11]]);
    expect(new CheckpointMemory(storage).latest).toEqual(seen(11));
  });

  it('refuses an earlier tree that the remembered one does not extend, naming both sizes', async () => {
    const { storage, memory } = await pinned(11);
    const forked = { treeSize: 5, rootHash: 'c'.repeat(64) };
    expect(await memory.advance(forked, proofs, { earlier: true })).toEqual({
      ok: false, step: 'consistency',
      message: 'The consistency proof does not show that the tree of 11 entries this browser verified before extends this checkpoint\'s tree of 5 entries: the log forked or was rewritten.',
    });
    expect(new CheckpointMemory(storage).latest).toEqual(seen(11));
  });

  it('refuses the same size with another root (a fork)', async () => {
    const { memory } = await pinned(5);
    const forked = { treeSize: 5, rootHash: 'b'.repeat(64) };
    expect(await memory.advance(forked, noProof)).toEqual({
      ok: false, step: 'checkpoint',
      message: `The checkpoint signs a tree of 5 entries with the root ${'b'.repeat(64)}, but this browser verified that size before with the root ${seen(5).rootHash}: the log forked.`,
    });
  });
});
