import { tempFolder } from '../support/temp-folders.js';
import { describe, expect, it } from 'vitest';
import { run, fakeFetch, type RecordedRequest } from './cli-harness.js';

const ORDER_ID = '3e418be0-12c5-4add-9782-7ad2434f5646';
const order = { id: ORDER_ID, number: 'WO-1', state: 'running', version: 8, revision: 2, contentHash: 'ab' };

/** A fake server that knows one order at version 7 and echoes actions as the order one version on. */
function orderServer() {
  return fakeFetch((request: RecordedRequest) => {
    if (request.method === 'GET') return { status: 200, body: { ...order, version: 7 } };
    return { status: 200, body: order };
  });
}

describe('order commands build the request bodies', () => {
  it('sends progress with lots, decimal strings and the given version', async () => {
    const server = orderServer();
    const result = await run(
      ['order', 'progress', ORDER_ID, '--version', '3', '--operation', '10', '--good', '5', '--scrap', '0.5', '--lot', '1:LOT-7:2.5', '--lot', '2:L-2:1'],
      { fetch: server.fetch },
    );
    expect(result.exitCode).toBe(0);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.pathname).toBe(`/api/v1/orders/${ORDER_ID}/progress`);
    expect(request?.body).toEqual({
      version: 3,
      operationSeq: 10,
      good: '5',
      scrap: '0.5',
      lots: [
        { materialLine: 1, lot: 'LOT-7', quantity: '2.5' },
        { materialLine: 2, lot: 'L-2', quantity: '1' },
      ],
    });
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(result.stdout).toEqual(['order WO-1 is running (version 8, revision 2)']);
  });

  it('reads the current version first when --version is left out', async () => {
    const server = orderServer();
    const result = await run(['order', 'submit', ORDER_ID, '--note', 'ready'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
      `GET /api/v1/orders/${ORDER_ID}`,
      `POST /api/v1/orders/${ORDER_ID}/submit`,
    ]);
    expect(server.requests[1]?.body).toEqual({ version: 7, note: 'ready' });
  });

  it('sends hold and cancel with their reason', async () => {
    const server = orderServer();
    await run(['order', 'hold', ORDER_ID, '--version', '4', '--reason', 'burrs on edge'], { fetch: server.fetch });
    expect(server.requests[0]?.body).toEqual({ version: 4, reason: 'burrs on edge' });
  });

  it('refuses hold without a reason as a usage error, sending nothing', async () => {
    const server = orderServer();
    const result = await run(['order', 'hold', ORDER_ID, '--version', '4'], { fetch: server.fetch });
    expect(result.exitCode).toBe(2);
    expect(server.requests).toHaveLength(0);
    expect(result.stderr).toEqual(["forgeline: usage: required option '--reason <text>' not specified"]);
  });

  it('signs a release with the password from a file and the stated meaning', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const folder = tempFolder('forgeline-release-');
    await writeFile(join(folder, 'pw'), 'correct horse battery\n');
    const server = orderServer();
    const result = await run(['order', 'release', ORDER_ID, '--password-file', join(folder, 'pw'), '--meaning', 'approved by QA'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests[1]?.body).toEqual({ version: 7, password: 'correct horse battery', meaning: 'approved by QA' });
  });

  it('signs close, release from hold and cancel after release with the password and a one-time code', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const folder = tempFolder('forgeline-sign-');
    await writeFile(join(folder, 'pw'), 'correct horse battery\n');
    const server = orderServer();
    expect((await run(['order', 'close', ORDER_ID, '--password-file', join(folder, 'pw'), '--totp', '123456'], { fetch: server.fetch })).exitCode).toBe(0);
    expect(server.requests[1]?.body).toEqual({ version: 7, password: 'correct horse battery', totp: '123456' });
    expect((await run(['order', 'unhold', ORDER_ID, '--password-file', join(folder, 'pw'), '--meaning', 'certificate received', '--note', 'ok'], { fetch: server.fetch })).exitCode).toBe(0);
    expect(server.requests[3]?.body).toEqual({ version: 7, note: 'ok', password: 'correct horse battery', meaning: 'certificate received' });
    // The fake order is running, so a cancel is signed.
    expect((await run(['order', 'cancel', ORDER_ID, '--reason', 'customer withdrew', '--password-file', join(folder, 'pw'), '--totp', '654321'], { fetch: server.fetch })).exitCode).toBe(0);
    expect(server.requests.at(-1)?.body).toEqual({ version: 7, reason: 'customer withdrew', password: 'correct horse battery', totp: '654321' });
  });

  it('cancels a draft without asking for a signature', async () => {
    const server = fakeFetch((request) => ({ status: 200, body: { ...order, state: request.method === 'GET' ? 'draft' : 'cancelled', version: 2 } }));
    const result = await run(['order', 'cancel', ORDER_ID, '--reason', 'duplicate'], { fetch: server.fetch, input: '' });
    expect(result.exitCode).toBe(0);
    expect(server.requests.at(-1)?.body).toEqual({ version: 2, reason: 'duplicate' });
  });

  it('reads the release password from stdin when no file is given and stdin is not a terminal', async () => {
    const server = orderServer();
    const result = await run(['order', 'release', ORDER_ID, '--version', '7'], { fetch: server.fetch, input: 's3cret-pass\nignored\n' });
    expect(result.exitCode).toBe(0);
    expect(server.requests[1]?.body).toEqual({ version: 7, password: 's3cret-pass' });
  });

  it('turns list filters into the query and sends no empty ones', async () => {
    const server = fakeFetch(() => ({ status: 200, body: { items: [], nextCursor: null } }));
    await run(['order', 'list', '--state', 'held', '--work-center', 'wc', '--limit', '20'], { fetch: server.fetch });
    expect(Object.fromEntries(server.requests[0]?.url.searchParams ?? [])).toEqual({ state: 'held', workCenterId: 'wc', limit: '20' });
  });

  it('searches by item (exact, or a prefix ending in *) and customer, sorted by due date, and says when the customer index is incomplete', async () => {
    const server = fakeFetch(() => ({ status: 200, body: { items: [], nextCursor: null, customerIndexComplete: false, customerIndexUnreadable: 2 } }));
    const result = await run(['order', 'list', '--item', 'GEAR-*', '--customer', 'ACME 42', '--due-from', '2026-12-01', '--due-to', '2026-12-08T00:00:00Z', '--sort', 'due'], { fetch: server.fetch });
    // A search by customer is a POST with the filters in its body: the reference is in no URL.
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.url.pathname).toBe('/api/v1/orders/search');
    expect(server.requests[0]?.url.search).toBe('');
    expect(server.requests[0]?.body).toEqual({
      itemPrefix: 'GEAR-', customer: 'ACME 42', dueFrom: '2026-12-01T00:00:00.000Z', dueTo: '2026-12-08T00:00:00.000Z', sort: 'due',
    });
    expect(result.stderr.join('\n')).toMatch(/forgeline order reindex/);
    expect(result.stderr.join('\n')).toMatch(/2 order\(s\) cannot be found by customer/);
    await run(['order', 'list', '--item', 'GEAR-12'], { fetch: server.fetch });
    expect(server.requests[1]?.method).toBe('GET');
    expect(Object.fromEntries(server.requests[1]?.url.searchParams ?? [])).toEqual({ item: 'GEAR-12' });
    const refused = await run(['order', 'list', '--sort', 'priority'], { fetch: server.fetch });
    expect(refused.exitCode).not.toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('reindexes page by page until the server says it is done', async () => {
    const answers = [{ indexed: 1000, failed: [], next: 'f0000000-0000-4000-8000-000000000000' }, { indexed: 3, failed: ['bad-order'], next: null }];
    const server = fakeFetch(() => ({ status: 200, body: answers[server.requests.length - 1] }));
    const result = await run(['order', 'reindex'], { fetch: server.fetch });
    expect(server.requests.map((request) => request.body)).toEqual([{}, { after: 'f0000000-0000-4000-8000-000000000000' }]);
    expect(result.stdout.join('\n')).toMatch(/indexed 1003 order\(s\).*1 could not be read: bad-order/);
  });

  it('follows cursors with --all and prints one JSON document', async () => {
    const pages: Record<string, { items: unknown[]; nextCursor: string | null }> = {
      '': { items: [{ ...order, id: 'a' }], nextCursor: 'c1' },
      c1: { items: [{ ...order, id: 'b' }], nextCursor: null },
    };
    const server = fakeFetch((request) => ({ status: 200, body: pages[request.url.searchParams.get('cursor') ?? ''] }));
    const result = await run(['order', 'list', '--all', '--json'], { fetch: server.fetch });
    expect(server.requests).toHaveLength(2);
    const printed = JSON.parse(result.stdout.join('\n')) as { items: { id: string }[]; nextCursor: null };
    expect(printed.items.map((item) => item.id)).toEqual(['a', 'b']);
    expect(printed.nextCursor).toBeNull();
  });

  it('follows cursors of a customer search in POST bodies, never in the URL', async () => {
    const pages: Record<string, { items: unknown[]; nextCursor: string | null }> = {
      '': { items: [{ ...order, id: 'a' }], nextCursor: 'c1' },
      c1: { items: [{ ...order, id: 'b' }], nextCursor: null },
    };
    const server = fakeFetch((request) => ({ status: 200, body: pages[(request.body as { cursor?: string }).cursor ?? ''] }));
    const result = await run(['order', 'list', '--customer', 'ACME 42', '--all', '--json'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests.map((request) => [request.method, request.url.pathname + request.url.search, request.body])).toEqual([
      ['POST', '/api/v1/orders/search', { customer: 'ACME 42' }],
      ['POST', '/api/v1/orders/search', { customer: 'ACME 42', cursor: 'c1' }],
    ]);
    expect((JSON.parse(result.stdout.join('\n')) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual(['a', 'b']);
  });

  it('creates a user with repeated roles and a temporary password unless --permanent', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const folder = tempFolder('forgeline-user-');
    await writeFile(join(folder, 'pw'), 'initial-password-1\n');
    const server = fakeFetch((request) => ({ status: 201, body: { id: 'u1', ...(request.body as object) } }));
    const argv = ['user', 'add', 'otto', '--role', 'operator@wc-id', '--role', 'quality', '--password-file', join(folder, 'pw')];
    await run(argv, { fetch: server.fetch });
    await run([...argv, '--permanent', '--display-name', 'Otto O.'], { fetch: server.fetch });
    expect(server.requests[0]?.body).toEqual({
      username: 'otto',
      displayName: 'otto',
      password: 'initial-password-1',
      roles: [
        { role: 'operator', scopeNodeId: 'wc-id' },
        { role: 'quality', scopeNodeId: null },
      ],
      temporaryPassword: true,
    });
    expect(server.requests[1]?.body).toMatchObject({ displayName: 'Otto O.', temporaryPassword: false });
  });
});
