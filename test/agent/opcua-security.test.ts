import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenType } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatePemToDer, JobControlServer, opcuaPkiPaths, openCertificateStore, trustClientCertificate } from '../../src/agent/opcua/index.js';
import { tempFolder } from '../support/temp-folders.js';
import { connectRawClient, machineCertificate, type RawClientOptions } from './opcua-test-clients.js';

const MACHINE_URI = 'urn:forgeline:test:trusted-machine';
const AGENT_URI = 'urn:forgeline:test:agent';

describe('JobControlServer security', () => {
  const agentPki = tempFolder('forgeline-opcua-agent-');
  const machinePki = tempFolder('forgeline-opcua-machine-');
  let server: JobControlServer;

  function options(overrides: Partial<RawClientOptions> = {}): RawClientOptions {
    return { endpointUrl: server.endpointUrl, pkiDir: machinePki, applicationUri: MACHINE_URI, serverCertificatePem: server.certificatePem, ...overrides };
  }

  /** Connects, runs one harmless read, closes; rejects with node-opcua's error when the server refuses. */
  async function connectAndRead(overrides: Partial<RawClientOptions> = {}): Promise<unknown> {
    const client = await connectRawClient(options(overrides));
    try {
      return await client.read('JobOrderControl.JobOrderList');
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    await trustClientCertificate(agentPki, (await machineCertificate(machinePki, MACHINE_URI)).certificatePem);
    server = new JobControlServer({ port: 0, host: '127.0.0.1', hostname: 'localhost', pkiDir: agentPki, applicationUri: AGENT_URI });
    await server.start();
    server.offer({ jobOrderId: 'job-1', orderNumber: 'PO-1', content: {} });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('lets a trusted machine in with SignAndEncrypt over Basic256Sha256 and over Aes256_Sha256_RsaPss', async () => {
    expect(await connectAndRead({ securityPolicy: SecurityPolicy.Basic256Sha256 })).toEqual(['job-1']);
    expect(await connectAndRead({ securityPolicy: SecurityPolicy.Aes256_Sha256_RsaPss })).toEqual(['job-1']);
  });

  it('advertises only SignAndEncrypt endpoints with the two policies and X509 user tokens', async () => {
    const client = await connectRawClient(options());
    try {
      const endpoints = await client.client.getEndpoints();
      expect(endpoints.map((endpoint) => endpoint.securityMode)).toEqual([MessageSecurityMode.SignAndEncrypt, MessageSecurityMode.SignAndEncrypt]);
      expect(endpoints.map((endpoint) => endpoint.securityPolicyUri).sort()).toEqual([SecurityPolicy.Aes256_Sha256_RsaPss, SecurityPolicy.Basic256Sha256].sort());
      const tokenTypes = endpoints.flatMap((endpoint) => (endpoint.userIdentityTokens ?? []).map((token) => token.tokenType));
      expect(new Set(tokenTypes)).toEqual(new Set([UserTokenType.Certificate]));
    } finally {
      await client.close();
    }
  });

  it('rejects a client certificate nobody trusted, files it under rejected/, and admits it once the operator trusts it', async () => {
    const strangerPki = tempFolder('forgeline-opcua-stranger-');
    const strangerUri = 'urn:forgeline:test:stranger';
    await expect(connectAndRead({ pkiDir: strangerPki, applicationUri: strangerUri })).rejects.toThrow(/BadSecurityChecksFailed|rejected/);
    const rejected = join(opcuaPkiPaths(agentPki).applicationStore, 'rejected');
    expect(readdirSync(rejected, { recursive: true }).some((name) => String(name).endsWith('.pem') || String(name).endsWith('.der'))).toBe(true);

    await trustClientCertificate(agentPki, (await machineCertificate(strangerPki, strangerUri)).certificatePem);
    // The running server watches its trust lists; give the watcher a moment.
    let admitted: unknown = null;
    for (let attempt = 0; attempt < 80 && admitted === null; attempt += 1) {
      // An attempt that hangs (a channel opened as the trust list changes) must not hold up the next one.
      const hung = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3_000).unref());
      admitted = await Promise.race([connectAndRead({ pkiDir: strangerPki, applicationUri: strangerUri }).catch(() => null), hung]);
      if (admitted === null) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(admitted).toEqual(['job-1']);
  }, 120_000);

  it('refuses a machine whose certificate is trusted for the channel but not as a user identity', async () => {
    const halfPki = tempFolder('forgeline-opcua-half-');
    const halfUri = 'urn:forgeline:test:half-trusted';
    const certificate = await machineCertificate(halfPki, halfUri);
    const trusted = join(opcuaPkiPaths(agentPki).applicationStore, 'trusted', 'certs');
    mkdirSync(trusted, { recursive: true });
    writeFileSync(join(trusted, 'half.pem'), certificate.certificatePem);
    let error: unknown = null;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      error = await connectAndRead({ pkiDir: halfPki, applicationUri: halfUri }).then(() => null, (reason: unknown) => reason);
      // Until the watcher sees the file the channel itself is refused; after, the identity is.
      if (String(error).includes('BadIdentityTokenRejected')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(String(error)).toContain('BadIdentityTokenRejected');
  });

  it('refuses a connection with SecurityMode None', async () => {
    await expect(connectAndRead({ securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None })).rejects.toThrow(/BadSecurityPolicyRejected|rejected/);
  });

  it('refuses a Sign-only connection', async () => {
    await expect(connectAndRead({ securityMode: MessageSecurityMode.Sign, securityPolicy: SecurityPolicy.Basic256Sha256 })).rejects.toThrow();
  });

  it('refuses an anonymous session even when the client sends the token anyway', async () => {
    await expect(connectAndRead({ identity: 'anonymous' })).rejects.toThrow(/ANONYMOUS/);
    await expect(connectAndRead({ identity: 'anonymous', forgeTokenPolicy: UserTokenType.Anonymous })).rejects.toThrow(/BadIdentityToken|BadUserAccessDenied/);
  });

  it('refuses user-name logins, also when the client sends the token anyway', async () => {
    const identity = { userName: 'operator', password: 'secret' };
    await expect(connectAndRead({ identity })).rejects.toThrow(/USERNAME|user token policy/i);
    await expect(connectAndRead({ identity, forgeTokenPolicy: UserTokenType.UserName })).rejects.toThrow(/BadIdentityToken|BadUserAccessDenied/);
  });

  it('offers no discovery over SecurityPolicy None', async () => {
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0, initialDelay: 10, maxDelay: 20 } });
    try {
      await expect(client.connect(server.endpointUrl).then(() => client.getEndpoints())).rejects.toThrow();
    } finally {
      await client.disconnect();
    }
  });

  it('keeps its certificate and key across a restart, so trusted machines still connect', async () => {
    const before = server.certificatePem;
    const key = readFileSync(opcuaPkiPaths(agentPki).privateKeyFile, 'utf8');
    await server.stop();
    server = new JobControlServer({ port: 0, host: '127.0.0.1', hostname: 'localhost', pkiDir: agentPki, applicationUri: AGENT_URI });
    await server.start();
    expect(server.certificatePem).toBe(before);
    expect(readFileSync(opcuaPkiPaths(agentPki).privateKeyFile, 'utf8')).toBe(key);
    expect(await connectAndRead()).toEqual([]);
    // The trust list is on disk too: a fresh store opened on it knows the machine.
    const store = await openCertificateStore(opcuaPkiPaths(agentPki).userStore);
    try {
      expect(await store.isCertificateTrusted(certificatePemToDer((await machineCertificate(machinePki, MACHINE_URI)).certificatePem))).toBe('Good');
    } finally {
      await store.dispose();
    }
  });
});
