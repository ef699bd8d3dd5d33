/**
 * The browser's audit-entry check (web/src/audit/verify-entry.ts) against what the real server
 * code produces: entries listed by the audit queries, a checkpoint signed by the audit log,
 * its verifier key line and inclusion proofs. Node 20's WebCrypto stands in for the browser's.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';
import { tempFolder } from '../support/temp-folders.js';
import type { AuditEntry, InclusionProof } from '../../web/src/audit/audit-types.js';
import { entryBytes, verifyEntry, type EntryEvidence } from '../../web/src/audit/verify-entry.js';
import { decodeBase64, encodeBase64 } from '../../web/src/audit/verify-bytes.js';

describe('verifying an audit entry in the browser', () => {
  let store: Store;
  let world: TestWorld;
  let entries: readonly AuditEntry[];
  let keyLine: string;
  let checkpoint: string;
  let size: number;

  /** The evidence for entry `index` as the API answers it: key, latest checkpoint, proof in that checkpoint's tree. */
  const evidence = async (index: number, treeSize = size): Promise<EntryEvidence> => {
    const entry = entries.find((candidate) => candidate.index === index);
    if (entry === undefined) throw new Error(`no entry ${index}`);
    const hashes = (await world.services.auditLog.inclusionProof(index, treeSize)).map((hash) => Buffer.from(hash).toString('base64'));
    const proof: InclusionProof = { index, size: treeSize, hashes };
    return { entry, keyLine, checkpoint, proof };
  };

  beforeAll(async () => {
    store = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-web-verify-'), 'forgeline.db') });
    world = await createWorld(store);
    const planner: Actor = await world.user('pia.planner', ['planner']);
    // Entries of every shape: an order's creation with its hashes, a denial with a reason, reads with filters.
    for (let i = 0; i < 4; i += 1) await world.createOrder(planner);
    await expect(world.services.audit.list(planner, {})).rejects.toThrow();
    const signed = await world.services.auditLog.checkpoint();
    if (signed === null) throw new Error('no checkpoint');
    checkpoint = signed.note;
    size = signed.size;
    keyLine = world.services.auditLog.verifierKeyLine();
    entries = (await world.services.audit.list(SETUP_ADMIN, { limit: 1000 })).items as unknown as AuditEntry[];
  });

  afterAll(async () => {
    await store?.close();
  });

  it('rebuilds the exact bytes the server hashed into the tree', async () => {
    const rows = await store.db.selectFrom('audit_entries').select(['idx', 'entry']).orderBy('idx').execute();
    for (const entry of entries.filter((candidate) => candidate.index < size)) {
      const row = rows.find((candidate) => Number(candidate.idx) === entry.index);
      expect(new TextDecoder().decode(entryBytes(entry))).toBe(row?.entry);
    }
  });

  it('verifies every entry of the signed tree: key, signature, leaf and inclusion proof', async () => {
    expect(size).toBeGreaterThan(8);
    for (let index = 0; index < size; index += 1) {
      const result = await verifyEntry(await evidence(index));
      expect(result, `entry ${index}`).toMatchObject({ ok: true, treeSize: size, origin: 'forgeline.audit/test', leafHash: entries[index]?.leafHash });
    }
  });

  it('refuses a changed entry at the leaf', async () => {
    const good = await evidence(3);
    const entry = { ...good.entry, actor: 'mallory' };
    const result = await verifyEntry({ ...good, entry });
    expect(result).toMatchObject({ ok: false, step: 'leaf' });
    expect(result.ok ? '' : result.message).toMatch(new RegExp(`^The entry's content hashes to [0-9a-f]{64}, not to the leaf hash ${good.entry.leafHash} the log lists: the entry was changed\\.$`));
  });

  it('refuses a changed entry whose listed leaf hash was changed with it, at the signed root', async () => {
    const good = await evidence(3);
    const entry = { ...good.entry, detail: { ...good.entry.detail, forged: true } };
    const leafHash = Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.concat([Buffer.of(0), Buffer.from(entryBytes(entry))]))).toString('hex');
    const result = await verifyEntry({ ...good, entry: { ...entry, leafHash } });
    expect(result).toMatchObject({ ok: false, step: 'path' });
    expect(result.ok ? '' : result.message).toMatch(/^The proof leads to the root [0-9a-f]{64}, not to the signed root [0-9a-f]{64}\.$/);
  });

  it('refuses a changed proof node at the signed root', async () => {
    const good = await evidence(5);
    const node = decodeBase64(good.proof.hashes[1] ?? '') as Uint8Array;
    node[0] = (node[0] ?? 0) ^ 0x01;
    const hashes = good.proof.hashes.map((hash, i) => (i === 1 ? encodeBase64(node) : hash));
    const result = await verifyEntry({ ...good, proof: { ...good.proof, hashes } });
    expect(result).toMatchObject({ ok: false, step: 'path' });
    expect(result.ok ? '' : result.message).toMatch(/^The proof leads to the root [0-9a-f]{64}, not to the signed root [0-9a-f]{64}\.$/);
  });

  it('refuses a proof with a hash missing or malformed', async () => {
    const good = await evidence(5);
    const expected = good.proof.hashes.length;
    const shorter = await verifyEntry({ ...good, proof: { ...good.proof, hashes: good.proof.hashes.slice(1) } });
    expect(shorter).toEqual({ ok: false, step: 'path', message: `The proof holds ${expected - 1} hashes; entry 5 of a tree of ${size} needs ${expected}.` });
    const malformed = await verifyEntry({ ...good, proof: { ...good.proof, hashes: ['AAAA', ...good.proof.hashes.slice(1)] } });
    expect(malformed).toEqual({ ok: false, step: 'path', message: 'Hash 1 of the proof is not the base64 of 32 bytes.' });
  });

  it('refuses a checkpoint whose signature does not verify', async () => {
    const good = await evidence(2);
    const [text = '', signatures = ''] = good.checkpoint.split('\n\n');
    const line = signatures.trimEnd();
    const base64 = line.slice(line.lastIndexOf(' ') + 1);
    const bytes = decodeBase64(base64) as Uint8Array;
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    const forged = `${text}\n\n${line.slice(0, line.lastIndexOf(' ') + 1)}${encodeBase64(bytes)}\n`;
    const keyId = good.keyLine.split('+')[1];
    expect(await verifyEntry({ ...good, checkpoint: forged })).toEqual({ ok: false, step: 'signature', message: `The checkpoint's signature by forgeline.audit/test+${keyId} does not verify.` });
    // The signed text changed (another root) under the old signature fails the same way.
    const lines = text.split('\n');
    const otherRoot = Buffer.alloc(32, 7).toString('base64');
    const moved = `${lines[0]}\n${lines[1]}\n${otherRoot}\n\n${signatures}`;
    expect(await verifyEntry({ ...good, checkpoint: moved })).toMatchObject({ ok: false, step: 'signature' });
  });

  it('refuses a checkpoint signed by another key, and a key line whose ID does not match', async () => {
    const good = await evidence(2);
    const otherStore = await openDatabase({ kind: 'sqlite', file: join(tempFolder('forgeline-web-verify-'), 'other.db') });
    const otherKey = (await createWorld(otherStore)).services.auditLog.verifierKeyLine();
    await otherStore.close();
    const [name, id] = otherKey.split('+');
    expect(await verifyEntry({ ...good, keyLine: otherKey })).toEqual({ ok: false, step: 'signature', message: `The checkpoint is not signed by the log's key ${name}+${id}.` });
    const wrongId = good.keyLine.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(await verifyEntry({ ...good, keyLine: wrongId })).toMatchObject({ ok: false, step: 'key', message: expect.stringMatching(/^The log's verifier key ID 00000000 does not match its key \([0-9a-f]{8}\)\.$/) });
    expect(await verifyEntry({ ...good, keyLine: 'not a key' })).toEqual({ ok: false, step: 'key', message: 'The log\'s verifier key is not <name>+<8 hex digits>+<base64 key>.' });
  });

  it('refuses a checkpoint for another tree size than the proof\'s', async () => {
    const older = await evidence(2, size - 1);
    expect(await verifyEntry(older)).toEqual({ ok: false, step: 'tree-size', message: `The proof is for a tree of ${size - 1} entries, but the checkpoint signs a tree of ${size}.` });
    const good = await evidence(2);
    expect(await verifyEntry({ ...good, proof: { ...good.proof, index: 1 } })).toEqual({ ok: false, step: 'tree-size', message: 'The proof is for entry 1, not entry 2.' });
  });
});
