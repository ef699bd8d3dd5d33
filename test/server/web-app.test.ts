import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, createServices, NO_RATE_LIMITS } from '../../src/server/index.js';
import { defaultWebRoot } from '../../src/server/web-app.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { TestClock } from '../support/factories.js';

const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("forgeline");';
const SECRET = 'outside the web root';

type Answer = { status: number; headers: Record<string, unknown>; body: string };

function expectUiHeaders(answer: Answer, what: string): void {
  expect(answer.headers['content-security-policy'], what).toBe(UI_CSP);
  expect(answer.headers['x-content-type-options'], what).toBe('nosniff');
  expect(answer.headers['referrer-policy'], what).toBe('no-referrer');
  expect(answer.headers['x-frame-options'], what).toBe('DENY');
  expect(answer.headers['cross-origin-opener-policy'], what).toBe('same-origin');
}

describe('the web UI', () => {
  let folder: string;
  let webRoot: string;
  let store: Store;
  let app: FastifyInstance;

  beforeEach(async () => {
    // The web root sits beside a file it must never serve: web/../secret.txt.
    folder = await mkdtemp(join(tmpdir(), 'forgeline-web-'));
    webRoot = join(folder, 'web');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'index.html'), INDEX);
    await writeFile(join(webRoot, 'assets', 'app-abc.js'), SCRIPT);
    await writeFile(join(webRoot, 'assets', 'app-abc.css'), 'body { margin: 0 }');
    await writeFile(join(folder, 'secret.txt'), SECRET);
    store = await openDatabase({ kind: 'sqlite', file: join(folder, 'forgeline.db') });
    app = buildApp({ services: createServices({ store, clock: new TestClock() }), logger: false, rateLimits: NO_RATE_LIMITS, webRoot });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  const get = async (url: string, method: 'GET' | 'HEAD' | 'POST' = 'GET'): Promise<Answer> => {
    const response = await app.inject({ method, url });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  };

  /** A request over a real socket, with the path exactly as written (inject() would resolve the dot segments first). */
  const rawGet = async (path: string): Promise<Answer> => {
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      });
      request.on('error', reject);
      request.end();
    });
  };

  it('answers index.html for / and for the app\'s own routes, with the UI security headers and no-store', async () => {
    for (const url of ['/', '/orders/123', '/sign-in?next=%2Fsessions', '/settings/sessions/']) {
      const answer = await get(url);
      expect(answer.status, url).toBe(200);
      expect(answer.body, url).toBe(INDEX);
      expect(answer.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control'], url).toBe('no-store');
      expectUiHeaders(answer, url);
    }
    const head = await get('/orders/123', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    const script = await get('/assets/app-abc.js');
    expect(script).toMatchObject({ status: 200, body: SCRIPT });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectUiHeaders(script, 'script');
    expect((await get('/assets/app-abc.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    // A missing asset is not a route of the app: 404, never index.html served as a script.
    const missing = await get('/assets/app-old.js');
    expect(missing).toMatchObject({ status: 404 });
    expect(missing.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('gzips text files for a browser that takes gzip, and sends them as they are otherwise', async () => {
    const fetchWith = async (url: string, acceptEncoding?: string) => {
      const response = await app.inject({ method: 'GET', url, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
      return { encoding: response.headers['content-encoding'], vary: response.headers.vary, type: response.headers['content-type'], raw: response.rawPayload };
    };
    for (const [url, content] of [['/assets/app-abc.js', SCRIPT], ['/', INDEX], ['/orders', INDEX]] as const) {
      const gzipped = await fetchWith(url, 'gzip, deflate, br');
      expect(gzipped.encoding, url).toBe('gzip');
      expect(gzipped.vary, url).toBe('accept-encoding');
      expect(gunzipSync(gzipped.raw).toString(), url).toBe(content);
      // A second read of an immutable asset answers the same bytes (kept gzipped in memory).
      expect((await fetchWith(url, 'gzip')).raw.equals(gzipped.raw), url).toBe(true);
      for (const refusing of [undefined, 'identity', 'br', 'gzip;q=0', 'gzip;q=0, *;q=1', '*;q=0']) {
        const plain = await fetchWith(url, refusing);
        expect(plain.encoding, `${url} with ${refusing}`).toBeUndefined();
        expect(plain.raw.toString(), `${url} with ${refusing}`).toBe(content);
        expect(plain.vary, url).toBe('accept-encoding');
      }
    }
    expect((await fetchWith('/assets/app-abc.js', '*')).encoding).toBe('gzip');
    expect((await fetchWith('/assets/app-abc.js', 'GZIP;q=0.5')).encoding).toBe('gzip');
  });

  it('refuses paths that climb out of the web root, plain or encoded', async () => {
    for (const url of ['/assets/..%2f..%2fsecret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/%00index.html']) {
      const answer = await get(url);
      expect(answer.status, url).toBe(404);
      expect(JSON.parse(answer.body), url).toMatchObject({ code: 'route-not-found' });
      expect(answer.body, url).not.toContain(SECRET);
    }
    // A malformed escape never reaches the UI: Fastify refuses the URL itself.
    expect(await get('/assets/%E0%A4%A')).toMatchObject({ status: 400 });
    for (const path of ['/assets/../../secret.txt', '/../secret.txt', '/assets/../../package.json']) {
      const answer = await rawGet(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain(SECRET);
    }
    // inject() resolves the dot segments itself: what arrives is a plain route of the app.
    expect((await get('/assets/../../secret.txt')).body).toBe(INDEX);
  });

  it('keeps unknown API paths and other methods problem+json 404s', async () => {
    for (const [method, url] of [['GET', '/api/v1/nope'], ['GET', '/api'], ['GET', '/api/v1/orders/x/explode'], ['POST', '/orders/123']] as const) {
      const answer = await get(url, method);
      expect(answer.status, url).toBe(404);
      expect(answer.headers['content-type'], url).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(answer.body), url).toMatchObject({ code: 'route-not-found' });
      expect(answer.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers 503 ui-not-built when there is no index.html', async () => {
    await rm(join(webRoot, 'index.html'));
    for (const url of ['/', '/orders/123']) {
      const answer = await get(url);
      expect(answer.status, url).toBe(503);
      expect(answer.headers['content-type'], url).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(answer.body), url).toMatchObject({ code: 'ui-not-built', detail: expect.stringContaining('run npm run build') });
    }
    await rm(webRoot, { recursive: true });
    expect((await get('/')).status).toBe(503);
  });

  it('looks for the build in dist/web under the package root by default', () => {
    expect(defaultWebRoot()).toBe(join(process.cwd(), 'dist', 'web'));
  });
});
