/**
 * Serves the built web UI (issue 7): the Vite output in `dist/web`, with `index.html`
 * for every path the app routes itself, under a Content-Security-Policy that allows
 * only the app's own scripts, styles and connections.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForgelineError } from '../domain/index.js';
import { handleError } from './problem.js';

const gzipAsync = promisify(gzip);

/**
 * Headers of every UI answer (OWASP Secure Headers Project). The CSP allows scripts,
 * styles and requests from this origin only, images also as `data:` URLs (the TOTP
 * enrolment QR code), and no framing, plugins, `<base>` or foreign form targets.
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // A window the app opens (or that opens it) gets no handle on it: no cross-window scripting of a signed-in page.
  'cross-origin-opener-policy': 'same-origin',
});

/** Vite names every file under `assets/` by its content hash: a changed file gets a new name, so a copy never goes stale. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** The folder the UI is built into: `dist/web` under the package root (the nearest folder above this file holding package.json). */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let folder = here; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return join(folder, 'dist', 'web');
    // This file sits at src/server or dist/src/server: without a package.json above, guess the root from that.
    if (dirname(folder) === folder) return resolve(here, '..', '..', 'dist', 'web');
  }
}

/** True for a request the UI answers: a GET or HEAD outside the API. */
export function isUiRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return (request.method === 'GET' || request.method === 'HEAD') && path !== '/api' && !path.startsWith('/api/');
}

/** The decoded path segments of a URL path, or undefined when it is malformed or climbs out of its folder. */
function segmentsOf(urlPath: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  // Backslashes are separators on Windows; a NUL byte truncates paths in some layers: neither belongs in a URL of the app.
  if (decoded.includes('\\') || decoded.includes('\0')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments.includes('..') ? undefined : segments;
}

/** The real path of a regular file inside `root`, or undefined (missing, a folder, or a link leading out of it). */
async function fileInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  try {
    const realRoot = await realpath(root);
    const file = await realpath(resolve(root, ...segments));
    if (!file.startsWith(realRoot + sep)) return undefined;
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return handleError(new ForgelineError('route-not-found', `No file ${request.url.split('?')[0] ?? ''}`), request, reply);
}

/**
 * Answers a UI request from `root`: the file the path names, or `index.html` for any
 * other path (the app's own routes); 404 for a path that climbs out of `root` or a
 * missing file under `assets/`, 503 `ui-not-built` when there is no `index.html`.
 */
export async function serveWebApp(root: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) reply.header(name, value);
  // The raw URL, before any normalization, so `..` is judged as the client sent it.
  const segments = segmentsOf((request.raw.url ?? request.url).split('?')[0] ?? '');
  if (segments === undefined) return notFound(request, reply);
  const file = segments.length === 0 ? undefined : await fileInside(root, segments);
  if (file !== undefined) {
    const immutable = segments[0] === 'assets';
    reply.header('cache-control', immutable ? IMMUTABLE_CACHE : 'no-store');
    return sendFile(request, reply, file, immutable);
  }
  // A missing hashed asset is a stale page or a typo, never a route of the app: answering index.html would hide it.
  if (segments[0] === 'assets') return notFound(request, reply);
  const index = await fileInside(root, ['index.html']);
  if (index === undefined) return handleError(new ForgelineError('ui-not-built', 'The web UI is not built: run npm run build'), request, reply);
  reply.header('cache-control', 'no-store');
  return sendFile(request, reply, index, false);
}

/** Kinds of file worth compressing (text); images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map']);

/** Gzipped hashed assets, by path: they never change while the server runs (a new build gets new names). */
const gzippedAssets = new Map<string, Buffer>();

/** Whether the request's Accept-Encoding (RFC 9110 §12.5.3) takes gzip: named or `*`, with a q above 0. */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of value.split(',')) {
    const [name = '', ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((found) => found !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    if (name.trim() === 'gzip') gzip = weight;
    else if (name.trim() === '*') any = weight;
  }
  return (gzip ?? any ?? 0) > 0;
}

/** Sends a file of the UI, gzipped when it is text and the browser takes gzip (the app's JavaScript shrinks about 3.4 times). */
async function sendFile(request: FastifyRequest, reply: FastifyReply, file: string, immutable: boolean): Promise<FastifyReply> {
  const extension = extname(file).toLowerCase();
  reply.code(200).type(CONTENT_TYPES[extension] ?? 'application/octet-stream');
  if (!COMPRESSIBLE.has(extension)) return reply.send(await readFile(file));
  reply.header('vary', 'accept-encoding');
  if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(await readFile(file));
  let body = immutable ? gzippedAssets.get(file) : undefined;
  if (body === undefined) {
    body = await gzipAsync(await readFile(file), { level: 9 });
    if (immutable) gzippedAssets.set(file, body);
  }
  return reply.header('content-encoding', 'gzip').send(body);
}
