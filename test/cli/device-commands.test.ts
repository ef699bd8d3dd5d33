import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey } from 'node:crypto';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../support/temp-folders.js';
import { fakeFetch, run } from './cli-harness.js';

const DEVICE = '6f1c2b9e-2f6a-4c1e-9d55-0c1f7a8e4b21';
const WORK_CENTER = '0b7d3c11-58e0-4d3a-a1f7-5d2c9e7a6f10';
const TOKEN = `fle_${DEVICE}_${'A'.repeat(43)}`;
const listing = {
  id: DEVICE, name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId: WORK_CENTER, status: 'active', createdBy: 'admin', createdAt: '2026-11-26T08:00:00.000Z',
  revokedAt: null, revokedReason: null, lastSeenAt: null,
  certificate: { serial: '4a1b', subject: 'x', notBefore: '2026-11-26T07:55:00.000Z', notAfter: '2026-12-26T08:00:00.000Z', issuedAt: '2026-11-26T08:00:00.000Z', status: 'valid', revokedAt: null, revocationReason: null },
};

describe('forgeline device', () => {
  it('add, list, token and revoke send what the API takes', async () => {
    const server = fakeFetch((request) => {
      const path = `${request.method} ${request.url.pathname}`;
      if (path === 'POST /api/v1/devices') return { status: 201, body: { ...listing, certificate: null } };
      if (path === 'GET /api/v1/devices') return { status: 200, body: { items: [listing] } };
      if (path === `POST /api/v1/devices/${DEVICE}/enrolment-tokens`) return { status: 201, body: { id: 't1', deviceId: DEVICE, workCenterId: WORK_CENTER, expiresAt: '2026-11-26T08:30:00.000Z', token: TOKEN } };
      if (path === `POST /api/v1/devices/${DEVICE}/revoke`) return { status: 200, body: { ...listing, status: 'revoked', certificates: [listing.certificate] } };
      return { status: 404 };
    });
    const added = await run(['device', 'add', '--name', 'Mill 3 edge agent', '--kind', 'edge-agent', '--work-center', WORK_CENTER], { fetch: server.fetch });
    expect(added.exitCode).toBe(0);
    expect(added.stdout[0]).toMatch(/registered device Mill 3 edge agent/);
    expect(server.requests[0]?.body).toEqual({ name: 'Mill 3 edge agent', kind: 'edge-agent', workCenterId: WORK_CENTER });

    const listed = await run(['device', 'list'], { fetch: server.fetch });
    expect(listed.stdout[0]).toMatch(/^ID\s+NAME\s+KIND\s+WORK CENTER\s+STATUS\s+CERTIFICATE\s+EXPIRES\s+LAST SEEN$/);
    expect(listed.stdout[1]).toMatch(/4a1b \(valid\)/);

    const token = await run(['device', 'token', DEVICE, '--ttl', '30'], { fetch: server.fetch });
    expect(token.stdout).toEqual([TOKEN]);
    expect(token.stderr.join('\n')).toMatch(/shown only this once/);
    expect(server.requests.at(-1)?.body).toEqual({ ttlMinutes: 30 });
    expect((await run(['device', 'token', DEVICE, '--ttl', '2000'], { fetch: server.fetch })).exitCode).toBe(2);

    const revoked = await run(['device', 'revoke', DEVICE, '--reason', 'stolen', '--reason-code', 'keyCompromise'], { fetch: server.fetch });
    expect(revoked.stdout).toEqual([`revoked device Mill 3 edge agent (${DEVICE}) and 1 certificate(s)`]);
    expect(server.requests.at(-1)?.body).toEqual({ reason: 'stolen', reasonCode: 'keyCompromise' });
    expect((await run(['device', 'revoke', DEVICE, '--reason', 'x', '--reason-code', 'bored'], { fetch: server.fetch })).exitCode).toBe(2);
  });

  it('enrol makes a P-256 key and a CSR naming the device, sends no session, and writes key (0600), certificate and CA', async () => {
    const out = join(tempFolder('forgeline-device-'), 'identity');
    let csrSubject = '';
    const server = fakeFetch((request) => {
      const body = request.body as { token: string; csr: string };
      const csr = new x509.Pkcs10CertificateRequest(body.csr);
      csrSubject = csr.subject;
      expect(body.token).toBe(TOKEN);
      expect(request.headers.authorization).toBeUndefined();
      return { status: 201, body: { deviceId: DEVICE, workCenterId: WORK_CENTER, serial: '4a1b', subject: 's', notBefore: 'a', notAfter: '2026-12-26T08:00:00.000Z', certificate: 'CERT\n', chain: 'CERT\nCA\n', ca: 'CA\n' } };
    });
    const result = await run(['device', 'enrol', '--token', TOKEN, '--out', out], { fetch: server.fetch });
    expect(result.exitCode, result.stderr.join('\n')).toBe(0);
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual(['POST /api/v1/pki/enrol']);
    expect(csrSubject).toBe(`CN=${DEVICE}`);
    const key = await readFile(join(out, 'device-key.pem'), 'utf8');
    expect(createPrivateKey(key).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect((await stat(join(out, 'device-key.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(out, 'device-cert.pem'), 'utf8')).toBe('CERT\nCA\n');
    expect(await readFile(join(out, 'ca.pem'), 'utf8')).toBe('CA\n');
    expect(result.stdout.join('\n')).not.toContain('PRIVATE KEY');

    // A second enrolment into the same folder needs --force; nothing is sent without it.
    const again = await run(['device', 'enrol', '--token', TOKEN, '--out', out], { fetch: server.fetch });
    expect(again.exitCode).toBe(2);
    expect(server.requests).toHaveLength(1);
  });

  it('enrol reads the token from standard input with --token -, and refuses what is not an enrolment token', async () => {
    const out = tempFolder('forgeline-device-');
    await mkdir(out, { recursive: true });
    const server = fakeFetch(() => ({ status: 401, body: { type: 'urn:forgeline:problem:enrolment-token-invalid', title: 't', status: 401, code: 'enrolment-token-invalid', detail: 'the enrolment token was already used at 2026-11-26T08:01:00.000Z; each token enrols once' } }));
    const used = await run(['device', 'enrol', '--token', '-', '--out', out], { fetch: server.fetch, input: `${TOKEN}\n` });
    expect(used.exitCode).toBe(1);
    expect(used.stderr).toEqual(['forgeline: enrolment-token-invalid: the enrolment token was already used at 2026-11-26T08:01:00.000Z; each token enrols once']);
    // A refused enrolment writes no key.
    await expect(stat(join(out, 'device-key.pem'))).rejects.toThrow();
    await writeFile(join(out, 'note'), 'x');
    const wrong = await run(['device', 'enrol', '--token', 'flt_x', '--out', out], { fetch: server.fetch });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr[0]).toMatch(/not an enrolment token/);
  });
});
