import { randomUUID } from 'node:crypto';
import { auditActorOf, can, mayAsk, nodePathIds, ROLE_PERMISSIONS, type Actor, type Resource } from '../access/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import { hashToken, type DeviceCrl } from '../crypto/index.js';
import { ForgelineError, idSchema, parseOrThrow } from '../domain/index.js';
import { isUniqueViolation, withWriteTransaction, type Store } from '../store/index.js';
import { DeviceCertificates, type AuthenticatedDevice, type DeviceCaSource, type IssuedDeviceCertificateView } from './device-certificates.js';
import { enrolmentTokenRequestSchema, newDeviceSchema, newEnrolmentToken, revokeDeviceSchema } from './device-requests.js';
import { readDevices, type DeviceDetail, type DeviceView, type ScopedDevice } from './device-views.js';

/** An enrolment token just minted: where and until when it works, and the token, shown this once. */
export interface CreatedEnrolmentToken {
  readonly id: string;
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly expiresAt: string;
  readonly token: string;
}

/** What the device service is built from: the store, the clock, and the CA that signs device certificates. */
export interface DeviceServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** The Forgeline CA (the data folder's `tls/ca.pem` and `tls/ca-key.pem`), or how to make a throw-away one. */
  readonly ca: DeviceCaSource;
}

/**
 * Devices and their certificates (issue 5 point 6): admins register devices in a work center,
 * mint one-time enrolment tokens and revoke devices; devices enrol with a token and a CSR, renew
 * with their certificate, and are checked on every mutual-TLS request. Every change and every
 * refusal is audited; a change and its audit entry commit together.
 */
export class DeviceService {
  readonly #audit: AuditTrail;
  readonly #certificates: DeviceCertificates;

  constructor(private readonly deps: DeviceServiceDeps) {
    this.#audit = new AuditTrail(deps);
    this.#certificates = new DeviceCertificates(deps);
  }

