/**
 * The OPC UA PKI beside an agent or a machine (OPC 10000-4 §6.1, OPC 10000-6 §6.2): a self-signed
 * RSA 2048 application instance certificate made once by node-opcua's own PKI and reused, and
 * trust lists that hold only what an operator put there. Layout under `pkiDir`:
 * `application/` (own/, trusted/, rejected/: the secure channel's store) and `users/` (trusted/:
 * certificates accepted as X509 user identities).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

/** Where the stores and the own certificate live under a PKI folder. */
export interface OpcuaPkiPaths {
  readonly applicationStore: string;
  readonly userStore: string;
  readonly certificateFile: string;
  readonly privateKeyFile: string;
}

/** The paths of the PKI folder `pkiDir` (see the module comment for the layout). */
export function opcuaPkiPaths(pkiDir: string): OpcuaPkiPaths {
  const applicationStore = join(pkiDir, 'application');
  return {
    applicationStore,
    userStore: join(pkiDir, 'users'),
    certificateFile: join(applicationStore, 'own', 'certs', 'certificate.pem'),
    privateKeyFile: join(applicationStore, 'own', 'private', 'private_key.pem'),
  };
}

/** Who an application is: its ApplicationUri (also the certificate's SAN URI), a display name, and its host names. */
export interface ApplicationIdentity {
  readonly applicationUri: string;
  readonly applicationName: string;
  readonly dnsNames: readonly string[];
  /** Validity of a newly made certificate; default 730 days. */
  readonly validityDays?: number;
}

/** The application's own certificate, ready for OPCUAServer/OPCUAClient options. */
export interface ApplicationCertificate {
  readonly certificatePem: string;
  readonly certificateDer: Buffer;
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  /** SHA-1 thumbprint, lowercase hex: how OPC UA tools name a certificate. */
  readonly thumbprint: string;
}

/** A certificate placed in a trust list. */
export interface TrustedCertificate {
  readonly thumbprint: string;
  readonly subject: string;
  /** The SAN URI (the peer's ApplicationUri), or null if it has none. */
  readonly applicationUri: string | null;
}

/** Thrown when a certificate handed in cannot be trusted or the own certificate cannot be made. */
export class OpcuaCertificateError extends Error {
  /** Stable code for callers that map errors to a CLI line. */
  readonly code = 'opcua-certificate-invalid';

  constructor(message: string) {
    super(message);
    this.name = 'OpcuaCertificateError';
  }
}

const DEFAULT_VALIDITY_DAYS = 730;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Opens the store at `storeDir` with unknown certificates rejected, creating its folders and, the
 * first time, its RSA 2048 private key (the slow part, hence made once and kept).
 */
export async function openCertificateStore(storeDir: string, options: { readonly watchTrustList?: boolean } = {}): Promise<OPCUACertificateManager> {
  const manager = new OPCUACertificateManager({
    rootFolder: storeDir,
    automaticallyAcceptUnknownCertificate: false,
    keySize: 2048,
    // Watching lets a running server see a certificate the operator trusts later; short-lived uses skip it.
    disableFileWatchers: !options.watchTrustList,
  });
  await manager.initialize();
  return manager;
}

/**
 * Returns the application's certificate under `pkiDir`, making a self-signed one first when there
 * is none, it has expired, or it names another ApplicationUri (a renewed certificate must be
 * trusted again by the peers).
 */
export async function ensureApplicationCertificate(pkiDir: string, identity: ApplicationIdentity): Promise<ApplicationCertificate> {
  const paths = opcuaPkiPaths(pkiDir);
  const existing = await readUsableCertificate(paths, identity.applicationUri);
  if (existing) return existing;
  const manager = await openCertificateStore(paths.applicationStore);
  try {
    await rm(paths.certificateFile, { force: true });
    await manager.createSelfSignedCertificate({
      applicationUri: identity.applicationUri,
      subject: `/CN=${subjectText(identity.applicationName)}/O=Forgeline`,
      dns: [...identity.dnsNames],
      startDate: new Date(Date.now() - 5 * 60_000),
      validity: identity.validityDays ?? DEFAULT_VALIDITY_DAYS,
      outputFile: paths.certificateFile,
    });
  } finally {
    await manager.dispose();
  }
  await chmod(paths.privateKeyFile, 0o600);
  const made = await readUsableCertificate(paths, identity.applicationUri);
  if (!made) throw new OpcuaCertificateError(`could not make an application certificate in ${paths.applicationStore}`);
  return made;
}

/**
 * Trusts a machine's certificate at the agent (`forgeline agent trust-machine`): it is placed in
 * both trust lists (secure channel and X509 user identity) and taken out of `rejected/`.
 */
