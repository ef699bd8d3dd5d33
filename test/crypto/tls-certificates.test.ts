import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { type Server, createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateAuthority,
  CertificateRequestError,
  type ServerCertificate,
  createCertificateAuthority,
  issueServerCertificate,
} from '../../src/crypto/index.js';

interface Fetch {
  readonly hostname: string;
  readonly ca?: string;
  readonly servername?: string;
}

/** One HTTPS GET over a fresh connection; resolves the body or rejects with the TLS error. */
function fetchText(port: number, { hostname, ca, servername }: Fetch): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(
      // family 4 so "localhost" reaches the 127.0.0.1 listener; rejectUnauthorized pinned against the environment.
      { hostname, port, path: '/', family: 4, agent: false, rejectUnauthorized: true, ca, servername },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error as NodeJS.ErrnoException).code,
  );
}

describe('TLS certificates', () => {
  let ca: CertificateAuthority;
  let server: ServerCertificate;
  let https: Server;
  let port: number;

  beforeAll(async () => {
    ca = await createCertificateAuthority({ commonName: 'Forgeline Test CA', validityDays: 365 });
    server = await issueServerCertificate(ca, {
      commonName: 'forgeline.test',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      validityDays: 30,
    });
    https = createServer({ key: server.privateKeyPem, cert: server.chainPem }, (_request, response) => {
      response.end('ok');
    });
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    port = (https.address() as AddressInfo).port;
  });

  afterAll(async () => {
    https.closeAllConnections();
    https.close();
    await once(https, 'close');
  });

  it('serves a client that trusts only the CA, by DNS name and by IP address', async () => {
    await expect(fetchText(port, { hostname: 'localhost', ca: ca.certificatePem })).resolves.toBe('ok');
    await expect(fetchText(port, { hostname: '127.0.0.1', ca: ca.certificatePem })).resolves.toBe('ok');
  });

  it('is refused by a client that does not trust the CA', async () => {
    const code = await rejectionCode(fetchText(port, { hostname: 'localhost' }));
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']).toContain(code);
  });

  it('is refused by a client that trusts another CA', async () => {
    const other = await createCertificateAuthority({ commonName: 'Forgeline Test CA', validityDays: 365 });
    const code = await rejectionCode(fetchText(port, { hostname: '127.0.0.1', ca: other.certificatePem }));
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']).toContain(code);
  });

  it('is refused for a host name it does not list', async () => {
    const code = await rejectionCode(
      fetchText(port, { hostname: '127.0.0.1', servername: 'example.com', ca: ca.certificatePem }),
    );
    expect(code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('issues a P-256 certificate that the CA key verifies and that names its hosts', () => {
    const authority = new X509Certificate(ca.certificatePem);
    const leaf = new X509Certificate(server.certificatePem);
    expect(leaf.verify(authority.publicKey)).toBe(true);
    expect(leaf.checkIssued(authority)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=forgeline.test');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(server.privateKeyPem).equals(leaf.publicKey)).toBe(true);
    expect(server.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(server.chainPem).toBe(server.certificatePem + ca.certificatePem);
  });

  it('makes a self-signed CA with pathLen 0, keyCertSign and cRLSign, and a key identifier', () => {
    const authority = new X509Certificate(ca.certificatePem);
    expect(authority.ca).toBe(true);
    expect(authority.verify(authority.publicKey)).toBe(true);
    expect(authority.subject).toBe('CN=Forgeline Test CA');
    expect(createPublicKey(ca.privateKeyPem).equals(authority.publicKey)).toBe(true);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const parsed = new x509.X509Certificate(ca.certificatePem);
    const basic = parsed.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.critical).toBe(true);
    expect(basic?.ca).toBe(true);
    expect(basic?.pathLength).toBe(0);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('links the server certificate to the CA by authority key identifier, with serverAuth only', () => {
    const authority = new x509.X509Certificate(ca.certificatePem);
    const leaf = new x509.X509Certificate(server.certificatePem);
    const caKeyId = authority.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(caKeyId);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(leaf.issuer).toBe(authority.subject);
  });

  it('gives every certificate a distinct positive serial and the requested validity', async () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const options = { commonName: 'a', dnsNames: ['a.test'], ipAddresses: [], validityDays: 10, now };
    const futureCa = await createCertificateAuthority({ commonName: 'CA', validityDays: 100, now });
    const first = new X509Certificate((await issueServerCertificate(futureCa, options)).certificatePem);
    const second = new X509Certificate((await issueServerCertificate(futureCa, options)).certificatePem);
    expect(first.serialNumber).not.toBe(second.serialNumber);
    expect(Number.parseInt(first.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
    expect(new Date(first.validTo).toISOString()).toBe('2030-06-11T00:00:00.000Z');
    expect(new Date(first.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
  });

  it('refuses bad requests with CertificateRequestError', async () => {
    const base = { commonName: 'x', dnsNames: ['x.test'], ipAddresses: [], validityDays: 1 };
    const refused = [
      { ...base, dnsNames: [], ipAddresses: [] },
      { ...base, dnsNames: ['bad name'] },
      { ...base, dnsNames: ['-x.test'] },
      { ...base, ipAddresses: ['999.1.1.1'] },
      { ...base, ipAddresses: ['fe80::1%eth0'] },
      { ...base, validityDays: 0 },
      { ...base, validityDays: 1.5 },
      { ...base, validityDays: 400 },
      { ...base, commonName: '' },
      { ...base, commonName: 'x'.repeat(65) },
    ];
    for (const options of refused) {
      await expect(issueServerCertificate(ca, options)).rejects.toBeInstanceOf(CertificateRequestError);
    }
    await expect(createCertificateAuthority({ commonName: 'CA', validityDays: -1 })).rejects.toBeInstanceOf(
      CertificateRequestError,
    );
  });

  it('refuses a CA whose key does not match, or that is not a CA', async () => {
    const other = await createCertificateAuthority({ commonName: 'Other', validityDays: 30 });
    const options = { commonName: 'x', dnsNames: ['x.test'], ipAddresses: [], validityDays: 1 };
    const mismatched = { certificatePem: ca.certificatePem, privateKeyPem: other.privateKeyPem };
    await expect(issueServerCertificate(mismatched, options)).rejects.toThrow(/does not match/);
    const leafAsCa = { certificatePem: server.certificatePem, privateKeyPem: server.privateKeyPem };
    await expect(issueServerCertificate(leafAsCa, options)).rejects.toThrow(/not a CA/);
    const garbage = { certificatePem: 'nope', privateKeyPem: 'nope' };
    await expect(issueServerCertificate(garbage, options)).rejects.toBeInstanceOf(CertificateRequestError);
  });
});
