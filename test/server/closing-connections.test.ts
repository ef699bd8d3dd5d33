/** A closing server over real sockets: it is not held open by connections that never sent a request, nor for ever by a stuck one. */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate } from '../../src/crypto/index.js';
import { buildApp, createServices, NO_RATE_LIMITS, type AppOptions } from '../../src/server/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { TestClock } from '../support/factories.js';

describe('closing the server', () => {
  let folder: string;
  let store: Store;
  let app: FastifyInstance | undefined;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'forgeline-close-'));
    store = await openDatabase({ kind: 'sqlite', file: join(folder, 'forgeline.db') });
  });
  afterEach(async () => {
    await app?.close();
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  const listen = async (options: Partial<AppOptions> = {}): Promise<number> => {
    app = buildApp({ services: createServices({ store, clock: new TestClock() }), logger: false, rateLimits: NO_RATE_LIMITS, ...options });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as AddressInfo).port;
  };

  /** Resolves once the socket is closed, with whatever the server sent on it. */
  const closedWith = (socket: Socket): Promise<string> => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    return new Promise((resolve) => socket.once('close', () => resolve(received)));
  };

  const plainSocket = async (port: number): Promise<Socket> => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };

  it('ends a connection that has sent nothing yet, or only part of its request\'s head, instead of waiting for the client', async () => {
    const port = await listen();
    const silent = await plainSocket(port);
    const halfHead = await plainSocket(port);
    halfHead.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ended = [closedWith(silent), closedWith(halfHead)];
    // Neither client ever finishes: without the clean-up this close waits for them (and the test times out).
    await app!.close();
    expect(await Promise.all(ended)).toEqual(['', '']);
    expect(app!.server.listening).toBe(false);
  });

  it('lets a request in flight finish within the grace period, cuts one still running after it, and ends an idle keep-alive connection', async () => {
    const port = await listen({ closeGraceMs: 300 });
    // A body announced but never sent: the request is in flight and will not finish by itself.
    const stuck = await plainSocket(port);
    stuck.write('POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
    const stuckEnded = closedWith(stuck);
    // A keep-alive connection that carried a finished request is idle, and ended at once.
    const idle = await plainSocket(port);
    const idleEnded = closedWith(idle);
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise<void>((resolve) => idle.once('data', () => resolve()));
    // A request whose body is still coming when the close begins, and arrives within the grace period.
    const late = await plainSocket(port);
    const lateEnded = closedWith(late);
    const lateBody = '{"username":"nobody","password":"not the password"}';
    const lateArrived = new Promise((resolve) => app!.server.once('request', resolve));
    late.write(`POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${lateBody.length}\r\n\r\n${lateBody.slice(0, 10)}`);
    await lateArrived;
    const closing = app!.close();
    late.write(lateBody.slice(10));
    await closing;
    expect(await idleEnded).toMatch(/^HTTP\/1\.1 200 /);
    // Answered (its credentials refused), not cut.
    expect(await lateEnded).toMatch(/^HTTP\/1\.1 401 /);
    // Cut without an answer: the server did not wait for the rest of the body.
    expect(await stuckEnded).toBe('');
  });

  it('ends a TLS connection that finished its handshake but sent no request', async () => {
    const ca = await createCertificateAuthority({ commonName: 'test CA', validityDays: 2 });
    const certificate = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], validityDays: 1 });
    const port = await listen({ https: { key: certificate.privateKeyPem, cert: certificate.chainPem } });
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificatePem });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const ended = closedWith(socket);
    await app!.close();
    expect(await ended).toBe('');
  });
});
