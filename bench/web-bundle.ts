/**
 * The JavaScript a browser loads before the web UI's first page runs, read from the built
 * dist/web: the entry `<script type="module" src>` of index.html, every `<link rel="modulepreload">`
 * and, recursively, every chunk those import statically (`import … from "./x.js"`, `import "./x.js"`,
 * `export … from "./x.js"`); chunks loaded later by `import()` are not counted. Each file is
 * gzipped at level 9 with node:zlib. Shared by test/web/bundle-size.test.ts and the `web` bench.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Issue 7: "JavaScript under 300 KB gzipped for the first page" (KB read as KiB, the stricter). */
export const FIRST_PAGE_JS_LIMIT_BYTES = 300 * 1024;

/** The gzip level every size here is measured at (the highest; servers that compress on the fly often use 6, a little larger). */
export const GZIP_LEVEL = 9;

/** One JavaScript file of the first page. */
export interface FirstPageFile {
  /** The URL path the page asks for, e.g. `/assets/index-abc.js`. */
  readonly url: string;
  readonly exists: boolean;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** The first page's JavaScript, file by file, and its totals (of the files that exist). */
export interface FirstPageJs {
  readonly files: readonly FirstPageFile[];
  readonly totalBytes: number;
  readonly totalGzipBytes: number;
}

/** Raised when dist/web/index.html is not there: the UI was never built. */
export class WebNotBuiltError extends Error {
  constructor(indexFile: string) {
    super(`${indexFile} not found: build the web UI first with \`npm run build\``);
    this.name = 'WebNotBuiltError';
  }
}

/** The value of `name` in one HTML tag's attributes, or undefined. */
function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match === null ? undefined : (match[1] ?? match[2] ?? match[3]);
}

/** The URLs of index.html's module entry scripts and module preloads, in document order. */
export function firstPageEntries(html: string): string[] {
  const urls: string[] = [];
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/gi)) {
    const isScript = /^<script/i.test(tag);
    const url = isScript
      ? (attribute(tag, 'type')?.toLowerCase() === 'module' ? attribute(tag, 'src') : undefined)
      : (attribute(tag, 'rel')?.toLowerCase().split(/\s+/).includes('modulepreload') ? attribute(tag, 'href') : undefined);
    if (url !== undefined && url !== '') urls.push(url);
  }
  return urls;
}

/**
 * The specifiers of a minified chunk's static imports and re-exports of local files (relative or
 * root paths). A dynamic `import("…")` has a parenthesis after `import`, which the pattern refuses.
 */
export function staticImports(code: string): string[] {
  const pattern = /(?<![\w$.])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']((?:\.{1,2}\/|\/)[^"']+)["']/g;
  return [...code.matchAll(pattern)].map((match) => match[1] ?? '').filter((specifier) => specifier !== '');
}

/** A URL path (`/assets/x.js`) from a specifier found in the file at URL path `from`. */
function resolveUrl(specifier: string, from: string): string {
  const path = specifier.split(/[?#]/)[0] ?? specifier;
  return path.startsWith('/') ? posix.normalize(path) : posix.normalize(posix.join(posix.dirname(from), path));
}

/** Reads `webDir` (dist/web) and answers the first page's JavaScript; throws {@link WebNotBuiltError} without index.html. */
export async function measureFirstPageJs(webDir: string): Promise<FirstPageJs> {
  const indexFile = join(webDir, 'index.html');
  if (!existsSync(indexFile)) throw new WebNotBuiltError(indexFile);
  const html = await readFile(indexFile, 'utf8');
  const pending = firstPageEntries(html).map((url) => resolveUrl(url, '/index.html'));
  const seen = new Set<string>();
  const files: FirstPageFile[] = [];
  while (pending.length > 0) {
    const url = pending.shift() as string;
    if (seen.has(url)) continue;
    seen.add(url);
    const file = join(webDir, ...url.split('/').filter((part) => part !== ''));
    if (!existsSync(file)) {
      files.push({ url, exists: false, bytes: 0, gzipBytes: 0 });
      continue;
    }
    const content = await readFile(file);
    files.push({ url, exists: true, bytes: content.length, gzipBytes: gzipSync(content, { level: GZIP_LEVEL }).length });
    pending.push(...staticImports(content.toString('utf8')).map((specifier) => resolveUrl(specifier, url)));
  }
  return {
    files,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    totalGzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0),
  };
}
