/**
 * Issue 7: "JavaScript under 300 KB gzipped for the first page". Reads the built dist/web (npm ci
 * builds it through `prepare`; locally run `npm run build` first) and sums the gzipped (level 9)
 * entry script, module preloads and every chunk they import statically, not `import()` chunks.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIRST_PAGE_JS_LIMIT_BYTES, GZIP_LEVEL, measureFirstPageJs, staticImports } from '../../bench/web-bundle.js';

const WEB_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

describe('the web UI first page', () => {
  it('loads under 300 KiB of gzipped JavaScript', async () => {
    const index = `${WEB_DIR}/index.html`;
    if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` before the tests (npm ci does it through \`prepare\`)`);
    const measured = await measureFirstPageJs(WEB_DIR);
    const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
    console.log(
      `first-page JS: ${measured.files.length} file(s), ${kib(measured.totalGzipBytes)} KiB gzipped (level ${GZIP_LEVEL}), ${kib(measured.totalBytes)} KiB raw, limit ${kib(FIRST_PAGE_JS_LIMIT_BYTES)} KiB: ${measured.files.map((file) => file.url).join(', ')}`,
    );
    expect(measured.files.length).toBeGreaterThan(0);
    expect(measured.files.filter((file) => !file.exists).map((file) => file.url)).toEqual([]);
    expect(measured.totalGzipBytes).toBeLessThan(FIRST_PAGE_JS_LIMIT_BYTES);
  });

  it('follows static imports of local chunks and leaves dynamic import() chunks out', () => {
    const code = 'import{a as b}from"./vendor-1.js";import"./side-2.js";export{c}from"../x/re-3.js";const l=()=>import("./lazy-4.js");import*as n from"/assets/ns-5.js";fetch("https://example.test/import.js")';
    expect(staticImports(code)).toEqual(['./vendor-1.js', './side-2.js', '../x/re-3.js', '/assets/ns-5.js']);
  });
});
