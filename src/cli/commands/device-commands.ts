import { X509Certificate } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { segment } from '../api-client.js';
import type { ItemsPage } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { CliError, usageError } from '../cli-error.js';
import { DEVICE_FOLDER_FILES, writeDeviceFolder, type DeviceFolderFiles } from '../../agent/device-identity.js';
import { readTextFile, writeFailure } from '../data-file.js';
import { parseInteger } from '../option-parsers.js';
import { readFirstLine } from '../secret-input.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable, printable } from '../text-format.js';

/** A device certificate as the API lists it. */
interface DeviceCertificateListing {
  readonly serial: string;
  readonly notAfter: string;
  readonly status: 'valid' | 'expired' | 'revoked';
}

/** A device as `GET /api/v1/devices` lists it. */
interface DeviceListing {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly workCenterId: string;
  readonly status: 'active' | 'revoked';
  readonly lastSeenAt: string | null;
  readonly certificate: DeviceCertificateListing | null;
}

/** `POST /api/v1/devices/{id}/enrolment-tokens`. */
interface EnrolmentTokenCreated {
  readonly deviceId: string;
  readonly expiresAt: string;
  readonly token: string;
}

/** `POST /api/v1/pki/enrol`. */
interface EnrolledCertificate {
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly chain: string;
  readonly ca: string;
}


/** The CRL reasons `device revoke --reason-code` takes (RFC 5280 §5.3.1). */
const REASON_CODES = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'];

function parseReasonCode(value: string): string {
  if (!REASON_CODES.includes(value)) throw new InvalidArgumentError(`must be one of ${REASON_CODES.join(', ')}`);
  return value;
}


