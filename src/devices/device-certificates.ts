import { createHash } from 'node:crypto';
import { AuditTrail, type AuditActor, type Clock } from '../audit/index.js';
import {
  buildDeviceCrl, csrSubjectMismatch, hashToken, issueDeviceCertificate, loadDeviceAuthority, parseDeviceCsr, validityProblem, verifyDeviceCertificate,
  type CertificateAuthority, type CrlReason, type DeviceAuthority, type DeviceCrl, type DeviceCsr, type IssuedDeviceCertificate, type VerifiedDeviceCertificate,
} from '../crypto/index.js';
import { ForgelineError, parseOrThrow, type ErrorCode } from '../domain/index.js';
import { withWriteTransaction, type Store, type WriteTransaction } from '../store/index.js';
import { enrolmentTokenDevice, enrolRequestSchema, renewRequestSchema } from './device-requests.js';

/** A certificate just issued to a device, with the CA to trust the server by: what the device stores. */
export interface IssuedDeviceCertificateView {
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly serial: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly certificatePem: string;
  /** The certificate then the CA: what a TLS client presents. */
  readonly chainPem: string;
  readonly caPem: string;
}

/** The device behind an accepted client certificate. */
export interface AuthenticatedDevice {
  readonly deviceId: string;
  readonly name: string;
  readonly kind: string;
  readonly workCenterId: string;
  readonly serial: string;
  readonly notAfter: string;
}

/** How often the last contact of a device is written: at most once a minute, so requests do not each cost a write. */
const LAST_SEEN_INTERVAL_MS = 60_000;

/** How often a refusal of one certificate is audited: enough to see a revoked device knocking, not a flood. */
const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

/** Verified certificates remembered at most (a plant's devices, renewed monthly); the memory is emptied when full. */
const VERIFIED_CACHE_SIZE = 10_000;

/** A CRL is signed again at least this often even when nothing changed (its nextUpdate is 24 h on). */
const CRL_REFRESH_MS = 3_600_000;
const CRL_VALIDITY_MS = 86_400_000;

/** The CA that signs device certificates, or how to make it when first needed (a throw-away one in tests). */
export type DeviceCaSource = CertificateAuthority | (() => Promise<CertificateAuthority>);

/** A refusal decided inside a write transaction: thrown to roll it back, audited after. */
class Refusal extends Error {
  constructor(readonly code: ErrorCode, readonly reason: string) {
    super(reason);
  }
}

function deviceActor(deviceId: string | undefined, source: string | null): AuditActor {
  return { userId: null, username: deviceId === undefined ? 'anonymous' : `device:${deviceId}`, source };
}

/**
 * The certificate side of devices: enrolment with a one-time token, renewal with a valid
 * certificate, the check of a client certificate on every request, and the CRL. The CA key signs
 * certificates and CRLs; the database says which certificates exist and which are revoked.
 */
