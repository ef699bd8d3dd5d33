import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, decryptField, encryptField, isSealedField, newDataKey, type FieldBinding } from '../../src/crypto/index.js';
import { ForgelineError } from '../../src/domain/index.js';

const binding: FieldBinding = { orderId: 'ord-0001', revision: 3, field: 'customerReference' };

function expectDecryptionFailed(run: () => unknown, expected: FieldBinding = binding): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ForgelineError);
  expect((caught as ForgelineError).code).toBe('decryption-failed');
  expect((caught as ForgelineError).message).toBe(
    `the ${expected.field} of order ${expected.orderId} revision ${expected.revision} could not be decrypted: wrong key, or the ciphertext was changed or moved`,
  );
}

function flipByte(sealed: string, part: 1 | 2 | 3, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('encryptField and decryptField', () => {
  it('round-trips text, including the empty string and non-Latin scripts', () => {
    const key = newDataKey();
    for (const text of ['', 'PO-4711 / Müller GmbH', '图纸 12-Ä ✓ 🔩', 'x'.repeat(10_000)]) {
      expect(decryptField(key, encryptField(key, text, binding), binding)).toBe(text);
    }
  });

  it('writes fle1.<iv>.<ciphertext>.<tag> with a 12-byte IV and a 16-byte tag, fresh each time', () => {
    const key = newDataKey();
    const first = encryptField(key, 'secret', binding);
    const second = encryptField(key, 'secret', binding);
    const [prefix, iv, body, tag] = first.split('.');
    expect(prefix).toBe('fle1');
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(body ?? '', 'base64url')).toHaveLength(6);
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16);
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it('binds the ciphertext to the RFC 8785 JSON of { v, orderId, revision, field } as additional data', () => {
    const key = newDataKey();
    const [, iv, body, tag] = encryptField(key, 'pinned format', binding).split('.');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(canonicalJson({ v: 1, orderId: binding.orderId, revision: binding.revision, field: binding.field }), 'utf8'));
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(body ?? '', 'base64url')), decipher.final()]);
    expect(plaintext.toString('utf8')).toBe('pinned format');
  });

  it.each<[string, FieldBinding]>([
    ['another order', { ...binding, orderId: 'ord-0002' }],
    ['another revision', { ...binding, revision: 4 }],
    ['another field', { ...binding, field: 'notes' }],
  ])('refuses a ciphertext moved to %s', (_name, moved) => {
    const key = newDataKey();
    const sealed = encryptField(key, 'confidential', binding);
    expectDecryptionFailed(() => decryptField(key, sealed, moved), moved);
  });

  it('refuses one flipped byte anywhere in the IV, the ciphertext or the tag', () => {
    const key = newDataKey();
    const sealed = encryptField(key, 'twelve chars', binding);
    for (const [part, length] of [[1, 12], [2, 12], [3, 16]] as const) {
      for (let index = 0; index < length; index += 1) {
        expectDecryptionFailed(() => decryptField(key, flipByte(sealed, part, index), binding));
      }
    }
  });

  it('refuses the wrong data key', () => {
    const sealed = encryptField(newDataKey(), 'confidential', binding);
    expectDecryptionFailed(() => decryptField(newDataKey(), sealed, binding));
  });

  it('refuses malformed sealed text', () => {
    const key = newDataKey();
    const sealed = encryptField(key, 'confidential', binding);
    const [, iv = '', body = '', tag = ''] = sealed.split('.');
    const malformed = [
      '',
      'confidential',
      'fle1',
      `fle1.${iv}.${body}`,
      `fle1.${iv}.${body}.${tag}.`,
      `fle2.${iv}.${body}.${tag}`,
      `FLE1.${iv}.${body}.${tag}`,
      `fle1.${iv}.${body}.${tag}=`,
      `fle1.${iv}.${body}!.${tag}`,
      `fle1.${iv}.${body}.${tag.slice(0, -2)}`,
      `fle1.${iv.slice(0, -2)}.${body}.${tag}`,
      `fle1..${body}.${tag}`,
      `fle1.${iv}.${body}.`,
      `fle1.${iv}.${Buffer.from(body, 'base64url').toString('base64')}+/.${tag}`,
    ];
    for (const text of malformed) expectDecryptionFailed(() => decryptField(key, text, binding));
  });

  it('round-trips arbitrary Unicode text under arbitrary bindings', () => {
    const key = newDataKey();
    const bindings = fc.record({ orderId: fc.string({ minLength: 1, unit: 'binary' }), revision: fc.nat(), field: fc.string({ minLength: 1, unit: 'binary' }) });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), bindings, (text, where) => {
        expect(decryptField(key, encryptField(key, text, where), where)).toBe(text);
      }),
    );
  });

  it('refuses any other binding than the one sealed with', () => {
    const key = newDataKey();
    const bindings = fc.record({ orderId: fc.string({ minLength: 1 }), revision: fc.nat(5), field: fc.constantFrom('notes', 'customerReference') });
    fc.assert(
      fc.property(bindings, bindings, (sealedFor, openedFor) => {
        fc.pre(canonicalJson(sealedFor) !== canonicalJson(openedFor));
        const sealed = encryptField(key, 'secret', sealedFor);
        expectDecryptionFailed(() => decryptField(key, sealed, openedFor), openedFor);
      }),
    );
  });

  it('rejects data keys that are not 32 bytes and invalid bindings as programming errors', () => {
    expect(() => encryptField(Buffer.alloc(16), 'x', binding)).toThrow(TypeError);
    expect(() => decryptField(Buffer.alloc(33), 'fle1.a.b.c', binding)).toThrow(TypeError);
    expect(() => encryptField(newDataKey(), 'x', { ...binding, revision: 1.5 })).toThrow(TypeError);
    expect(() => encryptField(newDataKey(), 'x', { ...binding, orderId: '' })).toThrow(TypeError);
    expect(() => encryptField(newDataKey(), 'lone \uD800', binding)).toThrow(TypeError);
  });

  it('makes a fresh 32-byte data key each time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newDataKey().toString('hex')));
    expect(keys.size).toBe(100);
    expect(newDataKey()).toHaveLength(32);
  });
});

describe('isSealedField', () => {
  it('recognises sealed fields and nothing else', () => {
    expect(isSealedField(encryptField(newDataKey(), 'x', binding))).toBe(true);
    expect(isSealedField(encryptField(newDataKey(), '', binding))).toBe(true);
    expect(isSealedField('plain text')).toBe(false);
    expect(isSealedField('fle1.a.b')).toBe(false);
    expect(isSealedField('fle1.a.b.c.d')).toBe(false);
    expect(isSealedField('xfle1.a.b.c')).toBe(false);
  });
});