async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Registers `device add|list|token|revoke|enrol|renew`: devices and their client certificates. */
export function registerDeviceCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const device = program.command('device').description('devices (machines, PLCs, edge agents): register, enrolment tokens, enrolment, revocation');

  withJsonOption(
    device.command('add').description('register a device in a work center (admins)')
      .requiredOption('--name <name>', 'what the plant calls it, unique within the work center, e.g. "Mill 3 edge agent"')
      .requiredOption('--kind <kind>', 'what it is, e.g. cnc, plc, edge-agent')
      .requiredOption('--work-center <id>', 'the work center it belongs to (forgeline plant list)'),
  ).action(async (options: { name: string; kind: string; workCenter: string; json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const created = await api.post<DeviceListing>('/api/v1/devices', { name: options.name, kind: options.kind, workCenterId: options.workCenter });
    if (options.json) return printJson(io, created);
    io.out(`registered device ${printable(created.name)} (${created.id}) in work center ${created.workCenterId}`);
    io.err(`next: forgeline device token ${created.id}, then on the device: forgeline device enrol --token <token> --out <dir>`);
  });

  withJsonOption(device.command('list').description('list the devices with their newest certificate and last contact (admins, auditors)'))
    .action(async (options: { json?: boolean }, command: Command) => {
      const { api } = await context.connect(command);
      const page = await api.get<ItemsPage<DeviceListing>>('/api/v1/devices');
      if (options.json) return printJson(io, page);
      printLines(io, formatTable<DeviceListing>([
        { heading: 'id', value: (row) => row.id },
        { heading: 'name', value: (row) => printable(row.name) },
        { heading: 'kind', value: (row) => row.kind },
        { heading: 'work center', value: (row) => row.workCenterId },
        { heading: 'status', value: (row) => row.status },
        { heading: 'certificate', value: (row) => (row.certificate ? `${row.certificate.serial} (${row.certificate.status})` : '-') },
        { heading: 'expires', value: (row) => row.certificate?.notAfter ?? '-' },
        { heading: 'last seen', value: (row) => row.lastSeenAt ?? 'never' },
      ], page.items));
    });

  withJsonOption(
    device.command('token').description('mint a one-time enrolment token for a device; it is printed once on standard output, never again (admins)')
      .argument('<id>', 'the device\'s id (forgeline device list)')
      .option('--ttl <minutes>', 'minutes the token stays usable (default 15, at most 1440)', (value: string) => parseInteger(value, 1)),
  ).action(async (id: string, options: { ttl?: number; json?: boolean }, command: Command) => {
    if (options.ttl !== undefined && options.ttl > 1440) throw usageError('--ttl is at most 1440 minutes (a day)');
    const { api } = await context.connect(command);
    const created = await api.post<EnrolmentTokenCreated>(`/api/v1/devices/${segment(id)}/enrolment-tokens`, options.ttl === undefined ? {} : { ttlMinutes: options.ttl });
    if (options.json) return printJson(io, created);
    io.err(`enrolment token for device ${created.deviceId}, usable once until ${created.expiresAt}; it follows on standard output and is shown only this once`);
    io.out(created.token);
  });

  withJsonOption(
    device.command('revoke').description('revoke a device and all its certificates at once: refused from its next request on, listed in the CRL (admins)')
      .argument('<id>', 'the device\'s id')
      .requiredOption('--reason <text>', 'why (recorded in the audit log)')
      .option('--reason-code <code>', `the CRL reason: ${REASON_CODES.join(', ')} (default unspecified)`, parseReasonCode),
  ).action(async (id: string, options: { reason: string; reasonCode?: string; json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const revoked = await api.post<DeviceListing & { certificates: readonly DeviceCertificateListing[] }>(
      `/api/v1/devices/${segment(id)}/revoke`, { reason: options.reason, ...(options.reasonCode ? { reasonCode: options.reasonCode } : {}) },
    );
    if (options.json) return printJson(io, revoked);
    io.out(`revoked device ${printable(revoked.name)} (${revoked.id}) and ${revoked.certificates.length} certificate(s)`);
  });

  withJsonOption(
    device.command('enrol').alias('enroll')
      .description('on the device: make a P-256 key, ask for a certificate with a one-time token, and write key, certificate and CA to a folder')
      .requiredOption('--token <token>', 'the enrolment token (fle_…) from forgeline device token; - reads it from standard input (kept out of the shell history)')
      .requiredOption('--out <dir>', `the folder to write ${DEVICE_FOLDER_FILES.key} (0600), ${DEVICE_FOLDER_FILES.certificate} and ${DEVICE_FOLDER_FILES.ca} to`)
      .option('--force', 'replace a key and certificate already in the folder'),
  ).action(async (options: { token: string; out: string; force?: boolean; json?: boolean }, command: Command) => {
    const token = options.token === '-' ? (await readFirstLine(io.stdin)).trim() : options.token;
    const { enrolmentTokenDevice } = await import('../../devices/index.js');
    const deviceId = enrolmentTokenDevice(token);
    if (deviceId === undefined) throw usageError('--token is not an enrolment token (fle_<device id>_…): copy it whole from forgeline device token');
    const dir = resolve(options.out);
    const paths = { key: join(dir, DEVICE_FOLDER_FILES.key), certificate: join(dir, DEVICE_FOLDER_FILES.certificate) };
    if (!options.force && (await exists(paths.key) || await exists(paths.certificate))) {
      throw usageError(`${dir} already holds a device key or certificate; pass --force to replace them`);
    }
    const { createDeviceCsr } = await import('../../crypto/index.js');
    // The private key is made here and never leaves the device: only the CSR is sent.
    const { csrPem, privateKeyPem } = await createDeviceCsr(deviceId);
    const { api } = await context.connect(command, { auth: false });
    const enrolled = await api.post<EnrolledCertificate>('/api/v1/pki/enrol', { token, csr: csrPem });
    const files = await writeFolder(dir, { keyPem: privateKeyPem, chainPem: enrolled.chain, caPem: enrolled.ca });
    if (options.json) return printJson(io, { deviceId: enrolled.deviceId, workCenterId: enrolled.workCenterId, serial: enrolled.serial, notAfter: enrolled.notAfter, files });
    io.out(`enrolled device ${enrolled.deviceId} (work center ${enrolled.workCenterId}): certificate ${enrolled.serial}, valid until ${enrolled.notAfter}`);
    io.out(`wrote ${files.key} (0600), ${files.certificate} and ${files.ca}`);
  });

  withJsonOption(
    device.command('renew')
      .description('on the device, before its certificate expires: a new key and certificate, asked for over mutual TLS with the current certificate')
      .requiredOption('--dir <dir>', `the folder \`device enrol\` wrote (${DEVICE_FOLDER_FILES.key}, ${DEVICE_FOLDER_FILES.certificate}, ${DEVICE_FOLDER_FILES.ca}); replaced in place`),
  ).action(async (options: { dir: string; json?: boolean }, command: Command) => {
    const dir = resolve(options.dir);
    const paths = { key: join(dir, DEVICE_FOLDER_FILES.key), certificate: join(dir, DEVICE_FOLDER_FILES.certificate), ca: join(dir, DEVICE_FOLDER_FILES.ca) };
    const [keyPem, certificatePem, caPem] = await Promise.all([readTextFile(paths.key), readTextFile(paths.certificate), readTextFile(paths.ca)]);
    const deviceId = deviceIdOf(certificatePem, paths.certificate);
    const { createDeviceCsr } = await import('../../crypto/index.js');
    const { csrPem, privateKeyPem } = await createDeviceCsr(deviceId);
    // The current certificate proves who asks; the server checks it (and its revocation) on this connection.
    const { api } = await context.connect(command, { auth: false, clientCertificate: { cert: certificatePem, key: keyPem } });
    const renewed = await api.post<EnrolledCertificate>('/api/v1/pki/renew', { csr: csrPem });
    const files = await writeFolder(dir, { keyPem: privateKeyPem, chainPem: renewed.chain, caPem: renewed.ca ?? caPem });
    if (options.json) return printJson(io, { deviceId: renewed.deviceId, workCenterId: renewed.workCenterId, serial: renewed.serial, notAfter: renewed.notAfter, files });
    io.out(`renewed device ${renewed.deviceId}: certificate ${renewed.serial}, valid until ${renewed.notAfter} (new key in ${paths.key})`);
  });
}

/** Writes the device folder; a folder the user cannot write to is one clear line. */
async function writeFolder(dir: string, files: DeviceFolderFiles): Promise<{ key: string; certificate: string; ca: string }> {
  return writeDeviceFolder(dir, files).catch((error: unknown) => {
    throw writeFailure(error, dir) ?? error;
  });
}

/** The device id a device certificate names (its subject CN), or a clear refusal. */
function deviceIdOf(certificatePem: string, path: string): string {
  let subject: string;
  try {
    subject = new X509Certificate(certificatePem).subject;
  } catch {
    throw new CliError('invalid-file', `${path} is not a PEM certificate`);
  }
  const id = /^CN=(.+)$/m.exec(subject)?.[1];
  if (id === undefined) throw new CliError('invalid-file', `${path} names no device (no CN in its subject)`);
  return id;
}
