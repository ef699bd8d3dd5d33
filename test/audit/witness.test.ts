import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EMPTY_WITNESS_STATE,
  WITNESS_ERROR_CODES,
  type NoteResult,
  type WitnessState,
  WitnessFolderError,
  ed25519Signer,
  ed25519Verifier,
  openWitnessFolder,
  parseWitnessKey,
  saveWitnessState,
  signCheckpoint,
  verifyCheckpoint,
  verifyCosignatures,
  witnessKeyLine,
  witnessSigner,
  witnessStep,
} from '../../src/audit/index.js';
import { MemoryTree, consistencyProof, leafHash } from '../../src/crypto/index.js';

const ORIGIN = 'forgeline.audit/witness-test';
const NOW = 1_790_000_000;

function ok<T>(result: NoteResult<T, string>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorOf(result: NoteResult<unknown, string>): { code: string; message: string } {
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
}

/** A log in memory: entries, its tree, its key, and checkpoints signed on demand. */
function testLog(origin = ORIGIN) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = ed25519Signer(origin, privateKey);
  const verifier = ed25519Verifier(origin, publicKey);
  const tree = new MemoryTree();
  const append = (...texts: string[]) => {
    for (const text of texts) tree.append(leafHash(Buffer.from(text)));
  };
  const checkpoint = (size = tree.size, root = tree.root(size)) => signCheckpoint({ origin, size, rootHash: root }, signer);
  const proofs: [number, number][] = [];
  const proof = (from: number, to: number) => {
    proofs.push([from, to]);
    return consistencyProof(from, to, tree);
  };
  return { verifier, tree, append, checkpoint, proof, proofs };
}

function testWitness(name = 'witness.example/w1') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: witnessSigner(name, privateKey), key: ok(parseWitnessKey(witnessKeyLine(name, publicKey))) };
}

