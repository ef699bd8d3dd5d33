import { type KeyObject, createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_ERROR_CODES,
  type CheckpointInput,
  type WitnessSigner,
  cosignCheckpoint,
  cosignatureTimestamp,
  formatCheckpoint,
  parseCheckpoint,
  parseWitnessKey,
  signCheckpoint,
  verifyCheckpoint,
  verifyCosignatures,
  witnessSigner,
  witnessVerifier,
} from '../../src/audit/checkpoint.js';
import {
  NoteError,
  type NoteResult,
  type NoteVerifier,
  ed25519Signer,
  ed25519Verifier,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/audit/signed-note.js';

function ok<T>(result: NoteResult<T, string>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorOf(result: NoteResult<unknown, string>): { code: string; message: string; key?: string } {
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

function keyFromSeed(seedHex: string): KeyObject {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

/** RFC 6962 leaf hash, as golang.org/x/mod/sumdb/tlog RecordHash. */
const leafHash = (data: string): Uint8Array => Uint8Array.from(createHash('sha256').update(Buffer.from([0])).update(data).digest());

const ORIGIN = 'forgeline.example/audit';
const logKey = keyFromSeed('11'.repeat(32));
const log = ed25519Signer(ORIGIN, logKey);
const logVerifier = ok(parseVerifierKey(verifierKey(ORIGIN, logKey)));
const checkpoint = (over: Partial<CheckpointInput> = {}): CheckpointInput => ({ origin: ORIGIN, size: 42, rootHash: leafHash('entry'), ...over });

describe('checkpoint body', () => {
  // golang.org/x/mod/sumdb/tlog note_test.go TestFormatTree / TestParseTree.
  const GOLDEN = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

  it('formats and parses the published go.sum tree head byte for byte', () => {
    expect(formatCheckpoint({ origin: 'go.sum database tree', size: 123456789012, rootHash: leafHash('hello world') })).toBe(GOLDEN);
    expect(ok(parseCheckpoint(GOLDEN))).toEqual({ origin: 'go.sum database tree', size: 123456789012n, rootHash: leafHash('hello world'), extensions: [] });
  });

  it('round-trips extension lines and the largest size', () => {
    const body = formatCheckpoint(checkpoint({ size: 2n ** 63n - 1n, extensions: ['ext one', 'ext two'] }));
    expect(body).toBe(`${ORIGIN}\n9223372036854775807\n${Buffer.from(leafHash('entry')).toString('base64')}\next one\next two\n`);
    expect(ok(parseCheckpoint(body))).toEqual({ origin: ORIGIN, size: 2n ** 63n - 1n, rootHash: leafHash('entry'), extensions: ['ext one', 'ext two'] });
    expect(ok(parseCheckpoint(formatCheckpoint(checkpoint({ size: 0 })))).size).toBe(0n);
  });

  const root = Buffer.from(leafHash('entry')).toString('base64');
  it.each([
    ['a hex size', `o\n0xabcdef\n${root}\n`],
    ['a size with a leading zero', `o\n042\n${root}\n`],
    ['a negative size', `o\n-1\n${root}\n`],
    ['a size of 2^63', `o\n9223372036854775808\n${root}\n`],
    ['a size of twenty digits', `o\n10000000000000000000\n${root}\n`],
    ['bad base64 in the root', 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n'],
    ['a 31-byte root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['a 33-byte root', `o\n1\n${Buffer.alloc(33).toString('base64')}\n`],
    ['no trailing newline', `o\n1\n${root}`],
    ['junk without newline after it', `o\n1\n${root}\nJOE`],
    ['an empty origin', `\n1\n${root}\n`],
    ['an empty extension line', `o\n1\n${root}\n\n`],
    ['two lines only', 'o\n1\n'],
    ['a control character in the origin', `o\u0007\n1\n${root}\n`],
  ])('refuses a checkpoint with %s', (_, body) => {
    expect(errorOf(parseCheckpoint(body)).code).toBe('checkpoint-malformed');
  });

  it('names the field that is wrong', () => {
    expect(errorOf(parseCheckpoint(`o\n042\n${root}\n`)).message).toContain('tree size');
    expect(errorOf(parseCheckpoint(`o\n1\n${Buffer.alloc(31).toString('base64')}\n`)).message).toContain('root hash');
    expect(errorOf(parseCheckpoint(`\n1\n${root}\n`)).message).toContain('origin');
  });

  it('refuses to format what no checkpoint can hold', () => {
    for (const bad of [
      checkpoint({ origin: '' }),
      checkpoint({ origin: 'a\nb' }),
      checkpoint({ rootHash: new Uint8Array(31) }),
      checkpoint({ size: -1 }),
      checkpoint({ size: 1.5 }),
      checkpoint({ size: 2n ** 63n }),
      checkpoint({ extensions: [''] }),
    ]) {
      expect(() => formatCheckpoint(bad)).toThrow(NoteError);
    }
  });
});

describe('signed checkpoints', () => {
  it('verifies a published Sigsum checkpoint signed with Ed25519 (torchwood litewitness test data)', () => {
    const name = 'sigsum.org/v1/tree/985ea163f5af026723561354f51f2ebcdcf2af809ce254ccfb64aa9aadd80f90';
    const note = `${name}\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— ${name} 7BKT0gOfNZ1J0So9unY3BZtm2YkPIoNYM/dce0Z2avJDs8dxN6ts9bOSwwrVrbjm6P9K3ZxpK6jJngOG6YvGGzV/lwo=\n`;
    const verifier = ed25519Verifier(name, Buffer.from('52c05edad1bf5feffa81354faae59a655d9a9a1a793ed2f62c39c26c0be2aecd', 'hex'));
    expect(verifier.keyId).toBe(0xec1293d2);
    const verified = ok(verifyCheckpoint(note, verifier, name));
    expect(verified.size).toBe(1n);
    expect(Buffer.from(verified.rootHash).toString('hex')).toBe('2a' + '00'.repeat(31));
  });

  it('round-trips a checkpoint signed by the log key', () => {
    const note = signCheckpoint(checkpoint(), log);
    const verified = ok(verifyCheckpoint(note, logVerifier, ORIGIN));
    expect(verified).toEqual({ origin: ORIGIN, size: 42n, rootHash: leafHash('entry'), extensions: [], body: formatCheckpoint(checkpoint()), cosignatures: [] });
  });

  it('refuses a changed body byte and a changed signature, naming the key', () => {
    const note = signCheckpoint(checkpoint(), log);
    expect(errorOf(verifyCheckpoint(note.replace('\n42\n', '\n43\n'), logVerifier))).toEqual(
      expect.objectContaining({ code: 'note-bad-signature', key: `${ORIGIN}+${log.keyId.toString(16).padStart(8, '0')}` }),
    );
    const line = note.slice(note.lastIndexOf('— '));
    const raw = Buffer.from(line.slice(line.indexOf(' ', 2) + 1, -1), 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 0x01, raw.length - 1);
    const resigned = note.replace(line, `— ${ORIGIN} ${raw.toString('base64')}\n`);
    expect(errorOf(verifyCheckpoint(resigned, logVerifier)).code).toBe('note-bad-signature');
  });

  it('refuses a checkpoint signed by another key as unknown', () => {
    const other = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    expect(errorOf(verifyCheckpoint(signCheckpoint(checkpoint(), other), logVerifier)).code).toBe('note-unknown-key');
  });

  it('refuses a checkpoint of another origin', () => {
    const note = signCheckpoint(checkpoint({ origin: 'elsewhere.example/log' }), log);
    expect(errorOf(verifyCheckpoint(note, logVerifier, ORIGIN))).toEqual(
      expect.objectContaining({ code: 'checkpoint-origin-mismatch', message: expect.stringContaining('elsewhere.example/log') }),
    );
    expect(verifyCheckpoint(note, logVerifier).ok).toBe(true);
  });

  it.each([
    ['a size with a leading zero', `${ORIGIN}\n042\n${Buffer.from(leafHash('entry')).toString('base64')}\n`],
    ['bad base64', `${ORIGIN}\n42\n!!!!\n`],
    ['a 31-byte root', `${ORIGIN}\n42\n${Buffer.alloc(31).toString('base64')}\n`],
    ['two lines', `${ORIGIN}\n42\n`],
  ])('refuses a correctly signed note whose body has %s', (_, body) => {
    expect(errorOf(verifyCheckpoint(signNote(body, [log]), logVerifier)).code).toBe('checkpoint-malformed');
  });

  it('refuses a note without its final newline', () => {
    expect(errorOf(verifyCheckpoint(signCheckpoint(checkpoint(), log).slice(0, -1), logVerifier)).code).toBe('note-malformed');
  });
});

describe('witness cosignatures (cosignature/v1)', () => {
  const witnessKeys = ['a1', 'b2', 'c3'].map((byte) => keyFromSeed(byte.repeat(32)));
  const witnesses: WitnessSigner[] = witnessKeys.map((key, i) => witnessSigner(`witness.example/w${i + 1}`, key));
  const verifiers: NoteVerifier[] = witnessKeys.map((key, i) => witnessVerifier(`witness.example/w${i + 1}`, key));
  const T = 1_700_000_000;
  const logNote = signCheckpoint(checkpoint({ extensions: ['an extension'] }), log);
  const cosigned = (note: string, ...ws: WitnessSigner[]): string => ws.reduce((n, w, i) => ok(cosignCheckpoint(n, w, T + i)), note);

  it('uses signature type 0x04 for witness key IDs (transparency-dev formats test vector)', () => {
    const remora = ok(parseWitnessKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'));
    expect([remora.name, remora.keyId]).toEqual(['remora.n621.de', 0xda77ade7]);
    expect(verifierKey('remora.n621.de', remora.publicKey, 0x04)).toBe('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(errorOf(parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).code).toBe('key-wrong-algorithm');
    expect(errorOf(parseWitnessKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).code).toBe('key-wrong-algorithm');
    expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').ok).toBe(true);
    expect(() => witnessVerifier('weak', new Uint8Array(32))).toThrow(NoteError);
  });

  it('reads the timestamp of the C2SP tlog-cosignature example line and of the transparency-dev vector', () => {
    const example =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
    const [logLine, witnessLine] = ok(parseNote(example)).signatures;
    expect(witnessLine?.keyId).toBe(0x8d66cf3f);
    expect(witnessLine && cosignatureTimestamp(witnessLine)).toBe(1679315147);
    expect(logLine && cosignatureTimestamp(logLine)).toBeUndefined();
    const [vector] = ok(parseNote(`x\n\n— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n`)).signatures;
    expect(vector && cosignatureTimestamp(vector)).toBe(1727964367);
  });

  it('signs exactly key ID || big-endian time || Ed25519("cosignature/v1\\ntime T\\n" || body)', () => {
    const note = ok(cosignCheckpoint(logNote, witnesses[0] as WitnessSigner, 1679315147));
    const body = formatCheckpoint(checkpoint({ extensions: ['an extension'] }));
    const publicKey = witnesses[0]?.publicKey ?? new Uint8Array();
    const id = createHash('sha256').update('witness.example/w1\n').update(Buffer.from([0x04])).update(publicKey).digest().subarray(0, 4);
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(1679315147n);
    const signature = sign(null, Buffer.from(`cosignature/v1\ntime 1679315147\n${body}`), witnessKeys[0] as KeyObject);
    expect(note).toBe(`${logNote}— witness.example/w1 ${Buffer.concat([id, time, signature]).toString('base64')}\n`);
  });

  it('accepts two of three witnesses at threshold 2 and still verifies the log signature', () => {
    const note = cosigned(logNote, witnesses[0] as WitnessSigner, witnesses[2] as WitnessSigner);
    const result = ok(verifyCosignatures(note, verifiers, 2));
    expect(result.cosigners).toEqual([
      { name: 'witness.example/w1', keyId: witnesses[0]?.keyId, timestamp: T },
      { name: 'witness.example/w3', keyId: witnesses[2]?.keyId, timestamp: T + 1 },
    ]);
    expect(result.checkpoint.size).toBe(42n);
    const verified = ok(verifyCheckpoint(note, logVerifier, ORIGIN));
    expect(verified.cosignatures.map((s) => s.name)).toEqual(['witness.example/w1', 'witness.example/w3']);
  });

  it('refuses two of three witnesses at threshold 3, naming who cosigned', () => {
    const note = cosigned(logNote, witnesses[0] as WitnessSigner, witnesses[2] as WitnessSigner);
    const error = errorOf(verifyCosignatures(note, verifiers, 3));
    expect(error.code).toBe('cosignature-threshold-not-met');
    expect(error.message).toContain('3 of 3');
    expect(error.message).toContain('witness.example/w1+');
    expect(errorOf(verifyCosignatures(logNote, verifiers, 1)).code).toBe('cosignature-threshold-not-met');
  });

  it('counts a repeated line of one witness once', () => {
    const note = cosigned(logNote, witnesses[0] as WitnessSigner);
    const line = note.slice(note.lastIndexOf('— '));
    expect(errorOf(verifyCosignatures(note + line, verifiers, 2)).code).toBe('cosignature-threshold-not-met');
  });

  it('replaces a witness older cosignature when it cosigns again', () => {
    const note = ok(cosignCheckpoint(cosigned(logNote, witnesses[1] as WitnessSigner), witnesses[1] as WitnessSigner, T + 60));
    expect(ok(verifyCosignatures(note, verifiers, 1)).cosigners).toEqual([{ name: 'witness.example/w2', keyId: witnesses[1]?.keyId, timestamp: T + 60 }]);
    expect(ok(parseNote(note)).signatures).toHaveLength(2);
  });

  it('refuses a tampered cosignature, a changed extension line and a changed timestamp', () => {
    const note = cosigned(logNote, witnesses[0] as WitnessSigner, witnesses[1] as WitnessSigner);
    expect(errorOf(verifyCosignatures(note.replace('an extension', 'an extensioN'), verifiers, 1)).code).toBe('note-bad-signature');
    const line = note.slice(note.lastIndexOf('— '));
    const raw = Buffer.from(line.slice(line.indexOf(' ', 2) + 1, -1), 'base64');
    raw.writeBigUInt64BE(BigInt(T + 5), 4);
    const error = errorOf(verifyCosignatures(note.replace(line, `— witness.example/w2 ${raw.toString('base64')}\n`), verifiers, 1));
    expect(error).toEqual(expect.objectContaining({ code: 'note-bad-signature', key: expect.stringContaining('witness.example/w2+') }));
  });

  it('does not take a plain Ed25519 signature by a witness key as a cosignature', () => {
    const plain = ed25519Signer('witness.example/w1', witnessKeys[0] as KeyObject);
    const note = signNote(formatCheckpoint(checkpoint()), [log, plain]);
    expect(errorOf(verifyCosignatures(note, verifiers, 1)).code).toBe('cosignature-threshold-not-met');
  });

  it('refuses to cosign something that is not a checkpoint', () => {
    expect(errorOf(cosignCheckpoint(signNote('hello\n', [log]), witnesses[0] as WitnessSigner, T)).code).toBe('checkpoint-malformed');
    expect(errorOf(cosignCheckpoint('no signatures\n', witnesses[0] as WitnessSigner, T)).code).toBe('note-malformed');
    expect(() => cosignCheckpoint(logNote, witnesses[0] as WitnessSigner, -1)).toThrow(RangeError);
  });

  it('refuses an impossible policy: a bad threshold or one key listed as two witnesses', () => {
    expect(() => verifyCosignatures(logNote, verifiers, 0)).toThrow(RangeError);
    expect(() => verifyCosignatures(logNote, verifiers, 4)).toThrow(RangeError);
    const alias = witnessVerifier('witness.example/alias', witnessKeys[0] as KeyObject);
    expect(() => verifyCosignatures(logNote, [...verifiers, alias], 2)).toThrow(RangeError);
  });
});

describe('checkpoint error codes', () => {
  it('keeps the stable list of checkpoint error codes', () => {
    expect(CHECKPOINT_ERROR_CODES).toEqual(['checkpoint-malformed', 'checkpoint-origin-mismatch', 'cosignature-threshold-not-met']);
  });
});
