/**
 * Devices and their certificates as the API and the CLI show them, read from the store.
 * Never a private key (the CA never sees one) nor a token or its hash.
 */
import { nodePathIds } from '../access/index.js';
import type { CrlReason } from '../crypto/index.js';
import type { DeviceCertificateRow, Store } from '../store/index.js';

/** Where a certificate stands at the time it is shown. */
export type DeviceCertificateStatus = 'valid' | 'expired' | 'revoked';

/** A certificate issued to a device: its serial, names and validity, never more. */
export interface DeviceCertificateView {
  readonly serial: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
  readonly revocationReason: CrlReason | null;
  readonly status: DeviceCertificateStatus;
}

/** A device as listed, with its newest certificate. */
export interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly workCenterId: string;
  readonly status: 'active' | 'revoked';
  /** Username of the admin who registered it. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  /** When a client certificate of the device was last accepted, to the minute. */
  readonly lastSeenAt: string | null;
  /** The newest certificate issued to it, or null before it enrolled. */
  readonly certificate: DeviceCertificateView | null;
}

/** A device with every certificate issued to it, newest first. */
export interface DeviceDetail extends DeviceView {
  readonly certificates: readonly DeviceCertificateView[];
}

/** A device view with the plant path of its work center, for scope checks. */
export interface ScopedDevice {
  readonly view: DeviceDetail;
  readonly scopePath: readonly string[];
}

/** Presents a stored certificate row as of `now`. */
export function certificateView(row: Omit<DeviceCertificateRow, 'certificate_pem' | 'device_id' | 'work_center_id'>, now: Date): DeviceCertificateView {
  const status: DeviceCertificateStatus = row.revoked_at !== null ? 'revoked' : Date.parse(row.not_after) <= now.getTime() ? 'expired' : 'valid';
  return {
    serial: row.serial,
    subject: row.subject,
    notBefore: row.not_before,
    notAfter: row.not_after,
    issuedAt: row.issued_at,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason as CrlReason | null,
    status,
  };
}

/** Reads devices (one by id, or all) with their certificates and the plant path of their work center. */
export async function readDevices(store: Store, filter: { readonly id?: string }, now: Date): Promise<ScopedDevice[]> {
  let query = store.db
    .selectFrom('devices')
    .innerJoin('plant_nodes', 'plant_nodes.id', 'devices.work_center_id')
    .leftJoin('users', 'users.id', 'devices.created_by')
    .select([
      'devices.id', 'devices.name', 'devices.kind', 'devices.work_center_id', 'devices.status', 'devices.created_by', 'users.username as creatorName',
      'devices.created_at', 'devices.revoked_at', 'devices.revoked_reason', 'devices.last_seen_at', 'plant_nodes.path',
    ]);
  if (filter.id !== undefined) query = query.where('devices.id', '=', filter.id);
  const devices = await query.orderBy('devices.name').orderBy('devices.id').execute();
  if (devices.length === 0) return [];
  let certificates = store.db
    .selectFrom('device_certificates')
    .select(['serial', 'device_id', 'subject', 'not_before', 'not_after', 'issued_at', 'revoked_at', 'revocation_reason']);
  if (filter.id !== undefined) certificates = certificates.where('device_id', '=', filter.id);
  const byDevice = new Map<string, DeviceCertificateView[]>();
  for (const row of await certificates.orderBy('issued_at', 'desc').orderBy('serial').execute()) {
    const list = byDevice.get(row.device_id) ?? [];
    list.push(certificateView(row, now));
    byDevice.set(row.device_id, list);
  }
  return devices.map((row) => {
    const issued = byDevice.get(row.id) ?? [];
    return {
      scopePath: nodePathIds(row.path),
      view: {
        id: row.id,
        name: row.name,
        kind: row.kind,
        workCenterId: row.work_center_id,
        status: row.status,
        createdBy: row.creatorName ?? row.created_by,
        createdAt: row.created_at,
        revokedAt: row.revoked_at,
        revokedReason: row.revoked_reason,
        lastSeenAt: row.last_seen_at,
        certificate: issued[0] ?? null,
        certificates: issued,
      },
    };
  });
}
