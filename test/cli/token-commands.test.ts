import { describe, expect, it } from 'vitest';
import { parseExpiresInDays } from '../../src/cli/option-parsers.js';
import { fakeFetch, run } from './cli-harness.js';

const NODE = '3e418be0-12c5-4add-9782-7ad2434f5646';
const TOKEN_ID = '9d1b3c53-5a0e-4d5c-9a44-2f1f8e1b7c11';
const SECRET = `flt_${'A'.repeat(43)}`;
const listing = {
  id: TOKEN_ID, name: 'SAP production', userId: 'u1', username: 'svc.erp', actions: ['order.create', 'order.read'], scopeNodeId: NODE,
  status: 'active', createdBy: 'admin', createdAt: '2026-11-26T08:00:00.000Z', expiresAt: '2027-02-24T08:00:00.000Z',
  revokedAt: null, lastUsedAt: '2026-11-26T09:00:00.000Z', lastUsedSource: '10.0.0.7',
};

describe('forgeline token', () => {
  it('create sends the scoped request and prints only the secret on standard output', async () => {
    const server = fakeFetch(() => ({ status: 201, body: { ...listing, token: SECRET } }));
    const result = await run(
      ['token', 'create', '--name', 'SAP production', '--action', 'order.create', '--action', 'order.read', '--scope', NODE, '--expires-in', '30d', '--user', 'svc.erp'],
      { fetch: server.fetch },
    );
    expect(result.exitCode).toBe(0);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual(['POST /api/v1/tokens']);
    expect(server.requests[0]?.body).toEqual({ name: 'SAP production', actions: ['order.create', 'order.read'], scopeNodeId: NODE, expiresInDays: 30, user: 'svc.erp' });
    expect(result.stdout).toEqual([SECRET]);
    expect(result.stderr.join('\n')).toMatch(/shown only this once/);
  });

  it('create leaves scope, expiry and user to the server when not given', async () => {
    const server = fakeFetch(() => ({ status: 201, body: { ...listing, scopeNodeId: null, token: SECRET } }));
    await run(['token', 'create', '--name', 'mine', '--action', 'order.read'], { fetch: server.fetch });
    expect(server.requests[0]?.body).toEqual({ name: 'mine', actions: ['order.read'], scopeNodeId: null });
  });

  it('refuses a bad lifetime as a usage error, sending nothing', async () => {
    const server = fakeFetch(() => ({ status: 500 }));
    const result = await run(['token', 'create', '--name', 'x', '--action', 'order.read', '--expires-in', '2y'], { fetch: server.fetch });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toEqual([expect.stringMatching(/^forgeline: usage: .*--expires-in.*days from 1 to 365/)]);
    expect(server.requests).toHaveLength(0);
  });

  it('shows a refusal of the server in one line', async () => {
    const server = fakeFetch(() => ({ status: 400, body: { type: 'urn:forgeline:problem:validation-failed', title: 'x', status: 400, code: 'validation-failed', detail: 'API tokens cannot carry order.release: releasing needs the electronic signature of a person' } }));
    const result = await run(['token', 'create', '--name', 'x', '--action', 'order.release'], { fetch: server.fetch });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toEqual(['forgeline: validation-failed: API tokens cannot carry order.release: releasing needs the electronic signature of a person']);
    expect(result.stdout).toEqual([]);
  });

  it('list shows status and last use, never a secret', async () => {
    const server = fakeFetch(() => ({ status: 200, body: { items: [listing] } }));
    const result = await run(['token', 'list', '--all'], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests[0]?.url.search).toBe('?all=true');
    expect(result.stdout[0]).toMatch(/^ID\s+NAME\s+USER\s+ACTIONS\s+SCOPE\s+STATUS\s+EXPIRES\s+LAST USED$/);
    expect(result.stdout[1]).toContain('order.create,order.read');
    expect(result.stdout[1]).toContain('2026-11-26T09:00:00.000Z from 10.0.0.7');
    const both = await run(['token', 'list', '--all', '--user', 'x'], { fetch: server.fetch });
    expect(both.exitCode).toBe(2);
  });

  it('revoke deletes the token by id', async () => {
    const server = fakeFetch(() => ({ status: 204 }));
    const result = await run(['token', 'revoke', TOKEN_ID], { fetch: server.fetch });
    expect(result.exitCode).toBe(0);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([`DELETE /api/v1/tokens/${TOKEN_ID}`]);
    expect(result.stdout).toEqual([`revoked API token ${TOKEN_ID}`]);
  });
});

describe('parseExpiresInDays', () => {
  it('takes days as 90d or 90, from 1 to 365', () => {
    expect(parseExpiresInDays('90d')).toBe(90);
    expect(parseExpiresInDays('7')).toBe(7);
    expect(parseExpiresInDays('365D')).toBe(365);
    for (const bad of ['0', '366d', '-1', '1.5d', '12h', '']) expect(() => parseExpiresInDays(bad), bad).toThrow(/1 to 365/);
  });
});