describe('witnessStep', () => {
  it('cosigns a log on first sight and remembers its size and root', async () => {
    const log = testLog();
    const witness = testWitness();
    log.append('a', 'b', 'c');
    const outcome = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    expect(outcome.previous).toBeUndefined();
    expect(outcome.checkpoint).toEqual({ origin: ORIGIN, size: 3, rootHash: Buffer.from(log.tree.root()).toString('base64') });
    expect(outcome.state.logs).toEqual([outcome.checkpoint]);
    expect(log.proofs).toEqual([]);
    // The log's signature still verifies, and the witness's cosignature with its published key line.
    ok(verifyCheckpoint(outcome.note, log.verifier, ORIGIN));
    expect(ok(verifyCosignatures(outcome.note, [witness.key], 1)).cosigners).toMatchObject([{ name: 'witness.example/w1', timestamp: NOW }]);
  });

  it('cosigns a grown log when the consistency proof from the last size verifies', async () => {
    const log = testLog();
    const witness = testWitness();
    log.append('a', 'b', 'c');
    const first = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    log.append('d', 'e', 'f', 'g', 'h');
    const second = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: first.state, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW + 60 }));
    expect(log.proofs).toEqual([[3, 8]]);
    expect(second.previous).toEqual(first.checkpoint);
    expect(second.state.logs).toEqual([{ origin: ORIGIN, size: 8, rootHash: Buffer.from(log.tree.root()).toString('base64') }]);
    expect(ok(verifyCosignatures(second.note, [witness.key], 1)).cosigners[0]?.timestamp).toBe(NOW + 60);
    // The same checkpoint again is cosigned afresh, without a proof.
    ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: second.state, noteText: second.note, consistencyProof: log.proof, timestamp: NOW + 120 }));
    expect(log.proofs).toEqual([[3, 8]]);
  });

  it('keeps the state of other logs it witnesses', async () => {
    const other = testLog('forgeline.audit/other');
    const log = testLog();
    const witness = testWitness();
    other.append('x');
    log.append('a');
    const state = ok(await witnessStep({ logVerifier: other.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: other.checkpoint(), consistencyProof: other.proof, timestamp: NOW })).state;
    const next = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW })).state;
    expect(next.logs.map((entry) => entry.origin).sort()).toEqual(['forgeline.audit/other', ORIGIN]);
  });

  it('refuses a fork: the same size with another root', async () => {
    const log = testLog();
    const witness = testWitness();
    log.append('a', 'b', 'c', 'd');
    const seen = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    const forked = testLog();
    forked.append('a', 'b', 'X', 'd');
    const note = log.checkpoint(4, forked.tree.root());
    const refusal = errorOf(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: seen.state, noteText: note, consistencyProof: log.proof, timestamp: NOW }));
    expect(refusal.code).toBe('witness-inconsistent');
    expect(refusal.message).toContain('two trees of 4 entries');
  });

  it('refuses a fork: a larger tree whose consistency proof does not verify', async () => {
    const log = testLog();
    const witness = testWitness();
    log.append('a', 'b', 'c');
    const seen = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    // The log rewrote entry 1 and grew: its new tree does not extend the one the witness cosigned.
    const rewritten = testLog();
    rewritten.append('a', 'B', 'c', 'd', 'e');
    const note = log.checkpoint(5, rewritten.tree.root());
    const step = (proof: (from: number, to: number) => Promise<readonly Uint8Array[]>) =>
      witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: seen.state, noteText: note, consistencyProof: proof, timestamp: NOW });
    expect(errorOf(await step(rewritten.proof)).code).toBe('witness-inconsistent');
    expect(errorOf(await step(() => Promise.resolve([]))).code).toBe('witness-inconsistent');
    expect(errorOf(await step(() => Promise.resolve([new Uint8Array(5)]))).code).toBe('witness-inconsistent');
  });

  it('refuses a tree smaller than the one it cosigned', async () => {
    const log = testLog();
    const witness = testWitness();
    log.append('a', 'b', 'c');
    const small = log.checkpoint();
    log.append('d');
    const seen = ok(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: EMPTY_WITNESS_STATE, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    const refusal = errorOf(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state: seen.state, noteText: small, consistencyProof: log.proof, timestamp: NOW }));
    expect(refusal.code).toBe('witness-regressed');
    expect(refusal.message).toContain('3 entries after this witness cosigned one of 4');
  });

  it('refuses a checkpoint not signed by the log key it was given, or of another origin', async () => {
    const log = testLog();
    const impostor = testLog();
    const witness = testWitness();
    log.append('a');
    impostor.append('a');
    const state: WitnessState = EMPTY_WITNESS_STATE;
    const signedByImpostor = errorOf(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state, noteText: impostor.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    expect(signedByImpostor.code).toBe('note-unknown-key');
    const otherOrigin = errorOf(await witnessStep({ logVerifier: log.verifier, origin: 'forgeline.audit/elsewhere', witness: witness.signer, state, noteText: log.checkpoint(), consistencyProof: log.proof, timestamp: NOW }));
    expect(otherOrigin.code).toBe('checkpoint-origin-mismatch');
    expect(errorOf(await witnessStep({ logVerifier: log.verifier, witness: witness.signer, state, noteText: 'not a note', consistencyProof: log.proof, timestamp: NOW })).code).toBe('note-malformed');
  });

  it('pins its refusal codes', () => {
    expect(WITNESS_ERROR_CODES).toEqual(['witness-inconsistent', 'witness-regressed']);
  });
});

describe('the witness state folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'forgeline-witness-')), 'state');
  });
  afterEach(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('makes a private key on first use, records the name, and replaces the state atomically', async () => {
    const first = await openWitnessFolder(dir, { name: 'witness.example/w1' });
    expect(first.created).toBe(true);
    expect((await stat(join(dir, 'witness-key.pem'))).mode & 0o777).toBe(0o600);
    expect(first.state).toEqual(EMPTY_WITNESS_STATE);
    const state = { logs: [{ origin: ORIGIN, size: 4, rootHash: Buffer.alloc(32, 7).toString('base64') }] };
    await saveWitnessState(dir, first.name, state);
    expect((await stat(join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'witness-key.pem']);

    const again = await openWitnessFolder(dir);
    expect(again).toMatchObject({ created: false, name: 'witness.example/w1', state });
    expect(Buffer.from(again.publicKey)).toEqual(Buffer.from(first.publicKey));
    await expect(openWitnessFolder(dir, { name: 'witness.example/other' })).rejects.toMatchObject({ code: 'witness-name-mismatch' });
  });

  it('refuses a damaged state file instead of forgetting what it cosigned', async () => {
    await openWitnessFolder(dir);
    await writeFile(join(dir, 'state.json'), JSON.stringify({ format: 'forgeline-witness-state/1', name: 'w', logs: [{ origin: ORIGIN, size: -1, rootHash: 'x' }] }));
    const refused = await openWitnessFolder(dir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WitnessFolderError);
    expect(refused).toMatchObject({ code: 'witness-state-invalid' });
    await writeFile(join(dir, 'state.json'), '{"format":');
    await expect(openWitnessFolder(dir)).rejects.toMatchObject({ code: 'witness-state-invalid' });
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe('{"format":');
  });
});