  /** Registers a device in a work center (admins, within their scope). */
  async createDevice(actor: Actor, input: unknown): Promise<DeviceView> {
    const request = parseOrThrow(newDeviceSchema, input, 'device');
    const node = await this.deps.store.db.selectFrom('plant_nodes').select(['kind', 'path']).where('id', '=', request.workCenterId).executeTakeFirst();
    if (node?.kind !== 'work-center') {
      throw new ForgelineError('unknown-reference', `no work center ${request.workCenterId}`, { problems: [{ path: 'workCenterId', message: 'no such work center' }] });
    }
    const detail = { name: request.name, kind: request.kind, workCenterId: request.workCenterId };
    await this.#audit.authorize(actor, 'device.manage', { kind: 'order-scope', scopePath: nodePathIds(node.path) }, { kind: 'device.create', detail });
    const id = randomUUID();
    const now = this.deps.clock.now().toISOString();
    try {
      await withWriteTransaction(this.deps.store, async (trx) => {
        await trx.insertInto('devices').values({
          id, name: request.name, kind: request.kind, work_center_id: request.workCenterId, status: 'active', created_by: actor.subject.userId,
          created_at: now, revoked_at: null, revoked_reason: null, last_seen_at: null,
        }).execute();
        await this.#audit.record(trx, { kind: 'device.create', outcome: 'ok', actor: auditActorOf(actor), detail: { deviceId: id, ...detail } });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ForgelineError('conflict', `work center ${request.workCenterId} already has a device named "${request.name}"`);
      throw error;
    }
    return (await this.#scoped(id)).view;
  }

  /** The devices the actor may see (admins and auditors, within their scope), by name. */
  async list(actor: Actor): Promise<DeviceView[]> {
    const gate = mayAsk(actor.subject, 'device.read');
    if (!gate.allowed) throw new ForgelineError(gate.code, gate.reason);
    if (!holdsPermission(actor, 'device.read')) throw new ForgelineError('forbidden', 'no role of yours allows device.read');
    const devices = await readDevices(this.deps.store, {}, this.deps.clock.now());
    return devices.filter((device) => can(actor.subject, 'device.read', scopeOf(device)).allowed).map(({ view }) => withoutHistory(view));
  }

  /** One device with every certificate issued to it; one out of the actor's reach is as good as absent. */
  async get(actor: Actor, deviceId: string): Promise<DeviceDetail> {
    const device = idSchema.safeParse(deviceId).success ? await this.#scoped(deviceId).catch(() => undefined) : undefined;
    if (device === undefined || !can(actor.subject, 'device.read', scopeOf(device)).allowed) throw new ForgelineError('not-found', `no device ${deviceId}`);
    return device.view;
  }

  /** Mints a one-time enrolment token for an active device; the answer is the only place the token appears. */
  async createEnrolmentToken(actor: Actor, deviceId: string, input: unknown = {}): Promise<CreatedEnrolmentToken> {
    const request = parseOrThrow(enrolmentTokenRequestSchema, input ?? {}, 'enrolment token request');
    const device = await this.#managed(actor, deviceId, 'device.enrolment-token');
    if (device.view.status === 'revoked') {
      await this.#audit.recordAlone({ kind: 'device.enrolment-token', outcome: 'denied', actor: auditActorOf(actor), detail: { deviceId, reason: 'the device is revoked' } });
      throw new ForgelineError('conflict', `device ${deviceId} is revoked; register the machine again as a new device`);
    }
    const token = newEnrolmentToken(device.view.id);
    const now = this.deps.clock.now();
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + request.ttlMinutes * 60_000).toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx.insertInto('device_enrolment_tokens').values({
        id, token_hash: hashToken(token), device_id: device.view.id, work_center_id: device.view.workCenterId, created_by: actor.subject.userId,
        created_at: now.toISOString(), expires_at: expiresAt, used_at: null,
      }).execute();
      await this.#audit.record(trx, {
        kind: 'device.enrolment-token', outcome: 'ok', actor: auditActorOf(actor),
        detail: { deviceId: device.view.id, workCenterId: device.view.workCenterId, tokenId: id, expiresAt },
      });
    });
    return { id, deviceId: device.view.id, workCenterId: device.view.workCenterId, expiresAt, token };
  }

  /**
   * Revokes a device and every certificate issued to it, at once: the next mutual-TLS request of
   * the device is refused, and the CRL lists the certificates. Revoking a revoked device changes nothing.
   */
  async revokeDevice(actor: Actor, deviceId: string, input: unknown): Promise<DeviceDetail> {
    const request = parseOrThrow(revokeDeviceSchema, input, 'revoke request');
    const device = await this.#managed(actor, deviceId, 'device.revoke');
    if (device.view.status === 'revoked') return device.view;
    const now = this.deps.clock.now().toISOString();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const result = await trx.updateTable('devices').set({ status: 'revoked', revoked_at: now, revoked_reason: request.reason })
        .where('id', '=', device.view.id).where('status', '=', 'active').executeTakeFirst();
      // Another admin revoked it in the meantime: theirs is the entry.
      if (Number(result.numUpdatedRows) === 0) return;
      const revoked = await trx.selectFrom('device_certificates').select('serial').where('device_id', '=', device.view.id).where('revoked_at', 'is', null).execute();
      await trx.updateTable('device_certificates').set({ revoked_at: now, revocation_reason: request.reasonCode })
        .where('device_id', '=', device.view.id).where('revoked_at', 'is', null).execute();
      await this.#audit.record(trx, {
        kind: 'device.revoke', outcome: 'ok', actor: auditActorOf(actor),
        detail: { deviceId: device.view.id, workCenterId: device.view.workCenterId, reason: request.reason, reasonCode: request.reasonCode, serials: revoked.map((row) => row.serial).sort() },
      });
    });
    return (await this.#scoped(device.view.id)).view;
  }

  /** Enrols a device: its one-time token and a CSR naming it give a client certificate (see {@link DeviceCertificates.enrol}). */
  enrol(input: unknown, source: string | null = null): Promise<IssuedDeviceCertificateView> {
    return this.#certificates.enrol(input, source);
  }

  /** Renews the certificate of the device presenting `peerCertificate` (see {@link DeviceCertificates.renew}). */
  renew(peerCertificate: Uint8Array | string | undefined, input: unknown, source: string | null = null): Promise<IssuedDeviceCertificateView> {
    return this.#certificates.renew(peerCertificate, input, source);
  }

  /** Renews the certificate of a device whose client certificate was checked for this request (device routes). */
  renewFor(caller: AuthenticatedDevice, input: unknown, source: string | null = null): Promise<IssuedDeviceCertificateView> {
    return this.#certificates.renewFor(caller, input, source);
  }

  /** The device of a client certificate, or throws certificate-invalid / certificate-revoked (see {@link DeviceCertificates.check}). */
  checkClientCertificate(peerCertificate: Uint8Array | string | undefined, source: string | null = null): Promise<AuthenticatedDevice> {
    return this.#certificates.check(peerCertificate, source);
  }

  /** The current CRL of device certificates, signed by the CA (see {@link DeviceCertificates.crl}). */
  crl(): Promise<DeviceCrl> {
    return this.#certificates.crl();
  }

  /** The CA certificate (PEM) devices trust the server with and present their certificates under. */
  caCertificatePem(): Promise<string> {
    return this.#certificates.caCertificatePem();
  }

  /** The device, after checking (audited) that the actor may manage devices where it is. */
  async #managed(actor: Actor, deviceId: string, kind: 'device.enrolment-token' | 'device.revoke'): Promise<ScopedDevice> {
    const device = idSchema.safeParse(deviceId).success ? await this.#scoped(deviceId).catch(() => undefined) : undefined;
    if (device === undefined) {
      // Tell an admin the device is absent; tell anyone else (audited) only that they may not manage devices.
      if (!holdsPermission(actor, 'device.manage')) await this.#audit.authorize(actor, 'device.manage', { kind: 'system' }, { kind, detail: { deviceId: deviceId.slice(0, 64) } });
      throw new ForgelineError('not-found', `no device ${deviceId}`);
    }
    await this.#audit.authorize(actor, 'device.manage', scopeOf(device), { kind, detail: { deviceId: device.view.id, workCenterId: device.view.workCenterId } });
    return device;
  }

  async #scoped(deviceId: string): Promise<ScopedDevice> {
    const [device] = await readDevices(this.deps.store, { id: deviceId }, this.deps.clock.now());
    if (device === undefined) throw new ForgelineError('not-found', `no device ${deviceId}`);
    return device;
  }
}

/** True when a role of the actor allows `action` somewhere (where exactly is the policy's to decide). */
function holdsPermission(actor: Actor, action: 'device.read' | 'device.manage'): boolean {
  return actor.subject.roles.some((assignment) => ROLE_PERMISSIONS[assignment.role].includes(action));
}

function scopeOf(device: ScopedDevice): Resource {
  return { kind: 'order-scope', scopePath: device.scopePath };
}

function withoutHistory(view: DeviceDetail): DeviceView {
  const { certificates: _history, ...rest } = view;
  return rest;
}
