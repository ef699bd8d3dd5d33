import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  cosignCheckpoint,
  ed25519Signer,
  mergeCosignatures,
  parseNote,
  parseWitnessKey,
  signCheckpoint,
  signNote,
  verifyCheckpoint,
  verifyCosignatures,
  witnessKeyLine,
  witnessSigner,
  type NoteVerifier,
  type WitnessSigner,
} from '../../src/audit/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

const COSIGN = '/api/v1/audit/checkpoint/cosignatures';
const NOW = 1_790_000_000;

function witness(name: string): { signer: WitnessSigner; key: NoteVerifier } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = parseWitnessKey(witnessKeyLine(name, publicKey));
  if (!key.ok) throw new Error(key.error.message);
  return { signer: witnessSigner(name, privateKey), key: key.value };
}

function cosign(note: string, by: WitnessSigner, timestamp = NOW): string {
  const cosigned = cosignCheckpoint(note, by, timestamp);
  if (!cosigned.ok) throw new Error(cosigned.error.message);
  return cosigned.value;
}

describeEachEngine('witness cosignatures API', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const text = async (method: 'GET' | 'POST', url: string, token: string) => {
    const response = await api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
    return response.body;
  };
  const served = () => text('GET', '/api/v1/audit/checkpoint', api.tokens.auditor);
  const post = (note: unknown, token = api.tokens.auditor) => api.call('POST', COSIGN, { token, body: { note } });

  it('stores a witness cosignature on the checkpoint, served with it and verifiable with the witness key', async () => {
    const note = await text('POST', '/api/v1/audit/checkpoint', api.tokens.auditor);
    const first = witness('witness.example/one');
    const accepted = await post(cosign(note, first.signer));
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ cosignatures: 1 });
    expect(Object.keys(accepted.json).sort()).toEqual(['cosignatures', 'note', 'size']);

    const stored = await served();
    expect(stored).toBe(accepted.json.note);
    expect(verifyCheckpoint(stored, api.world.identity.verifier, api.world.identity.origin).ok).toBe(true);
    const cosigned = verifyCosignatures(stored, [first.key], 1);
    expect(cosigned.ok && cosigned.value.cosigners.map((c) => c.timestamp)).toEqual([NOW]);

    // A second witness joins; the first one's newer line replaces its old one; the log's line stays first.
    const second = witness('witness.example/two');
    await post(cosign(stored, second.signer));
    const again = await post(cosign(note, first.signer, NOW + 60));
    expect(again.json.cosignatures).toBe(2);
    const lines = parseNote(await served());
    if (!lines.ok) throw new Error(lines.error.message);
    expect(lines.value.signatures.map((s) => s.name)).toEqual([api.world.identity.origin, 'witness.example/two', 'witness.example/one']);
    const both = verifyCosignatures(await served(), [first.key, second.key], 2);
    expect(both.ok && both.value.cosigners.map((c) => c.timestamp).sort()).toEqual([NOW, NOW + 60]);

    // Sending the same note twice changes nothing.
    const before = await served();
    expect((await post(before)).json.note).toBe(before);
  });

  it('keeps every cosignature when witnesses send theirs at the same moment', async () => {
    const note = await text('POST', '/api/v1/audit/checkpoint', api.tokens.auditor);
    const witnesses = ['a', 'b', 'c', 'd', 'e'].map((n) => witness(`witness.example/${n}`));
    const responses = await Promise.all(witnesses.map((w) => post(cosign(note, w.signer))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const all = verifyCosignatures(await served(), witnesses.map((w) => w.key), witnesses.length);
    expect(all.ok).toBe(true);
  });

  it('keeps only cosignature lines: a plain signature by another key is not stored', async () => {
    const note = await text('POST', '/api/v1/audit/checkpoint', api.tokens.auditor);
    const parsed = parseNote(note);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const stranger = ed25519Signer('someone.else', generateKeyPairSync('ed25519').privateKey);
    const response = await post(signNote(parsed.value.text, [stranger], parsed.value.signatures));
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ cosignatures: 0, note });
  });

  it('refuses what is not a cosigned checkpoint of this log, naming why', async () => {
    const note = await text('POST', '/api/v1/audit/checkpoint', api.tokens.auditor);
    const { identity } = api.world;
    const checkpoint = verifyCheckpoint(note, identity.verifier, identity.origin);
    if (!checkpoint.ok) throw new Error(checkpoint.error.message);
    const { rootHash } = checkpoint.value;
    const size = Number(checkpoint.value.size);
    const w = witness('witness.example/one');
    const refused = async (body: unknown, status: number, code: string, mentions: string) => {
      const response = await api.call('POST', COSIGN, { token: api.tokens.auditor, body });
      expect(response.status, mentions).toBe(status);
      expect(response.json.code).toBe(code);
      expect(response.json.detail).toContain(mentions);
    };
    await refused({ note: 'not a note' }, 400, 'validation-failed', 'not a signed note');
    await refused({}, 400, 'validation-failed', 'note');
    await refused({ note: note, extra: 1 }, 400, 'validation-failed', 'extra');
    await refused({ note: signNote('hello\n', [identity.signer]) }, 400, 'validation-failed', 'not a checkpoint');

    const otherKey = generateKeyPairSync('ed25519').privateKey;
    const otherLog = signCheckpoint({ origin: 'forgeline.audit/elsewhere', size, rootHash }, ed25519Signer('forgeline.audit/elsewhere', otherKey));
    await refused({ note: cosign(otherLog, w.signer) }, 400, 'validation-failed', 'another log');

    // The stored body, but without the log's signature (only the witness's), or with a forged one.
    const body = parseNote(note);
    if (!body.ok) throw new Error(body.error.message);
    const unsignedByLog = signNote(body.value.text, [{ name: w.signer.name, keyId: w.signer.keyId, sign: (m) => w.signer.cosign(m, NOW) }]);
    await refused({ note: unsignedByLog }, 400, 'validation-failed', 'does not carry the signature of this log');
    const impostor = signCheckpoint({ origin: identity.origin, size, rootHash }, ed25519Signer(identity.origin, otherKey));
    await refused({ note: cosign(impostor, w.signer) }, 400, 'validation-failed', 'does not carry the signature');

    // Signed by the log's key, but not a stored checkpoint: a size never stored, a root the log never had.
    const notStored = signCheckpoint({ origin: identity.origin, size: size + 1000, rootHash }, identity.signer);
    await refused({ note: cosign(notStored, w.signer) }, 404, 'not-found', `size ${size + 1000}`);
    const forked = signCheckpoint({ origin: identity.origin, size, rootHash: new Uint8Array(32).fill(9) }, identity.signer);
    await refused({ note: cosign(forked, w.signer) }, 409, 'conflict', 'another body');

    await refused(JSON.parse('{"note": "x", "__proto__": {"admin": true}}'), 400, 'forbidden-key', '__proto__');
    expect(await served()).toBe(note);
  });

  it('lets only auditors add cosignatures', async () => {
    const note = await text('POST', '/api/v1/audit/checkpoint', api.tokens.auditor);
    const cosigned = cosign(note, witness('witness.example/one').signer);
    for (const role of ['admin', 'planner', 'approver', 'logistics'] as const) {
      const response = await post(cosigned, api.tokens[role]);
      expect(response.status, role).toBe(403);
      expect(response.json.code).toBe('forbidden');
    }
    expect((await api.app.inject({ method: 'POST', url: COSIGN, payload: { note: cosigned } })).statusCode).toBe(401);
    expect(await served()).toBe(note);
  });
});

describeEachEngine('a log that names its witnesses', (engine) => {
  it('keeps only cosignatures of the configured witnesses, each verified', async () => {
    const api = await createApiHarness(engine.store());
    try {
      const note = await api.app.inject({ method: 'POST', url: '/api/v1/audit/checkpoint', headers: { authorization: `Bearer ${api.tokens.auditor}` } });
      const known = witness('witness.example/known');
      const stranger = witness('witness.example/stranger');
      const identity = api.world.identity;
      await expect(mergeCosignatures(engine.store(), identity, cosign(note.body, stranger.signer), [known.key])).rejects.toMatchObject({ code: 'validation-failed' });
      // A line under the known witness's name and key id that it never signed.
      const forged = cosign(note.body, stranger.signer).replace(`— witness.example/stranger `, `— witness.example/known `);
      await expect(mergeCosignatures(engine.store(), identity, forged, [known.key])).rejects.toMatchObject({ code: 'validation-failed' });
      const merged = await mergeCosignatures(engine.store(), identity, cosign(note.body, known.signer), [known.key]);
      expect(merged.cosignatures).toBe(1);
      expect(verifyCosignatures(merged.note, [known.key], 1).ok).toBe(true);
    } finally {
      await api.close();
    }
  });
});
