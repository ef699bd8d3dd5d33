import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate } from '../../src/crypto/index.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { ApiError } from '../../src/cli/api-error.js';
import { CliError } from '../../src/cli/cli-error.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function withBody(handler: Handler) {
  return (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handler(request, body, response));
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function client(baseUrl: string, caPem: string | null = null, token: string | null = 'tok'): ApiClient {
  const api = new ApiClient({ baseUrl, token, caPem });
  cleanups.push(() => api.close());
  return api;
}

describe('the API client', () => {
  it('sends JSON with the bearer token and decodes the answer', async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body?: string } = {};
    const port = await listen(
      createHttpServer(
        withBody((request, body, response) => {
          seen = { method: request.method, url: request.url, auth: request.headers.authorization, type: request.headers['content-type'], body };
          response.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"x"}');
        }),
      ),
    );
    const answer = await client(`http://127.0.0.1:${port}`).post<{ id: string }>('/api/v1/items', { code: 'A' });
    expect(answer).toEqual({ id: 'x' });
    expect(seen).toEqual({ method: 'POST', url: '/api/v1/items', auth: 'Bearer tok', type: 'application/json', body: '{"code":"A"}' });
  });

  it('turns problem+json into an ApiError with code, detail and problems', async () => {
    const port = await listen(
      createHttpServer((_request, response) => {
        response
          .writeHead(422, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ type: 'urn:x', title: 'A reason is required', status: 422, code: 'reason-required', detail: 'give a reason', problems: [{ path: 'reason', message: 'required' }] }));
      }),
    );
    const failure = await client(`http://127.0.0.1:${port}`).post('/api/v1/orders/x/hold', { version: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 422, code: 'reason-required', detail: 'give a reason', problems: [{ path: 'reason', message: 'required' }] });
  });

  it('answers undefined for 204 and names a non-JSON answer', async () => {
    const port = await listen(
      createHttpServer((request, response) => {
        if (request.method === 'DELETE') response.writeHead(204).end();
        else response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      }),
    );
    const api = client(`http://127.0.0.1:${port}`);
    await expect(api.delete('/api/v1/sessions/current')).resolves.toBeUndefined();
    await expect(api.get('/api/v1/users')).rejects.toThrow(/not JSON: is it a Forgeline server/);
  });

  it('says the server is not running when the connection is refused', async () => {
    const probe = createHttpServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    const failure = await client(`https://127.0.0.1:${port}`).get('/api/v1/users/me').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toBe(`cannot reach the Forgeline server at https://127.0.0.1:${port}: is \`forgeline serve\` running?`);
  });

  it("trusts the plant's own CA when given, and explains an untrusted certificate otherwise", async () => {
    const ca = await createCertificateAuthority({ commonName: 'Test CA', validityDays: 2 });
    const certificate = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
    const server = createHttpsServer({ key: certificate.privateKeyPem, cert: certificate.chainPem }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const port = await listen(server);
    await expect(client(`https://127.0.0.1:${port}`, ca.certificatePem).get('/healthz')).resolves.toEqual({ ok: true });
    const failure = await client(`https://127.0.0.1:${port}`).get('/healthz').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'untrusted-certificate' });
    expect((failure as Error).message).toMatch(/is not trusted .*pass --ca/);
  });
});
