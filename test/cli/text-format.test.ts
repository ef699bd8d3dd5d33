import { describe, expect, it } from 'vitest';
import { renderProgress } from '../../src/cli/progress-bar.js';
import { formatKeyValues, formatTable, printable } from '../../src/cli/text-format.js';

describe('human output', () => {
  it('aligns table columns, numbers to the right', () => {
    const rows = [
      { number: 'WO-1', version: 3 },
      { number: 'WO-10000', version: 12 },
    ];
    expect(formatTable([{ heading: 'number', value: (row: (typeof rows)[number]) => row.number }, { heading: 'ver', value: (row) => row.version, right: true }], rows)).toEqual([
      'NUMBER    VER',
      'WO-1        3',
      'WO-10000   12',
    ]);
  });

  it('aligns key-value lines and leaves out missing values', () => {
    expect(formatKeyValues([['state', 'draft'], ['content hash', 'ab12'], ['notes', null]])).toEqual(['state:        draft', 'content hash: ab12']);
  });

  it('neutralizes terminal escapes and bidi overrides in server text', () => {
    expect(printable('ok\u001b]0;pwned\u0007\u202edone')).toBe('ok ]0;pwned  done');
  });

  it('draws a progress bar with and without a total', () => {
    expect(renderProgress('orders', 5, 10)).toBe('orders [############------------] 5/10');
    expect(renderProgress('orders', 120, null)).toBe('orders 120');
  });
});
