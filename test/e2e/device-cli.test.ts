/** A device enrolled, renewed and revoked through the real CLI and server, over mutual TLS. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceCsr } from '../../src/crypto/index.js';
import { expectOk, expectOneLineError, fileIn, runCli, startPlantServer, type ServerProcess } from './cli-harness.js';

describe('a device through the real CLI and server', () => {
  let dir: string;
  let server: ServerProcess;
  let admin: Record<string, string>;
  let workCenterId: string;
  let caPem: string;
  const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, env);
  const agents: Agent[] = [];

  /** One HTTPS request presenting the device's files, if given. */
  const call = async (method: string, path: string, identity?: { cert: string; key: string }, body?: unknown) => {
    const agent = new Agent({ connect: { ca: caPem, ...(identity ?? {}) } });
    agents.push(agent);
    const response = await fetch(`${server.url}${path}`, {
      method, dispatcher: agent, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, type, bytes, json: type.includes('json') ? JSON.parse(bytes.toString('utf8')) : null };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-device-e2e-'));
    const started = await startPlantServer(dir);
    ({ server, admin, workCenterId } = started);
    const { data } = started;
    caPem = await readFile(join(data, 'tls', 'ca.pem'), 'utf8');
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a device, enrols it with a one-time token, renews over mutual TLS, and refuses it once revoked', async () => {
    const added = JSON.parse(expectOk(await cli(admin, 'device', 'add', '--name', 'Mill 3 edge agent', '--kind', 'edge-agent', '--work-center', workCenterId, '--json'))) as { id: string };
    const minted = await cli(admin, 'device', 'token', added.id, '--ttl', '10');
    const token = expectOk(minted).trim();
    expect(token).toMatch(new RegExp(`^fle_${added.id}_`));

    // The device has no login and no data folder: only the CA file the admin handed over with the token.
    await writeFile(fileIn(dir, 'handed-ca.pem'), caPem);
    const device = { PATH: process.env.PATH ?? '', HOME: join(dir, 'device-home'), FORGELINE_DATA: join(dir, 'device-home', 'none') };
    const out = join(dir, 'device');
    expectOk(await cli(device, 'device', 'enrol', '--server', server.url, '--ca', fileIn(dir, 'handed-ca.pem'), '--token', token, '--out', out));
    expect((await stat(join(out, 'device-key.pem'))).mode & 0o777).toBe(0o600);
    const chain = await readFile(join(out, 'device-cert.pem'), 'utf8');
    const certificate = new x509.X509Certificate(chain);
    expect(certificate.subject).toBe(`O=Forgeline device, OU=${workCenterId}, CN=${added.id}`);
    expect(await certificate.verify({ publicKey: new x509.X509Certificate(caPem).publicKey })).toBe(true);
    expect(await readFile(join(out, 'ca.pem'), 'utf8')).toBe(caPem);

    // The token was spent: a second enrolment is refused with its code, in one line.
    const reused = await cli(device, 'device', 'enrol', '--server', server.url, '--ca', fileIn(dir, 'handed-ca.pem'), '--token', token, '--out', join(dir, 'again'));
    expect(reused.code).toBe(1);
    expect(reused.stderr.trim()).toMatch(/^forgeline: enrolment-token-invalid: .*already used/);

    const identity = { cert: chain, key: await readFile(join(out, 'device-key.pem'), 'utf8') };
    const renewed = await call('POST', '/api/v1/pki/renew', identity, { csr: (await createDeviceCsr(added.id)).csrPem });
    expect(renewed.status).toBe(201);
    expect(renewed.json.serial).not.toBe(certificate.serialNumber.toLowerCase());

    // The device renews itself with the CLI: a new key, a certificate asked for over mutual TLS with the current one.
    const renewedByCli = JSON.parse(expectOk(await cli(device, 'device', 'renew', '--server', server.url, '--ca', fileIn(dir, 'handed-ca.pem'), '--dir', out, '--json'))) as { serial: string };
    const replaced = new x509.X509Certificate(await readFile(join(out, 'device-cert.pem'), 'utf8'));
    expect(replaced.serialNumber.toLowerCase()).toBe(renewedByCli.serial);
    expect(renewedByCli.serial).not.toBe(certificate.serialNumber.toLowerCase());
    expect(await readFile(join(out, 'device-key.pem'), 'utf8')).not.toBe(identity.key);

    expect(expectOk(await cli(admin, 'device', 'revoke', added.id, '--reason', 'controller replaced', '--reason-code', 'superseded'))).toMatch(/3 certificate\(s\)/);
    expectOneLineError(await cli(device, 'device', 'renew', '--server', server.url, '--ca', fileIn(dir, 'handed-ca.pem'), '--dir', out), 'certificate-revoked');
    const refused = await call('POST', '/api/v1/pki/renew', identity, { csr: (await createDeviceCsr(added.id)).csrPem });
    expect(refused).toMatchObject({ status: 403, json: { code: 'certificate-revoked' } });

    const crl = await call('GET', '/api/v1/pki/crl');
    expect(crl.type).toBe('application/pkix-crl');
    const parsed = new x509.X509Crl(crl.bytes);
    expect(await parsed.verify({ publicKey: new x509.X509Certificate(caPem) })).toBe(true);
    expect(parsed.findRevoked(certificate)?.reason).toBe(x509.X509CrlReason.superseded);
    expect(expectOk(await cli(admin, 'device', 'list'))).toMatch(/revoked/);
  });
});
