import { describe, expect, it } from 'vitest';
import { otpauthUri, qrModules, qrSvg, qrTerminal } from '../../src/access/index.js';

const URI = otpauthUri({ issuer: 'Forgeline', account: 'alice@plant-1', secret: Buffer.alloc(20, 7) });
const QUIET_ZONE = 4;

// Reads the modules back from the terminal text: two rows per line, light modules drawn.
function modulesFromTerminal(text: string): boolean[][] {
  const lines = text.split('\n').map((line) => [...line]);
  const size = lines[0]!.length;
  const rows: boolean[][] = [];
  for (const line of lines) {
    rows.push(line.map((char) => !(char === '█' || char === '▀')));
    rows.push(line.map((char) => !(char === '█' || char === '▄')));
  }
  return rows.slice(0, size);
}

// Reads the dark modules back from the SVG path, one 10×10 square each.
function modulesFromSvg(svg: string, size: number): boolean[][] {
  const rows = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const [, x, y] of svg.matchAll(/M(\d+),(\d+)h10v10h-10z/g)) rows[Number(y) / 10]![Number(x) / 10] = true;
  return rows;
}

describe('qrModules', () => {
  it('is a square of a QR version size plus the quiet zone, with the three finder patterns', () => {
    const modules = qrModules(URI);
    const size = modules.length;
    const symbol = size - 2 * QUIET_ZONE;
    expect((symbol - 17) % 4).toBe(0);
    for (const row of modules) expect(row).toHaveLength(size);
    expect(modules[0]!.every((dark) => !dark)).toBe(true);
    for (const [top, left] of [[QUIET_ZONE, QUIET_ZONE], [QUIET_ZONE, size - QUIET_ZONE - 7], [size - QUIET_ZONE - 7, QUIET_ZONE]] as const) {
      // A finder pattern: dark 7×7 ring, light ring, dark 3×3 centre (ISO/IEC 18004 §6.3.3).
      const at = (r: number, c: number): boolean => modules[top + r]![left + c]!;
      for (let i = 0; i < 7; i++) expect([at(0, i), at(6, i), at(i, 0), at(i, 6)]).toEqual([true, true, true, true]);
      for (let i = 1; i < 6; i++) expect([at(1, i), at(5, i), at(i, 1), at(i, 5)]).toEqual([false, false, false, false]);
      for (let r = 2; r < 5; r++) for (let c = 2; c < 5; c++) expect(at(r, c)).toBe(true);
    }
  });
});

describe('qrTerminal', () => {
  it('prints the square in half blocks: ceil(size / 2) lines of size characters', () => {
    const size = qrModules(URI).length;
    const lines = qrTerminal(URI).split('\n');
    expect(lines).toHaveLength(Math.ceil(size / 2));
    for (const line of lines) {
      expect([...line]).toHaveLength(size);
      expect(line).toMatch(/^[█▀▄ ]+$/);
    }
  });

  it('reads back to exactly the modules of the code', () => {
    expect(modulesFromTerminal(qrTerminal(URI))).toEqual(qrModules(URI));
  });
});

describe('qrSvg', () => {
  it('is an SVG document whose squares are exactly the dark modules', () => {
    const svg = qrSvg(URI);
    const size = qrModules(URI).length;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(`viewBox="0 0 ${size * 10} ${size * 10}"`);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(modulesFromSvg(svg, size)).toEqual(qrModules(URI));
  });

  it('changes with the text', () => {
    expect(qrSvg(URI)).not.toBe(qrSvg(`${URI}x`));
  });
});
