import { type KeyObject, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_NOTE_BYTES,
  NOTE_ERROR_CODES,
  NoteError,
  type NoteResult,
  type NoteSignature,
  type NoteSigner,
  decodeBase64,
  ed25519PublicKeyBytes,
  ed25519Signer,
  ed25519Verifier,
  isWeakEd25519Key,
  keyId,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  signerKey,
  verifierKey,
} from '../../src/audit/signed-note.js';

// Test vectors of golang.org/x/mod/sumdb/note (note.go doc comment and note_test.go).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_B64 = 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';
const ENOCH_B64 = 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=';
const PETER_SIG = `— PeterNeumann ${PETER_B64}\n`;
const ENOCH_SIG = `— EnochRoot ${ENOCH_B64}\n`;
// note_test.go cuts at byte 60; "— " is 4 UTF-8 bytes but 2 UTF-16 code units, so index 58 here.
const CUT = 58;

function ok<T>(result: NoteResult<T, string>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorOf(result: NoteResult<unknown, string>): { code: string; key?: string } {
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

const peterSeed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
const peterKey = privateKeyFromSeed(peterSeed);
const peter = ok(parseVerifierKey(PETER_VKEY));
const enoch = ok(parseVerifierKey(ENOCH_VKEY));

function everyMangling(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= line.length; i++) {
    for (let j = i + 1; j <= line.length; j++) if (i !== 0 || j !== line.length) out.push(line.slice(i, j));
  }
  for (let i = 0; i < line.length; i++) out.push(line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) + 1) + line.slice(i + 1));
  return out;
}

