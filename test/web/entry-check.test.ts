/**
 * The whole "Verify" of an entry (web/src/audit/entry-check.ts) against the real server code: the key
 * pinned on first use, then a log that grows checked with the server's consistency proof, a
 * tampered proof refused, and another key refused until the auditor pins it.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditIdentityOf, cosignCheckpoint, verifierKey, witnessKeyLine, witnessSigner } from '../../src/audit/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';
import { tempFolder } from '../support/temp-folders.js';
import type { AuditEntry } from '../../web/src/audit/audit-types.js';
import { CheckpointMemory, type TrustStorage } from '../../web/src/audit/checkpoint-memory.js';
import { checkEntry, unwitnessedWarning, type EntryCheckSources } from '../../web/src/audit/entry-check.js';

const NOW = new Date('2026-11-27T09:00:00Z');

function mapStorage(): TrustStorage {
  const map = new Map<string, string>();
  return { getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value) };
}

describe('checking an entry against what this browser trusts', () => {
  let store: Store;
  let world: TestWorld;
  let first: AuditEntry;
  const base64 = (hashes: readonly Uint8Array[]) => hashes.map((hash) => Buffer.from(hash).toString('base64'));

  /** The server as the page reaches it: the latest checkpoint (signed now), its size, and both proofs. */
  const sources = (overrides: Partial<EntryCheckSources> = {}): EntryCheckSources => ({
    verifierKey: async () => `${world.services.auditLog.verifierKeyLine()}\n`,
    checkpointCovering: async () => ({ note: (await world.services.auditLog.checkpoint())?.note ?? '', fresh: true }),
    checkpointSize: (note) => Number(note.split('\n')[1]),
    inclusionProof: async (index, size) => ({ index, size, hashes: base64(await world.services.auditLog.inclusionProof(index, size)) }),
    consistencyProof: async (from, to) => base64(await world.services.auditLog.consistencyProof(from, to)),
    ...overrides,
  });
  const grow = async () => world.createOrder(await world.user(`pia.planner.${Math.random().toString(36).slice(2, 8)}`, ['planner']));

  beforeAll(async () => {
    store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-web-trust-'), 'forgeline.db') });
    world = await createWorld(store);
    await grow();
    first = (await world.services.audit.list(SETUP_ADMIN, { limit: 1 })).items[0] as unknown as AuditEntry;
  });

  afterAll(async () => {
    await store?.close();
  });

  it('pins the key on first use, then proves the grown log consistent with the checkpoint verified before', async () => {
    const trust = new CheckpointMemory(mapStorage());
    const once = await checkEntry(first, trust, sources(), () => NOW);
    expect(once).toMatchObject({ ok: true, pinnedNow: true, pin: { keyLine: world.services.auditLog.verifierKeyLine(), pinnedAt: NOW.toISOString() }, checkpoint: { relation: 'first' } });
    if (!once.ok) return;
    await grow();
    const again = await checkEntry(first, trust, sources(), () => NOW);
    expect(again).toMatchObject({ ok: true, pinnedNow: false, checkpoint: { relation: 'extends', from: { treeSize: once.result.treeSize } } });
    expect(again.ok && again.result.treeSize).toBeGreaterThan(once.result.treeSize);
    expect(trust.latest?.treeSize).toBe(again.ok ? again.result.treeSize : -1);
  });

  it('refuses a grown log whose consistency proof was tampered with on its way, naming the step', async () => {
    const trust = new CheckpointMemory(mapStorage());
    await checkEntry(first, trust, sources(), () => NOW);
    const before = trust.latest;
    await grow();
    const tampered = sources({
      consistencyProof: async (from, to) => {
        const hashes = await world.services.auditLog.consistencyProof(from, to);
        const changed = Buffer.from(hashes[0] as Uint8Array);
        changed[0] = (changed[0] ?? 0) ^ 0x01;
        return base64([changed, ...hashes.slice(1)]);
      },
    });
    const check = await checkEntry(first, trust, tampered, () => NOW);
    expect(check).toMatchObject({ ok: false, result: { step: 'consistency' } });
    expect(check.ok ? '' : check.result.message).toMatch(/^The consistency proof leads to the root [0-9a-f]{64} for the tree of \d+ entries, not to the (signed root [0-9a-f]{64}|root [0-9a-f]{64} verified before: the log was rewritten)\.$/);
    expect(trust.latest).toEqual(before);
  });

  it('verifies the cosignature of a pinned witness, and refuses the check when that cosignature was altered', async () => {
    const witness = witnessSigner('witness.alpha', generateKeyPairSync('ed25519').privateKey);
    const cosigned = async (alter: boolean) => {
      const note = (await world.services.auditLog.checkpoint())?.note ?? '';
      const signed = cosignCheckpoint(note, witness, 1_795_000_000);
      if (!signed.ok) throw new Error(signed.error.message);
      const lines = signed.value.split('\n');
      const at = lines.findIndex((line) => line.startsWith('\u2014 witness.alpha '));
      const bytes = Buffer.from(lines[at]?.split(' ')[2] ?? '', 'base64');
      if (alter) bytes[40] = (bytes[40] ?? 0) ^ 0x01;
      lines[at] = `\u2014 witness.alpha ${bytes.toString('base64')}`;
      return { note: lines.join('\n'), fresh: true };
    };
    const trust = new CheckpointMemory(mapStorage());
    // Not pinned: listed, not checked, and no failure.
    const unpinned = await checkEntry(first, trust, sources({ checkpointCovering: () => cosigned(true) }), () => NOW);
    expect(unpinned).toMatchObject({ ok: true, witnesses: 'none-pinned', cosignatures: [{ witness: expect.stringMatching(/^witness\.alpha\+[0-9a-f]{8}$/), timestamp: 1_795_000_000, status: 'not-pinned' }] });
    expect(unpinned.ok && unpinned.warning).toBeUndefined();
    trust.pinWitness(witnessKeyLine('witness.alpha', witness.publicKey));
    const verified = await checkEntry(first, trust, sources({ checkpointCovering: () => cosigned(false) }), () => NOW);
    expect(verified).toMatchObject({ ok: true, witnesses: 'witnessed', cosignatures: [{ status: 'verified' }] });
    expect(verified.ok && verified.warning).toBeUndefined();
    const altered = await checkEntry(first, trust, sources({ checkpointCovering: () => cosigned(true) }), () => NOW);
    const label = `witness.alpha+${witness.keyId.toString(16).padStart(8, '0')}`;
    expect(altered).toMatchObject({ ok: false, result: { step: 'witnesses', message: `The cosignature by ${label}, a witness pinned in this browser, does not verify.` } });
  });

  it('does not call an entry verified when the auditor pinned witnesses and none of them cosigned the checkpoint', async () => {
    const pinnedWitness = witnessSigner('witness.pinned', generateKeyPairSync('ed25519').privateKey);
    const otherWitness = witnessSigner('witness.other', generateKeyPairSync('ed25519').privateKey);
    const trust = new CheckpointMemory(mapStorage());
    trust.pinWitness(witnessKeyLine('witness.pinned', pinnedWitness.publicKey));
    const asked: { cosigned: boolean }[] = [];
    // A server showing a forked log leaves the pinned witness's cosignature off: here a fresh checkpoint with none.
    const bare = await checkEntry(first, trust, sources({
      checkpointCovering: async (_index, options) => {
        asked.push(options);
        return { note: (await world.services.auditLog.checkpoint())?.note ?? '', fresh: true };
      },
    }), () => NOW);
    expect(asked).toEqual([{ cosigned: true }]);
    expect(bare).toMatchObject({ ok: true, witnesses: 'unwitnessed', cosignatures: [] });
    expect(bare.ok && bare.warning).toBe(
      'The witness pinned in this browser has not cosigned this checkpoint. It was signed just now, for this check, and witnesses cosign a checkpoint only some time after it is published. '
      + 'The log\'s signature and the inclusion proof verify, but a server showing you a forked log would look the same: verify again once a pinned witness has cosigned a checkpoint covering this entry.',
    );
    // Cosigned, but only by a witness not pinned here: still not witnessed.
    trust.pinWitness(witnessKeyLine('witness.third', witnessSigner('witness.third', generateKeyPairSync('ed25519').privateKey).publicKey));
    const byOther = await checkEntry(first, trust, sources({
      checkpointCovering: async () => {
        const signed = cosignCheckpoint((await world.services.auditLog.checkpoint())?.note ?? '', otherWitness, 1_795_000_000);
        if (!signed.ok) throw new Error(signed.error.message);
        return { note: signed.value, fresh: false, earlier: true };
      },
    }), () => NOW);
    expect(byOther).toMatchObject({ ok: true, witnesses: 'unwitnessed', cosignatures: [{ status: 'not-pinned' }] });
    expect(byOther.ok && byOther.warning).toBe(unwitnessedWarning(2, false));
    expect(unwitnessedWarning(2, false)).toMatch(/^None of the 2 witnesses pinned in this browser has cosigned this checkpoint\. The server had no checkpoint covering this entry that one of them cosigned\. /);
    // Without pinned witnesses nothing is asked of them.
    const plain = new CheckpointMemory(mapStorage());
    const plainAsked: { cosigned: boolean }[] = [];
    const check = await checkEntry(first, plain, sources({
      checkpointCovering: async (_index, options) => {
        plainAsked.push(options);
        return { note: (await world.services.auditLog.checkpoint())?.note ?? '', fresh: true };
      },
    }), () => NOW);
    expect(plainAsked).toEqual([{ cosigned: false }]);
    expect(check).toMatchObject({ ok: true, witnesses: 'none-pinned' });
  });

  it('proves the entry under the earlier checkpoint a witness cosigned, the larger tree verified before extending it', async () => {
    const witness = witnessSigner('witness.early', generateKeyPairSync('ed25519').privateKey);
    const trust = new CheckpointMemory(mapStorage());
    trust.pinWitness(witnessKeyLine('witness.early', witness.publicKey));
    const early = (await world.services.auditLog.checkpoint())?.note ?? '';
    const cosignedEarly = cosignCheckpoint(early, witness, 1_795_000_000);
    if (!cosignedEarly.ok) throw new Error(cosignedEarly.error.message);
    // The browser verified a larger tree first (a fresh checkpoint no witness has seen).
    await grow();
    const larger = await checkEntry(first, trust, sources(), () => NOW);
    expect(larger).toMatchObject({ ok: true, witnesses: 'unwitnessed' });
    const remembered = trust.latest;
    const earlier = await checkEntry(first, trust, sources({ checkpointCovering: async () => ({ note: cosignedEarly.value, fresh: false, earlier: true }) }), () => NOW);
    expect(earlier).toMatchObject({ ok: true, witnesses: 'witnessed', checkpoint: { relation: 'precedes', to: remembered }, cosignatures: [{ status: 'verified' }] });
    expect(earlier.ok && earlier.result.treeSize).toBeLessThan(remembered?.treeSize ?? 0);
    expect(trust.latest).toEqual(remembered);
    // The same smaller tree offered as the latest is a rollback.
    const rolledBack = await checkEntry(first, trust, sources({ checkpointCovering: async () => ({ note: cosignedEarly.value, fresh: false }) }), () => NOW);
    expect(rolledBack).toMatchObject({ ok: false, result: { step: 'checkpoint' } });
  });

  it('refuses another key than the pinned one before checking anything else, and offers its fingerprint', async () => {
    const trust = new CheckpointMemory(mapStorage());
    await checkEntry(first, trust, sources(), () => NOW);
    const { privateKey } = generateKeyPairSync('ed25519');
    const other = auditIdentityOf('forgeline.impostor', privateKey);
    const otherLine = verifierKey(other.origin, other.publicKey);
    const check = await checkEntry(first, trust, sources({ verifierKey: async () => otherLine }), () => NOW);
    expect(check).toMatchObject({ ok: false, result: { step: 'key' }, newKey: { keyLine: otherLine, fingerprint: createHash('sha256').update(other.publicKey).digest('hex') } });
    expect(check.ok ? '' : check.result.message).toBe(
      `The server now publishes the log key ${otherLine}, but this browser pinned ${world.services.auditLog.verifierKeyLine()} on ${NOW.toISOString()}. Unless the operator told you the key was replaced, this is not the log you checked before.`,
    );
  });
});
