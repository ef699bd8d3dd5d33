/**
 * The TLS material of a data folder: the server certificate in use (the one
 * Forgeline's CA issued at init, or one the operator imported) and the Forgeline
 * CA that clients trust and devices enrol against (issue 5 point 5).
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkServerCertificate, parseCertificateChain, summarizeCertificate, type CertificateSummary } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { AuditTrail, hostUserActor } from '../audit/index.js';
import { openDatabase } from '../store/index.js';
import { DATA_MANIFEST, readManifest, storeOptionsFor, type DataManifest } from './data-folder.js';

/** Where an imported certificate chain and its key are kept, relative to the data folder. */
export const OPERATOR_CERTIFICATE_FILES = { cert: 'tls/operator-server.pem', key: 'tls/operator-server-key.pem' } as const;

/** Who issued the server certificate in use. */
export const CERTIFICATE_SOURCES = ['forgeline-ca', 'operator'] as const;

/** One of {@link CERTIFICATE_SOURCES}. */
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

/** The server certificate a data folder serves, ready for node:tls. */
export interface ServerTls {
  readonly source: CertificateSource;
  /** The chain file, relative to the data folder. */
  readonly certFile: string;
  readonly cert: string;
  readonly key: string;
  /** The Forgeline CA (PEM), whose client certificates the server asks for. */
  readonly ca: string;
  readonly leaf: CertificateSummary;
  /** Why clients will refuse the certificate now (expired, not yet valid), or null. */
  readonly warning: string | null;
}

/** The Forgeline CA certificate of a data folder. */
export interface CaCertificate {
  readonly pem: string;
  readonly fingerprint256: string;
}

function inUse(manifest: DataManifest): { source: CertificateSource; cert: string; key: string } {
  const operator = manifest.tls.operator;
  return operator ? { source: 'operator', ...operator } : { source: 'forgeline-ca', cert: manifest.tls.cert, key: manifest.tls.key };
}

/**
 * Loads the server certificate in use. A chain or key that no longer parses or
 * match is an error; one outside its validity period is served with a warning,
 * as clients will say so too and the operator can import a new one offline.
 */
export async function loadServerTls(dataDir: string, manifest: DataManifest, now: Date): Promise<ServerTls> {
  const files = inUse(manifest);
  const cert = await readFile(join(dataDir, files.cert), 'utf8');
  const key = await readFile(join(dataDir, files.key), 'utf8');
  const ca = await readFile(join(dataDir, manifest.tls.ca), 'utf8');
  const check = checkServerCertificate(cert, key, now);
  if (check.ok) return { source: files.source, certFile: files.cert, cert, key, ca, leaf: check.leaf, warning: null };
  const leaf = parseCertificateChain(cert)?.[0];
  if (!leaf || (check.problem !== 'expired' && check.problem !== 'not-yet-valid')) {
    throw new ForgelineError('validation-failed', `${files.cert} cannot be served: ${check.message}`);
  }
  return { source: files.source, certFile: files.cert, cert, key, ca, leaf: summarizeCertificate(leaf), warning: `${files.cert}: ${check.message}` };
}

/** Reads the Forgeline CA certificate of a data folder and its SHA-256 fingerprint. */
export async function readCaCertificate(dataDir: string): Promise<CaCertificate> {
  const manifest = await readManifest(dataDir);
  const pem = await readFile(join(dataDir, manifest.tls.ca), 'utf8');
  const ca = parseCertificateChain(pem)?.[0];
  if (!ca) throw new ForgelineError('validation-failed', `${manifest.tls.ca} in ${dataDir} is damaged: it holds no certificate`);
  return { pem: `${ca.toString().trimEnd()}\n`, fingerprint256: ca.fingerprint256 };
}

async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  // Written beside and renamed, so a crash never leaves half a key where the server looks.
  const next = `${path}.new`;
  await writeFile(next, content, { mode });
  await chmod(next, mode);
  await rename(next, path);
}

/** Options of {@link importOperatorCertificate}: the PEM texts the operator supplied, and the time to check validity at. */
export interface ImportCertificateOptions {
  readonly dataDir: string;
  readonly chainPem: string;
  readonly keyPem: string;
  readonly now: Date;
  /** The database, when the folder keeps its data in PostgreSQL (else its SQLite file). */
  readonly databaseUrl?: string | undefined;
}

/**
 * Makes an operator's certificate the server certificate of a data folder, after
 * {@link checkServerCertificate} accepts it; a refusal changes nothing. The
 * Forgeline CA stays: clients that trust it keep working for devices, and
 * `ca export` still answers it. The server uses the new certificate from its next start.
 */
export async function importOperatorCertificate(options: ImportCertificateOptions): Promise<CertificateSummary> {
  const manifest = await readManifest(options.dataDir);
  const check = checkServerCertificate(options.chainPem, options.keyPem, options.now);
  if (!check.ok) throw new ForgelineError('validation-failed', `${check.message}; nothing was imported`, { extensions: { problem: check.problem } });
  // A key event: recorded before the files change (no record, no import).
  const store = await openDatabase(storeOptionsFor(options.dataDir, manifest, options.databaseUrl));
  try {
    await new AuditTrail({ store, clock: { now: () => options.now } }).recordAlone({
      kind: 'tls.import', outcome: 'ok', actor: hostUserActor(),
      detail: { subject: check.leaf.subject, subjectAltName: check.leaf.subjectAltName, issuer: check.leaf.issuer, validTo: check.leaf.validTo, fingerprint256: check.leaf.fingerprint256 },
    });
  } finally {
    await store.close();
  }
  const files = OPERATOR_CERTIFICATE_FILES;
  await replaceFile(join(options.dataDir, files.key), check.privateKeyPem, 0o600);
  await replaceFile(join(options.dataDir, files.cert), check.chainPem, 0o644);
  const next: DataManifest = { ...manifest, tls: { ...manifest.tls, operator: { cert: files.cert, key: files.key } } };
  await replaceFile(join(options.dataDir, DATA_MANIFEST), `${JSON.stringify(next, null, 2)}\n`, 0o600);
  return check.leaf;
}