describe('verifier and signer keys', () => {
  it('parses the published PeterNeumann verifier key with key ID c74f20a3', () => {
    expect(peter.name).toBe('PeterNeumann');
    expect(peter.keyId).toBe(0xc74f20a3);
    expect(enoch.keyId).toBe(0xaf0cfe78);
  });

  it('computes the key ID as SHA-256(name || 0x0A || 0x01 || key)[:4] and encodes the key line byte for byte', () => {
    expect(keyId('PeterNeumann', ed25519PublicKeyBytes(peterKey))).toBe(0xc74f20a3);
    expect(verifierKey('PeterNeumann', peterKey)).toBe(PETER_VKEY);
    expect(verifierKey('PeterNeumann', peter.publicKey)).toBe(PETER_VKEY);
    expect(signerKey('PeterNeumann', peterKey)).toBe(PETER_SKEY);
  });

  it('refuses every truncation and every one-character change of a verifier key (note_test.go TestNewVerifier)', () => {
    for (const bad of everyMangling(PETER_VKEY)) expect(parseVerifierKey(bad).ok, bad).toBe(false);
  });

  it('refuses a wrong-length key and an unknown algorithm even with a matching key ID', () => {
    expect(errorOf(parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).code).toBe('key-malformed');
    expect(errorOf(parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).code).toBe('key-wrong-algorithm');
    const short = peter.publicKey.subarray(0, 31);
    const id = keyId('PeterNeumann', short).toString(16).padStart(8, '0');
    const line = `PeterNeumann+${id}+${Buffer.concat([Buffer.from([1]), short]).toString('base64')}`;
    expect(errorOf(parseVerifierKey(line))).toEqual(expect.objectContaining({ code: 'key-malformed', message: expect.stringContaining('32 bytes') }));
  });

  it('names each kind of bad key line', () => {
    expect(errorOf(parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toEqual(
      expect.objectContaining({ code: 'key-id-mismatch', key: 'PeterNeumann+c74f20a4' }),
    );
    expect(errorOf(parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).code).toBe('key-malformed');
    expect(errorOf(parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).code).toBe('key-malformed');
    expect(errorOf(parseVerifierKey('+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).code).toBe('key-malformed');
    expect(errorOf(parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW')).code).toBe('key-malformed');
  });

  it('refuses a small-order public key, under which anyone could forge signatures', () => {
    const zero = new Uint8Array(32);
    const line = `weak+${keyId('weak', zero).toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([1]), zero]).toString('base64')}`;
    expect(errorOf(parseVerifierKey(line)).code).toBe('key-malformed');
    expect(() => ed25519Verifier('weak', zero)).toThrow(NoteError);
    expect(() => verifierKey('weak', zero)).toThrow(NoteError);
    expect(isWeakEd25519Key(Buffer.from(`01${'00'.repeat(30)}80`, 'hex'))).toBe(true);
    expect(isWeakEd25519Key(peter.publicKey)).toBe(false);
  });

  it('parses the published signer key and refuses every mangling of it (TestNewSigner)', () => {
    const signer = ok(parseSignerKey(PETER_SKEY));
    expect([signer.name, signer.keyId]).toEqual(['PeterNeumann', 0xc74f20a3]);
    for (const bad of everyMangling(PETER_SKEY)) expect(parseSignerKey(bad).ok, bad).toBe(false);
  });

  it('round-trips a fresh key through its key line', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const verifier = ok(parseVerifierKey(verifierKey('forgeline.example/audit', publicKey)));
    const note = signNote('hello\n', [ed25519Signer('forgeline.example/audit', privateKey)]);
    expect(ok(openNote(note, [verifier])).verified.map((s) => s.name)).toEqual(['forgeline.example/audit']);
    expect(() => ed25519Signer('two words', privateKey)).toThrow(NoteError);
    expect(() => ed25519Signer('name', publicKey)).toThrow(NoteError);
    expect(() => ed25519Signer('name', generateKeyPairSync('x25519').privateKey)).toThrow(NoteError);
  });
});

describe('signNote', () => {
  it('reproduces the published PeterNeumann note byte for byte (TestSign)', () => {
    const want = `${TEXT}\n${PETER_SIG}`;
    expect(signNote(TEXT, [ok(parseSignerKey(PETER_SKEY))])).toBe(want);
    expect(signNote(TEXT, [ed25519Signer('PeterNeumann', peterKey)])).toBe(want);
  });

  it('replaces an existing signature of the same key and keeps the others after it', () => {
    const signer = ed25519Signer('PeterNeumann', peterKey);
    const stale: NoteSignature = { name: 'PeterNeumann', keyId: 0xc74f20a3, base64: 'BADSIGN=', signature: new Uint8Array() };
    expect(signNote(TEXT, [signer], [stale])).toBe(`${TEXT}\n${PETER_SIG}`);
    const enochLine = ok(parseNote(`${TEXT}\n${ENOCH_SIG}`)).signatures;
    expect(signNote(TEXT, [signer], enochLine)).toBe(`${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
  });

  it('throws on a text without final newline, a bad kept signature or a bad signer', () => {
    const signer = ed25519Signer('PeterNeumann', peterKey);
    const codeOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        return error instanceof NoteError ? error.code : 'not a NoteError';
      }
      return 'no error';
    };
    expect(codeOf(() => signNote('abc', [signer]))).toBe('note-malformed');
    expect(codeOf(() => signNote('a\u0001b\n', [signer]))).toBe('note-malformed');
    const bad = (name: string, id: number, base64: string): NoteSignature => ({ name, keyId: id, base64, signature: new Uint8Array() });
    expect(codeOf(() => signNote(TEXT, [], [bad('a+b', 0, 'ABCD')]))).toBe('note-malformed');
    expect(codeOf(() => signNote(TEXT, [], [bad('PeterNeumann', 0xc74f20a3, 'BADHASH=')]))).toBe('note-malformed');
    const badSigner: NoteSigner = { ...signer, name: 'bad name', sign: (m) => signer.sign(m) };
    expect(codeOf(() => signNote(TEXT, [badSigner]))).toBe('signer-invalid');
  });
});

describe('openNote', () => {
  const note = (...lines: string[]): string => `${TEXT}\n${lines.join('')}`;

  it('verifies the known key and keeps the unknown one as unverified (TestOpen)', () => {
    const opened = ok(openNote(note(PETER_SIG, ENOCH_SIG), [peter]));
    expect(opened.text).toBe(TEXT);
    expect(opened.verified.map((s) => [s.name, s.keyId, s.base64])).toEqual([['PeterNeumann', 0xc74f20a3, PETER_B64]]);
    expect(opened.unverified.map((s) => [s.name, s.keyId, s.base64])).toEqual([['EnochRoot', 0xaf0cfe78, ENOCH_B64]]);
    const both = ok(openNote(note(PETER_SIG, ENOCH_SIG), [peter, enoch]));
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(both.unverified).toEqual([]);
  });

  it('refuses a note no known key signed, naming who did', () => {
    const error = errorOf(openNote(note(PETER_SIG, ENOCH_SIG), []));
    expect(error.code).toBe('note-unknown-key');
    expect(error).toEqual(expect.objectContaining({ message: expect.stringContaining('PeterNeumann+c74f20a3, EnochRoot+af0cfe78') }));
  });

  it('ignores a key that shares the name but not the ID with a known key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(errorOf(openNote(note(PETER_SIG), [ed25519Verifier('PeterNeumann', publicKey)])).code).toBe('note-unknown-key');
  });

  it('refuses an ambiguous known key only when a line uses it', () => {
    expect(errorOf(openNote(note(ENOCH_SIG), [enoch, peter, enoch]))).toEqual(expect.objectContaining({ code: 'note-ambiguous-key', key: 'EnochRoot+af0cfe78' }));
    expect(openNote(note(PETER_SIG), [enoch, peter, enoch]).ok).toBe(true);
  });

  it('refuses more than 100 signature lines, known or not', () => {
    expect(errorOf(openNote(note(PETER_SIG.repeat(101)), [peter])).code).toBe('note-too-many-signatures');
    expect(errorOf(openNote(note(PETER_SIG.repeat(101)), [])).code).toBe('note-too-many-signatures');
    expect(openNote(note(PETER_SIG.repeat(100)), [peter]).ok).toBe(true);
  });

  it('refuses a note larger than the limit before parsing it', () => {
    expect(errorOf(openNote('a'.repeat(MAX_NOTE_BYTES) + note(PETER_SIG), [peter])).code).toBe('note-too-large');
  });

  it('refuses a known key whose signature does not verify, naming the key', () => {
    const tampered = PETER_SIG.slice(0, CUT) + 'ABCD' + PETER_SIG.slice(CUT);
    expect(errorOf(openNote(note(tampered), [peter]))).toEqual(expect.objectContaining({ code: 'note-bad-signature', key: 'PeterNeumann+c74f20a3' }));
  });

  it('refuses a changed body byte and a changed signature byte', () => {
    expect(errorOf(openNote(note(PETER_SIG).replace('answer', 'answeR'), [peter])).code).toBe('note-bad-signature');
    const raw = decodeBase64(PETER_B64) ?? new Uint8Array();
    raw[10] = (raw[10] ?? 0) ^ 1;
    expect(errorOf(openNote(note(`— PeterNeumann ${Buffer.from(raw).toString('base64')}\n`), [peter])).code).toBe('note-bad-signature');
  });

  it('drops repeated identical lines and keeps distinct unknown ones (duplicated signatures in TestOpen)', () => {
    const enochAbcd = ENOCH_SIG.slice(0, CUT) + 'ABCD' + ENOCH_SIG.slice(CUT);
    const opened = ok(openNote(note(PETER_SIG, PETER_SIG, ENOCH_SIG, ENOCH_SIG, enochAbcd), [peter]));
    expect(opened.verified.map((s) => s.base64)).toEqual([PETER_B64]);
    expect(opened.unverified.map((s) => s.base64)).toEqual([ENOCH_B64, 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=']);
  });

  it.each([
    ['the text alone', TEXT],
    ['no signature line', `${TEXT}\n`],
    ['a last line without newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['a control character', `\u0001${TEXT}\n${PETER_SIG}`],
    ['a name with a space', `${TEXT}\n— Bad Name ${PETER_B64}`],
    ['a line that is not a signature', `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
    ['a lone surrogate', `\uD800${TEXT}\n${PETER_SIG}`],
    ['bad base64', `${TEXT}\n— PeterNeumann ${PETER_B64.replace('/', '_')}\n`],
    ['non-canonical base64 padding bits', `${TEXT}\n— PeterNeumann ${PETER_B64.replace('AM=', 'AN=')}\n`],
    ['a signature shorter than 5 bytes', `${TEXT}\n— PeterNeumann AAAAAA==\n`],
    ['no dash', `${TEXT}\n- PeterNeumann ${PETER_B64}\n`],
  ])('refuses a malformed note: %s', (_, message) => {
    expect(errorOf(openNote(message, [peter])).code).toBe('note-malformed');
  });

  it('checks bytes as UTF-8: refuses 0xff, keeps a byte order mark as part of the signed text', () => {
    const valid = Buffer.from(`${TEXT}\n${PETER_SIG}`, 'utf8');
    expect(ok(openNote(valid, [peter])).text).toBe(TEXT);
    expect(errorOf(openNote(Buffer.concat([Buffer.from([0xff]), valid]), [peter])).code).toBe('note-malformed');
    const withBom = signNote('\uFEFFhello\n', [ed25519Signer('PeterNeumann', peterKey)]);
    expect(ok(openNote(Buffer.from(withBom, 'utf8'), [peter])).text).toBe('\uFEFFhello\n');
  });

  it('takes the last blank line as the separator, so the text may hold blank lines', () => {
    const text = 'one\n\ntwo\n\n— not a signature, part of the text\n';
    const signed = signNote(text, [ed25519Signer('PeterNeumann', peterKey)]);
    expect(ok(openNote(signed, [peter])).text).toBe(text);
  });
});

describe('error codes', () => {
  it('keeps the stable list of note error codes', () => {
    expect(NOTE_ERROR_CODES).toEqual([
      'note-malformed',
      'note-too-large',
      'note-too-many-signatures',
      'note-unknown-key',
      'note-bad-signature',
      'note-ambiguous-key',
      'key-malformed',
      'key-id-mismatch',
      'key-wrong-algorithm',
      'signer-invalid',
    ]);
  });
});