export class DeviceCertificates {
  readonly #audit: AuditTrail;
  #ca: Promise<CertificateAuthority> | undefined;
  #authority: Promise<DeviceAuthority> | undefined;
  #crl: { readonly fingerprint: string; readonly number: bigint; readonly crl: DeviceCrl } | undefined;
  readonly #refusalsAudited = new Map<string, number>();
  /** Certificates whose own checks passed, by SHA-256 of their bytes: re-verifying the chain in JS on every request was the hot path of device traffic. */
  readonly #verifiedCertificates = new Map<string, VerifiedDeviceCertificate>();

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly ca: DeviceCaSource }) {
    this.#audit = new AuditTrail(deps);
  }

  /**
   * Enrols a device: the token must be known, unused and unexpired, its device active, and the CSR
   * verify and name the device. The token is spent and the certificate stored in one transaction with
   * the audit entry; every refusal is audited and spends nothing.
   */
  async enrol(input: unknown, source: string | null): Promise<IssuedDeviceCertificateView> {
    const request = parseOrThrow(enrolRequestSchema, input, 'enrolment request');
    const claimed = enrolmentTokenDevice(request.token);
    const tokenHash = hashToken(request.token);
    const token = claimed === undefined ? undefined : await this.deps.store.db
      .selectFrom('device_enrolment_tokens')
      .innerJoin('devices', 'devices.id', 'device_enrolment_tokens.device_id')
      .select(['device_enrolment_tokens.id', 'device_enrolment_tokens.device_id', 'device_enrolment_tokens.work_center_id', 'device_enrolment_tokens.expires_at',
        'device_enrolment_tokens.used_at', 'devices.status'])
      // Found by the SHA-256 of the token: no secret is compared in JavaScript.
      .where('device_enrolment_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
    const refuse = async (code: ErrorCode, reason: string, detail: Record<string, unknown> = {}): Promise<never> => {
      await this.#audit.recordAlone({
        kind: 'device.enrol', outcome: 'denied', actor: deviceActor(token?.device_id, source),
        detail: { deviceId: token?.device_id ?? null, tokenId: token?.id ?? null, ...detail, reason },
      });
      throw new ForgelineError(code, reason);
    };
    if (token === undefined) return refuse('enrolment-token-invalid', 'the enrolment token is not known: ask an admin for a new one (forgeline device token)');
    const now = this.deps.clock.now();
    if (token.used_at !== null) return refuse('enrolment-token-invalid', `the enrolment token was already used at ${token.used_at}; each token enrols once`);
    if (Date.parse(token.expires_at) <= now.getTime()) return refuse('enrolment-token-invalid', `the enrolment token expired at ${token.expires_at}; ask an admin for a new one`);
    if (token.status !== 'active') return refuse('enrolment-token-invalid', 'the device of this enrolment token is revoked');
    const device = { deviceId: token.device_id, workCenterId: token.work_center_id };
    const csr = await this.#checkedCsr(request.csr, device, (reason, detail) => refuse('csr-invalid', reason, detail));
    const issued = await issueDeviceCertificate(await this.#authorityKey(), { ...device, csr, now });
    const actor = deviceActor(device.deviceId, source);
    try {
      await withWriteTransaction(this.deps.store, async (trx) => {
        // Spent only if still unspent: of two enrolments racing with one token, one wins.
        const spent = await trx.updateTable('device_enrolment_tokens').set({ used_at: now.toISOString() })
          .where('id', '=', token.id).where('used_at', 'is', null).executeTakeFirst();
        if (Number(spent.numUpdatedRows) !== 1) throw new Refusal('enrolment-token-invalid', 'the enrolment token was already used; each token enrols once');
        if (!(await lockActiveDevice(trx, device.deviceId))) throw new Refusal('enrolment-token-invalid', 'the device of this enrolment token is revoked');
        await this.#store(trx, device, issued, now);
        await this.#audit.record(trx, {
          kind: 'device.enrol', outcome: 'ok', actor,
          detail: { ...device, tokenId: token.id, serial: issued.serial, notAfter: issued.notAfter.toISOString(), keyType: csr.keyType, publicKeySha256: csr.publicKeySha256 },
        });
      });
    } catch (error) {
      if (error instanceof Refusal) return refuse(error.code, error.reason, { serial: issued.serial });
      throw error;
    }
    return this.#view(device, issued, await this.caCertificatePem());
  }

  /**
   * Renews the certificate of the device presenting `peerCertificate`: it must pass {@link check}
   * (so a revoked or expired certificate cannot renew), and the CSR must verify and name the same
   * device. The new certificate has a new serial; the old one stays valid until it expires.
   */
  async renew(peerCertificate: Uint8Array | string | undefined, input: unknown, source: string | null): Promise<IssuedDeviceCertificateView> {
    parseOrThrow(renewRequestSchema, input, 'renewal request');
    return this.renewFor(await this.check(peerCertificate, source), input, source);
  }

  /** {@link renew} for a caller whose certificate {@link check} accepted for this request. */
  async renewFor(caller: AuthenticatedDevice, input: unknown, source: string | null): Promise<IssuedDeviceCertificateView> {
    const request = parseOrThrow(renewRequestSchema, input, 'renewal request');
    const device = { deviceId: caller.deviceId, workCenterId: caller.workCenterId };
    const actor = deviceActor(device.deviceId, source);
    const refuse = async (code: ErrorCode, reason: string, detail: Record<string, unknown> = {}): Promise<never> => {
      await this.#audit.recordAlone({ kind: 'device.renew', outcome: 'denied', actor, detail: { ...device, previousSerial: caller.serial, ...detail, reason } });
      throw new ForgelineError(code, reason);
    };
    const csr = await this.#checkedCsr(request.csr, device, (reason, detail) => refuse('csr-invalid', reason, detail));
    const now = this.deps.clock.now();
    const issued = await issueDeviceCertificate(await this.#authorityKey(), { ...device, csr, now });
    try {
      await withWriteTransaction(this.deps.store, async (trx) => {
        // Revoked between the check and now: the revocation wins.
        if (!(await lockActiveDevice(trx, device.deviceId))) throw new Refusal('certificate-revoked', 'the device was revoked');
        const current = await trx.selectFrom('device_certificates').select('revoked_at').where('serial', '=', caller.serial).executeTakeFirst();
        if (current?.revoked_at !== null) throw new Refusal('certificate-revoked', 'the client certificate was revoked');
        await this.#store(trx, device, issued, now);
        await this.#audit.record(trx, {
          kind: 'device.renew', outcome: 'ok', actor,
          detail: { ...device, previousSerial: caller.serial, serial: issued.serial, notAfter: issued.notAfter.toISOString(), keyType: csr.keyType, publicKeySha256: csr.publicKeySha256 },
        });
      });
    } catch (error) {
      if (error instanceof Refusal) return refuse(error.code, error.reason, { serial: issued.serial });
      throw error;
    }
    return this.#view(device, issued, await this.caCertificatePem());
  }

  /**
   * The device of a client certificate, checked on every request: issued by this CA, valid now,
   * for clientAuth, stored (so issued by enrolment or renewal, byte for byte), neither it nor its
   * device revoked. Refusals throw certificate-invalid or certificate-revoked and are audited
   * (at most once a minute per certificate); the last contact is recorded at most once a minute.
   */
  async check(peerCertificate: Uint8Array | string | undefined, source: string | null): Promise<AuthenticatedDevice> {
    if (peerCertificate === undefined || peerCertificate.length === 0) {
      throw new ForgelineError('certificate-invalid', 'no client certificate was presented: connect over HTTPS with the device\'s certificate and key');
    }
    const now = this.deps.clock.now();
    const fingerprint = createHash('sha256').update(typeof peerCertificate === 'string' ? peerCertificate : Buffer.from(peerCertificate)).digest('hex');
    const presented = await this.#verified(peerCertificate, fingerprint, now);
    if (typeof presented === 'string') return this.#refuseCertificate('certificate-invalid', presented, { fingerprint }, source, now);
    const row = await this.deps.store.db
      .selectFrom('device_certificates')
      .innerJoin('devices', 'devices.id', 'device_certificates.device_id')
      .select(['device_certificates.certificate_pem', 'device_certificates.revoked_at', 'device_certificates.work_center_id', 'device_certificates.not_after',
        'devices.id', 'devices.name', 'devices.kind', 'devices.status', 'devices.last_seen_at'])
      .where('device_certificates.serial', '=', presented.serial)
      .executeTakeFirst();
    const detail = { serial: presented.serial, deviceId: presented.deviceId, fingerprint };
    if (row === undefined || !pemDer(row.certificate_pem).equals(presented.der) || row.id !== presented.deviceId) {
      return this.#refuseCertificate('certificate-invalid', 'the client certificate was not issued to a device by this Forgeline', detail, source, now);
    }
    if (row.revoked_at !== null) return this.#refuseCertificate('certificate-revoked', `the client certificate was revoked at ${row.revoked_at}`, detail, source, now);
    if (row.status !== 'active') return this.#refuseCertificate('certificate-revoked', 'the device was revoked', detail, source, now);
    await this.#touch(row.id, row.last_seen_at, now);
    return { deviceId: row.id, name: row.name, kind: row.kind, workCenterId: row.work_center_id, serial: presented.serial, notAfter: row.not_after };
  }

  /**
   * The certificate's own checks (issuer, signature, usage, names), which depend only on its bytes
   * and the CA, made once per certificate (by SHA-256 of its bytes) and remembered; its validity
   * window is checked on every request, and the database check (stored, not revoked) is the
   * caller's, every time. Answers why it is refused, as a string, or what it says.
   */
  async #verified(peerCertificate: Uint8Array | string, fingerprint: string, now: Date): Promise<VerifiedDeviceCertificate | string> {
    const known = this.#verifiedCertificates.get(fingerprint);
    if (known !== undefined) return validityProblem(known, now) ?? known;
    const verified = await verifyDeviceCertificate(await this.#authorityKey(), peerCertificate, now);
    if (!verified.ok) return verified.reason;
    if (this.#verifiedCertificates.size >= VERIFIED_CACHE_SIZE) this.#verifiedCertificates.clear();
    this.#verifiedCertificates.set(fingerprint, verified.value);
    return verified.value;
  }

  /**
   * The current CRL: signed again when the set of revoked certificates changed, and at least hourly
   * (nextUpdate is 24 h on). A certificate stays listed until it expires (RFC 5280 §3.3). The CRL
   * number is the signing time in milliseconds, so it grows across server instances too.
   */
  async crl(): Promise<DeviceCrl> {
    const now = this.deps.clock.now();
    const rows = await this.deps.store.db.selectFrom('device_certificates').select(['serial', 'revoked_at', 'revocation_reason'])
      .where('revoked_at', 'is not', null).where('not_after', '>', now.toISOString()).orderBy('serial').execute();
    const revoked = rows.map((row) => ({ serial: row.serial, revokedAt: new Date(row.revoked_at ?? 0), reason: (row.revocation_reason ?? 'unspecified') as CrlReason }));
    const fingerprint = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    const cached = this.#crl;
    if (cached?.fingerprint === fingerprint && now.getTime() - cached.crl.thisUpdate.getTime() < CRL_REFRESH_MS) return cached.crl;
    const byTime = BigInt(now.getTime());
    const number = cached !== undefined && cached.number >= byTime ? cached.number + 1n : byTime;
    const crl = await buildDeviceCrl(await this.#authorityKey(), { revoked, thisUpdate: now, nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS), crlNumber: number });
    this.#crl = { fingerprint, number, crl };
    return crl;
  }

  async #checkedCsr(pem: string, device: { deviceId: string; workCenterId: string }, refuse: (reason: string, detail: Record<string, unknown>) => Promise<never>): Promise<DeviceCsr> {
    const parsed = await parseDeviceCsr(pem);
    if (!parsed.ok) return refuse(parsed.reason, {});
    const mismatch = csrSubjectMismatch(parsed.value, device);
    if (mismatch !== undefined) return refuse(mismatch, { csrSubject: parsed.value.subject.slice(0, 200), publicKeySha256: parsed.value.publicKeySha256 });
    return parsed.value;
  }

  /** The CA certificate (PEM): what devices trust the server by, and the issuer of their certificates. */
  async caCertificatePem(): Promise<string> {
    return (await this.#certificateAuthority()).certificatePem;
  }

  #certificateAuthority(): Promise<CertificateAuthority> {
    const source = this.deps.ca;
    this.#ca ??= typeof source === 'function' ? source() : Promise.resolve(source);
    return this.#ca;
  }

  #authorityKey(): Promise<DeviceAuthority> {
    this.#authority ??= this.#certificateAuthority().then(loadDeviceAuthority);
    return this.#authority;
  }

  async #store(trx: WriteTransaction, device: { deviceId: string; workCenterId: string }, issued: IssuedDeviceCertificate, now: Date): Promise<void> {
    await trx.insertInto('device_certificates').values({
      serial: issued.serial, device_id: device.deviceId, work_center_id: device.workCenterId, subject: issued.subject,
      not_before: issued.notBefore.toISOString(), not_after: issued.notAfter.toISOString(), certificate_pem: issued.certificatePem,
      issued_at: now.toISOString(), revoked_at: null, revocation_reason: null,
    }).execute();
  }

  #view(device: { deviceId: string; workCenterId: string }, issued: IssuedDeviceCertificate, caPem: string): IssuedDeviceCertificateView {
    return {
      ...device, serial: issued.serial, subject: issued.subject, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString(),
      certificatePem: issued.certificatePem, chainPem: issued.chainPem, caPem,
    };
  }

  async #refuseCertificate(code: 'certificate-invalid' | 'certificate-revoked', reason: string, detail: { fingerprint: string; serial?: string; deviceId?: string }, source: string | null, now: Date): Promise<never> {
    const last = this.#refusalsAudited.get(detail.fingerprint);
    if (last === undefined || now.getTime() - last >= REFUSAL_AUDIT_INTERVAL_MS) {
      if (this.#refusalsAudited.size > 10_000) this.#refusalsAudited.clear();
      this.#refusalsAudited.set(detail.fingerprint, now.getTime());
      await this.#audit.recordAlone({ kind: 'device.certificate-refused', outcome: 'denied', actor: deviceActor(detail.deviceId, source), detail: { ...detail, code, reason } });
    }
    throw new ForgelineError(code, reason);
  }

  async #touch(deviceId: string, lastSeenAt: string | null, now: Date): Promise<void> {
    if (lastSeenAt !== null && now.getTime() - Date.parse(lastSeenAt) < LAST_SEEN_INTERVAL_MS) return;
    const stale = new Date(now.getTime() - LAST_SEEN_INTERVAL_MS).toISOString();
    await withWriteTransaction(this.deps.store, (trx) =>
      trx.updateTable('devices').set({ last_seen_at: now.toISOString() }).where('id', '=', deviceId)
        // Two instances (or two requests) racing write once: the second finds the row fresh.
        .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<=', stale)]))
        .execute(),
    );
  }
}

/**
 * True when the device is active, and then its row stays locked until the transaction ends: a
 * revocation racing an issuance waits for it (PostgreSQL row lock; SQLite runs one writer at a
 * time), so it revokes the new certificate too rather than leave it unlisted in the CRL.
 */
async function lockActiveDevice(trx: WriteTransaction, deviceId: string): Promise<boolean> {
  const touched = await trx.updateTable('devices').set((eb) => ({ status: eb.ref('status') })).where('id', '=', deviceId).where('status', '=', 'active').executeTakeFirst();
  return Number(touched.numUpdatedRows) === 1;
}

/** The DER inside a stored PEM certificate. */
function pemDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
}
