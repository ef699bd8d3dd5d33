import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, contentHash, sha256Hex } from '../../src/crypto/index.js';

function fromIeee754Hex(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

function expectRejected(value: unknown, path: string): void {
  let caught: unknown;
  try {
    canonicalJson(value);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CanonicalJsonError);
  expect((caught as CanonicalJsonError).code).toBe('canonical_json_invalid');
  expect((caught as CanonicalJsonError).path).toBe(path);
}

describe('canonicalJson (RFC 8785)', () => {
  // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
  const appendixB: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];

  it.each(appendixB)('serializes the number 0x%s as %s (Appendix B)', (bits, expected) => {
    expect(canonicalJson(fromIeee754Hex(bits))).toBe(expected);
  });

  it.each(['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000'])(
    'rejects the non-finite number 0x%s (Appendix B)',
    (bits) => expectRejected([fromIeee754Hex(bits)], '$[0]'),
  );

  it('sorts members by UTF-16 code units (§3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('produces the exact UTF-8 bytes of the §3.2.4 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    // The hex dump printed in §3.2.4.
    const expectedHex = [
      '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e',
      '75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30',
      '2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24',
      '5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d',
    ].join(' ').replaceAll(' ', '');
    expect(Buffer.from(canonicalJson(input), 'utf8').toString('hex')).toBe(expectedHex);
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    const text = 'a"b\\c\b\f\n\r\t\u0000\u001f\u007f\u2028/é😀';
    expect(canonicalJson(text)).toBe(JSON.stringify(text));
    expect(canonicalJson('\u0001')).toBe('"\\u0001"');
  });

  it('writes no whitespace and keeps array order', () => {
    expect(canonicalJson({ b: [3, 1, 2], a: { y: true, x: null } })).toBe('{"a":{"x":null,"y":true},"b":[3,1,2]}');
  });

  it('omits undefined members like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('honours toJSON, so dates become ISO strings', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) })).toBe('{"at":"2024-01-02T03:04:05.000Z"}');
  });

  it('keeps a "__proto__" member as data', () => {
    const input = JSON.parse('{"__proto__":{"admin":true},"a":1}') as unknown;
    expect(canonicalJson(input)).toBe('{"__proto__":{"admin":true},"a":1}');
  });

  it('rejects values that are not JSON, naming where they are', () => {
    expectRejected(undefined, '$');
    expectRejected([1, undefined], '$[1]');
    // eslint-disable-next-line no-sparse-arrays
    expectRejected([1, , 3], '$[1]');
    expectRejected({ f: () => 1 }, '$["f"]');
    expectRejected({ n: { big: 1n } }, '$["n"]["big"]');
    expectRejected({ s: Symbol('x') }, '$["s"]');
    expectRejected({ m: new Map() }, '$["m"]');
    expectRejected(Number.NaN, '$');
    expectRejected(Number.NEGATIVE_INFINITY, '$');
  });

  it('rejects lone surrogates in values and in member names', () => {
    expectRejected('\ud83d', '$');
    expectRejected(['ok', 'x\ude00y'], '$[1]');
    expectRejected({ '\udead': 1 }, '$["\\udead"]');
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('rejects circular structures', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectRejected(loop, '$["self"]');
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('round-trips through JSON.parse to the same text (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'grapheme' }), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes any well-formed string like JSON.stringify and rejects the rest (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        // UTF-8 cannot carry a lone surrogate, so the round trip is an independent well-formedness oracle.
        const wellFormed = Buffer.from(text, 'utf8').toString('utf8') === text;
        if (wellFormed) expect(canonicalJson(text)).toBe(JSON.stringify(text));
        else expectRejected(text, '$');
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on member insertion order (property)', () => {
    const entries = fc.uniqueArray(fc.tuple(fc.string({ unit: 'grapheme' }), fc.jsonValue()), {
      selector: ([name]) => name,
      maxLength: 12,
    });
    fc.assert(
      fc.property(entries, fc.infiniteStream(fc.nat()), (pairs, randoms) => {
        const shuffled = [...pairs];
        // Fisher-Yates driven by fast-check, so failures shrink and replay.
        const random = randoms[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i -= 1) {
          const j = (random.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(canonicalJson(Object.fromEntries(shuffled))).toBe(canonicalJson(Object.fromEntries(pairs)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('contentHash and sha256Hex', () => {
  it('hashes the UTF-8 canonical form in lowercase hex', () => {
    const value = { b: 'é', a: [1.5, -0] };
    const expected = createHash('sha256').update(Buffer.from('{"a":[1.5,0],"b":"é"}', 'utf8')).digest('hex');
    expect(contentHash(value)).toBe(expected);
    expect(contentHash({ a: [1.5, 0], b: 'é' })).toBe(expected);
  });

  it('matches the FIPS 180-2 "abc" test vector for strings and bytes', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(abc);
  });
});
