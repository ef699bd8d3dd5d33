import BetterSqlite3 from 'better-sqlite3';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TLS_CIPHERS } from '../../src/server/index.js';
import { certificateWithoutSan, daysFromNow, throwawayServerCertificate } from '../support/certificates.js';
import { tempFolder } from '../support/temp-folders.js';
import { expectOk, runCli, startServer, type CliResult, type ServerProcess } from './cli-harness.js';

/** What a client saw of a TLS handshake. */
interface Handshake {
  readonly protocol: string | null;
  readonly cipher: string;
  readonly fingerprint256: string;
}

/** Completes one TLS handshake with the server (as `localhost`, trusting `ca`), then hangs up. */
function handshake(url: string, options: ConnectionOptions & { ca: string }): Promise<Handshake> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ...options }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, fingerprint256: socket.getPeerCertificate().fingerprint256 });
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** GET /healthz over a fresh connection without a client certificate; answers the status, body and TLS version. */
function healthz(url: string, ca: string): Promise<{ status: number | undefined; body: unknown; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/healthz`, { ca, agent: false, servername: 'localhost', rejectUnauthorized: true }, (response) => {
      const protocol = (response.socket as TLSSocket).getProtocol();
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(text) as unknown, protocol }));
    });
    request.once('error', reject);
  });
}

function expectOneLineError(result: CliResult, exitCode: number, line: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(line);
}

describe('TLS of the real server and the tls and ca commands', () => {
  const dir = tempFolder('forgeline-tls-');
  const data = join(dir, 'data');
  const env = { FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
  const cli = (...args: string[]) => runCli(args, env);
  let server: ServerProcess | undefined;
  let caPem: string;

  const serve = async (folder: string, ...extra: string[]): Promise<ServerProcess> => {
    server = await startServer(['serve', '--data', folder, '--host', '127.0.0.1', '--port', '0', ...extra], env);
    return server;
  };

  beforeAll(async () => {
    await writeFile(join(dir, 'admin-pw'), 'the plant operations passphrase');
    expectOk(await cli('init', '--data', data, '--admin-password-file', join(dir, 'admin-pw')));
    caPem = await readFile(join(data, 'tls/ca.pem'), 'utf8');
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('speaks only TLS 1.3 by default, and clients without a certificate still get /healthz', async () => {
    const running = await serve(data);
    await expect(handshake(running.url, { ca: caPem, maxVersion: 'TLSv1.2' })).rejects.toMatchObject({ code: expect.stringMatching(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/) });
    expect(await handshake(running.url, { ca: caPem })).toMatchObject({ protocol: 'TLSv1.3' });
    // The server asks for a client certificate (devices) but does not require one.
    expect(await healthz(running.url, caPem)).toEqual({ status: 200, body: { status: 'ok', database: 'sqlite' }, protocol: 'TLSv1.3' });
    expect(running.output()).not.toMatch(/TLS 1\.2 is enabled/);
  });

  it('accepts TLS 1.2 with --tls-min-version 1.2, ECDHE with AEAD suites only, and warns at start', async () => {
    const running = await serve(data, '--tls-min-version', '1.2');
    const old = await handshake(running.url, { ca: caPem, maxVersion: 'TLSv1.2' });
    expect(old.protocol).toBe('TLSv1.2');
    expect(TLS_CIPHERS.split(':')).toContain(old.cipher);
    expect(old.cipher).toMatch(/^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
    // A TLS 1.2 client offering only a CBC suite, or only static RSA key exchange, finds nothing to agree on.
    await expect(handshake(running.url, { ca: caPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' })).rejects.toThrow();
    await expect(handshake(running.url, { ca: caPem, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' })).rejects.toThrow();
    expect(await handshake(running.url, { ca: caPem })).toMatchObject({ protocol: 'TLSv1.3' });
    expect(running.output()).toMatch(/warning: TLS 1\.2 is enabled/);
  });

  it('refuses a TLS version other than 1.2 or 1.3 as a usage error', async () => {
    expectOneLineError(await cli('serve', '--data', data, '--tls-min-version', '1.1'), 2, /^forgeline: usage: .*--tls-min-version.*must be 1\.2 or 1\.3/);
    expectOneLineError(await cli('serve', '--data', data, '--insecure-http', '--tls-min-version', '1.2'), 2, /^forgeline: usage: --tls-min-version applies to HTTPS/);
  });

  it('exports the Forgeline CA, with its fingerprint, and a client trusting only that file gets /healthz', async () => {
    const out = join(dir, 'exported-ca.pem');
    const exported = await cli('ca', 'export', '--data', data, '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(caPem);
    expect(exported.stderr.trim()).toBe(`SHA-256 fingerprint: ${new X509Certificate(caPem).fingerprint256}`);
    const toStdout = await cli('ca', 'export', '--data', data);
    expect(toStdout.stdout).toBe(caPem);
    const running = await serve(data);
    const health = await fetch(`${running.url}/healthz`, { dispatcher: new Agent({ connect: { ca: await readFile(out, 'utf8') } }) });
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
  });

  it('refuses to export from a folder that is not a data folder, in one line', async () => {
    const result = await cli('ca', 'export', '--data', join(dir, 'nothing-here'), '--out', join(dir, 'never.pem'));
    expectOneLineError(result, 1, /^forgeline: not-found: .*nothing-here is not a Forgeline data folder/);
    await expect(stat(join(dir, 'never.pem'))).rejects.toThrow();
  });

  it('shows the certificate in use: issued by the Forgeline CA after init', async () => {
    const shown = expectOk(await cli('tls', 'show', '--data', data));
    const leaf = new X509Certificate(await readFile(join(data, 'tls/server.pem'), 'utf8'));
    expect(shown).toContain('in use: issued by the Forgeline CA (tls/server.pem)');
    expect(shown).toContain(`SHA-256 fingerprint: ${leaf.fingerprint256}`);
    expect(shown).toMatch(/^subject alternative names: DNS:localhost.*IP Address:127\.0\.0\.1/m);
    expect(shown).toMatch(/^issuer: CN=Forgeline CA /m);
    expect(shown).toMatch(/^valid until: \d{4}-\d\d-\d\dT/m);
  });

  describe('an operator-supplied certificate', () => {
    const plant = join(dir, 'plant');
    const files = (name: string) => join(plant, name);

    beforeAll(async () => {
      await mkdir(plant);
      expectOk(await cli('init', '--data', plant, '--admin-password-file', join(dir, 'admin-pw')));
      const good = await throwawayServerCertificate();
      const other = await throwawayServerCertificate();
      const expired = await throwawayServerCertificate({ now: daysFromNow(-100), validityDays: 30 });
      const early = await throwawayServerCertificate({ now: daysFromNow(10) });
      const bare = await certificateWithoutSan();
      const pems: Record<string, string> = {
        'good.pem': good.chainPem, 'good-key.pem': good.privateKeyPem, 'plant-ca.pem': good.ca.certificatePem,
        'other-key.pem': other.privateKeyPem, 'notes.txt': 'not a certificate\n',
        'expired.pem': expired.chainPem, 'expired-key.pem': expired.privateKeyPem,
        'early.pem': early.chainPem, 'early-key.pem': early.privateKeyPem,
        'bare.pem': bare.certificatePem, 'bare-key.pem': bare.privateKeyPem,
      };
      await mkdir(files('in'));
      for (const [name, pem] of Object.entries(pems)) await writeFile(join(files('in'), name), pem);
    });

    it('refuses what clients would refuse, in one line, and changes nothing', async () => {
      const input = (name: string) => join(files('in'), name);
      const manifest = await readFile(files('forgeline.json'), 'utf8');
      const tlsFiles = await readdir(files('tls'));
      const refusals: [string, string, number, RegExp][] = [
        [input('missing.pem'), input('good-key.pem'), 1, /^forgeline: file-not-found: .*missing\.pem: no such file$/],
        [files('in'), input('good-key.pem'), 1, /^forgeline: file-unreadable: .*in is a folder, not a file$/],
        [input('notes.txt'), input('good-key.pem'), 1, /^forgeline: validation-failed: the certificate file holds no PEM certificate that parses; nothing was imported$/],
        [input('good.pem'), input('notes.txt'), 1, /^forgeline: validation-failed: the key file holds no unencrypted PEM private key; nothing was imported$/],
        [input('good.pem'), input('other-key.pem'), 1, /^forgeline: validation-failed: the private key does not match the certificate's public key; nothing was imported$/],
        [input('expired.pem'), input('expired-key.pem'), 1, /^forgeline: validation-failed: the certificate expired at \d{4}-.*Z; nothing was imported$/],
        [input('early.pem'), input('early-key.pem'), 1, /^forgeline: validation-failed: the certificate is not valid before \d{4}-.*Z; nothing was imported$/],
        [input('bare.pem'), input('bare-key.pem'), 1, /^forgeline: validation-failed: the certificate names no DNS name or IP address in its subject alternative names/],
      ];
      for (const [cert, key, code, line] of refusals) {
        expectOneLineError(await cli('tls', 'import', '--data', plant, '--cert', cert, '--key', key), code, line);
      }
      expectOneLineError(await cli('tls', 'import', '--data', plant, '--cert', input('good.pem')), 2, /^forgeline: usage: .*--key/);
      expectOneLineError(await cli('tls', 'import', '--data', join(dir, 'nothing-here'), '--cert', input('good.pem'), '--key', input('good-key.pem')), 1, /^forgeline: not-found: /);
      expect(await readFile(files('forgeline.json'), 'utf8')).toBe(manifest);
      expect(await readdir(files('tls'))).toEqual(tlsFiles);
    });

    it('imports a valid certificate, shows it, and serves it; the Forgeline CA stays', async () => {
      const chain = await readFile(join(files('in'), 'good.pem'), 'utf8');
      const leaf = new X509Certificate(chain);
      const imported = await cli('tls', 'import', '--data', plant, '--cert', join(files('in'), 'good.pem'), '--key', join(files('in'), 'good-key.pem'));
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain(`SHA-256 fingerprint ${leaf.fingerprint256}`);
      expect(await readFile(files('tls/operator-server.pem'), 'utf8')).toBe(chain);
      expect((await stat(files('tls/operator-server-key.pem'))).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(files('forgeline.json'), 'utf8')).tls.operator).toEqual({ cert: 'tls/operator-server.pem', key: 'tls/operator-server-key.pem' });
      // A key event: in the audit log, by the operating-system user who ran it.
      const db = new BetterSqlite3(files('forgeline.db'), { readonly: true });
      try {
        const entries = db.prepare("select actor, source, detail from audit_entries where kind = 'tls.import'").all() as { actor: string; source: string; detail: string }[];
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ actor: expect.stringMatching(/^os:/), source: 'cli' });
        expect(JSON.parse(entries[0]?.detail ?? '{}')).toMatchObject({ subject: 'CN=localhost', fingerprint256: leaf.fingerprint256 });
      } finally {
        db.close();
      }

      const shown = JSON.parse(expectOk(await cli('tls', 'show', '--data', plant, '--json'))) as Record<string, unknown>;
      expect(shown).toMatchObject({ source: 'operator', file: 'tls/operator-server.pem', subject: 'CN=localhost', issuer: 'CN=Plant PKI Test CA', fingerprint256: leaf.fingerprint256, warning: null });
      expect(expectOk(await cli('tls', 'show', '--data', plant))).toContain('in use: operator certificate');

      const running = await serve(plant);
      const plantCa = await readFile(join(files('in'), 'plant-ca.pem'), 'utf8');
      expect(await handshake(running.url, { ca: plantCa })).toEqual({ protocol: 'TLSv1.3', cipher: expect.any(String), fingerprint256: leaf.fingerprint256 });
      expect(await healthz(running.url, plantCa)).toMatchObject({ status: 200, protocol: 'TLSv1.3' });
      // Clients that trust only the Forgeline CA no longer trust the server; the CA itself is still exported for devices.
      const forgelineCa = await readFile(files('tls/ca.pem'), 'utf8');
      await expect(handshake(running.url, { ca: forgelineCa })).rejects.toThrow();
      expect((await cli('ca', 'export', '--data', plant)).stdout).toBe(forgelineCa);
    });
  });
});
