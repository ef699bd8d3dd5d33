import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimals, compareDecimals, fromScaled, normalizeDecimal, toScaled } from '../../src/domain/index.js';

describe('exact decimals', () => {
  it('adds without floating-point drift', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('999999999999999.999999', '0.000001')).toBe('1000000000000000');
    expect(addDecimals('1.5', '-2.25')).toBe('-0.75');
  });

  it('normalises to the shortest form so equal values hash equal', () => {
    expect(normalizeDecimal('12.500')).toBe('12.5');
    expect(normalizeDecimal('-0.0')).toBe('0');
    expect(normalizeDecimal('7')).toBe('7');
  });

  it('refuses anything but plain decimal notation', () => {
    for (const bad of ['1e3', '0x10', '.5', '5.', '01', '1.1234567', ' 1', 'NaN', '', '1_000']) {
      expect(() => toScaled(bad), bad).toThrow(RangeError);
    }
  });

  it('round-trips and compares like the numbers it stands for', () => {
    const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n })).map(([scaled]) => fromScaled(scaled));
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(fromScaled(toScaled(a))).toBe(a);
        expect(Math.sign(compareDecimals(a, b))).toBe(Math.sign(Number(toScaled(a) - toScaled(b))));
        expect(toScaled(addDecimals(a, b))).toBe(toScaled(a) + toScaled(b));
      }),
    );
  });
});