export async function trustClientCertificate(pkiDir: string, certificatePem: string): Promise<TrustedCertificate> {
  const paths = opcuaPkiPaths(pkiDir);
  const certificate = parseTrustable(certificatePem);
  await placeInTrustList(paths.applicationStore, certificate);
  await placeInTrustList(paths.userStore, certificate);
  return describe(certificate);
}

/** Trusts the agent's server certificate at a machine (the client checks the server it talks to). */
export async function trustServerCertificate(pkiDir: string, certificatePem: string): Promise<TrustedCertificate> {
  const certificate = parseTrustable(certificatePem);
  await placeInTrustList(opcuaPkiPaths(pkiDir).applicationStore, certificate);
  return describe(certificate);
}

/** The DER bytes of a single PEM certificate (what OPC UA puts on the wire). */
export function certificatePemToDer(certificatePem: string): Buffer {
  return parseTrustable(certificatePem).raw;
}

async function readUsableCertificate(paths: OpcuaPkiPaths, applicationUri: string): Promise<ApplicationCertificate | null> {
  let pem: string;
  let keyPem: string;
  try {
    [pem, keyPem] = await Promise.all([readFile(paths.certificateFile, 'utf8'), readFile(paths.privateKeyFile, 'utf8')]);
  } catch {
    return null;
  }
  try {
    const certificate = new X509Certificate(pem);
    const fresh = Date.parse(certificate.validTo) > Date.now() + 86_400_000;
    const sameUri = sanUri(certificate) === applicationUri;
    if (!fresh || !sameUri || !certificate.checkPrivateKey(createPrivateKey(keyPem))) return null;
    return { certificatePem: pem, certificateDer: certificate.raw, certificateFile: paths.certificateFile, privateKeyFile: paths.privateKeyFile, thumbprint: thumbprintOf(certificate) };
  } catch {
    return null;
  }
}

function parseTrustable(certificatePem: string): X509Certificate {
  const blocks = certificatePem.match(PEM_BLOCK) ?? [];
  if (blocks.length !== 1) throw new OpcuaCertificateError('expected exactly one PEM certificate (-----BEGIN CERTIFICATE-----)');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(blocks[0] ?? '');
  } catch {
    throw new OpcuaCertificateError('the PEM certificate does not parse');
  }
  const key = certificate.publicKey;
  // The RSA security policies (Basic256Sha256, Aes256_Sha256_RsaPss) need an RSA key of 2048 bits or more.
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new OpcuaCertificateError('an OPC UA application certificate needs an RSA key of at least 2048 bits');
  }
  if (Date.parse(certificate.validTo) <= Date.now()) throw new OpcuaCertificateError(`the certificate expired on ${certificate.validTo}`);
  return certificate;
}

async function placeInTrustList(storeDir: string, certificate: X509Certificate): Promise<void> {
  const thumbprint = thumbprintOf(certificate);
  const trustedDir = join(storeDir, 'trusted', 'certs');
  await mkdir(trustedDir, { recursive: true });
  const target = join(trustedDir, `${thumbprint}.pem`);
  // Written aside then renamed, so a watching server never reads half a certificate.
  await writeFile(`${target}.tmp`, certificate.toString(), { mode: 0o644 });
  await rename(`${target}.tmp`, target);
  await removeFromRejected(join(storeDir, 'rejected'), thumbprint);
}

async function removeFromRejected(folder: string, thumbprint: string): Promise<void> {
  for (const dir of [folder, join(folder, 'certs')]) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((entry) => /\.(pem|der)$/i.test(entry))) {
      const file = join(dir, name);
      try {
        const bytes = await readFile(file);
        if (thumbprintOf(new X509Certificate(bytes)) === thumbprint) await rm(file, { force: true });
      } catch {
        // Not a certificate we can read: leave it for the operator.
      }
    }
  }
}

function describe(certificate: X509Certificate): TrustedCertificate {
  return { thumbprint: thumbprintOf(certificate), subject: certificate.subject.replace(/\n/g, ', '), applicationUri: sanUri(certificate) };
}

function thumbprintOf(certificate: X509Certificate): string {
  return certificate.fingerprint.replace(/:/g, '').toLowerCase();
}

function sanUri(certificate: X509Certificate): string | null {
  const match = /(?:^|,\s*)URI:([^,]+)/.exec(certificate.subjectAltName ?? '');
  return match?.[1]?.trim() ?? null;
}

/** Keeps a display name usable inside node-opcua's "/CN=.../O=..." subject syntax. */
function subjectText(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9 ._-]/g, '').trim().slice(0, 64);
  return cleaned.length > 0 ? cleaned : 'Forgeline';
}
