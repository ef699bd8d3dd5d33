/**
 * The edge agent's identity: the files `forgeline device enrol` wrote (its private key, its
 * certificate chain, the Forgeline CA), and what the certificate says of it: the device id (subject
 * CN) and its work center (SAN URI). The agent trusts only this CA for the server.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ForgelineError } from '../domain/index.js';

/** The files of a device folder, as `forgeline device enrol` names them. */
export const DEVICE_FOLDER_FILES = { key: 'device-key.pem', certificate: 'device-cert.pem', ca: 'ca.pem' } as const;

const WORK_CENTER_URI = /URI:urn:forgeline:work-center:([^,\s]+)/;

/** Who the agent is, read from its folder. */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly workCenterId: string;
  /** The certificate then the CA, PEM: what the agent presents on TLS connections. */
  readonly chainPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  readonly privateKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Reads the device folder; a missing or foreign file is one clear error. */
export async function loadDeviceIdentity(dir: string): Promise<DeviceIdentity> {
  const read = (name: string): Promise<string> =>
    readFile(join(dir, name), 'utf8').catch(() => {
      throw new ForgelineError('validation-failed', `${join(dir, name)} is missing: enrol the device first (forgeline device enrol --token … --out ${dir})`);
    });
  const [keyPem, chainPem, caPem] = await Promise.all([read(DEVICE_FOLDER_FILES.key), read(DEVICE_FOLDER_FILES.certificate), read(DEVICE_FOLDER_FILES.ca)]);
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(chainPem);
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new ForgelineError('validation-failed', `${dir} does not hold a PEM device certificate and key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new ForgelineError('validation-failed', `the key in ${dir} does not belong to its certificate`);
  const deviceId = /^CN=(.+)$/m.exec(certificate.subject)?.[1];
  const workCenterId = WORK_CENTER_URI.exec(certificate.subjectAltName ?? '')?.[1];
  if (deviceId === undefined || workCenterId === undefined) {
    throw new ForgelineError('validation-failed', `the certificate in ${dir} is not a Forgeline device certificate (no device CN or work center URI)`);
  }
  return { deviceId, workCenterId, chainPem, keyPem, caPem, privateKey, notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

/**
 * When to renew: once two thirds of the certificate's life have passed (day 20 of 30), leaving
 * ten days for a server or network that is away.
 */
export function renewalDue(identity: Pick<DeviceIdentity, 'notBefore' | 'notAfter'>): Date {
  const life = identity.notAfter.getTime() - identity.notBefore.getTime();
  return new Date(identity.notBefore.getTime() + (life * 2) / 3);
}

/** What a device folder holds, as enrolment or renewal answers it (the key made on the device). */
export interface DeviceFolderFiles {
  readonly keyPem: string;
  /** The certificate then the CA: what the device presents. */
  readonly chainPem: string;
  /** The Forgeline CA; left as it is when absent (a renewal that sent none). */
  readonly caPem?: string | undefined;
}

/**
 * Writes a device folder (made 0700 if missing): the key 0600, certificate and CA 0644, each file
 * whole or not at all (written beside, then renamed), so a crash never leaves half a key.
 */
export async function writeDeviceFolder(dir: string, files: DeviceFolderFiles): Promise<{ key: string; certificate: string; ca: string }> {
  const paths = { key: join(dir, DEVICE_FOLDER_FILES.key), certificate: join(dir, DEVICE_FOLDER_FILES.certificate), ca: join(dir, DEVICE_FOLDER_FILES.ca) };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await replaceWhole(paths.key, files.keyPem, 0o600);
  await replaceWhole(paths.certificate, files.chainPem, 0o644);
  if (files.caPem !== undefined) await replaceWhole(paths.ca, files.caPem, 0o644);
  return paths;
}

async function replaceWhole(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.partial`;
  try {
    await writeFile(temporary, content, { mode });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
