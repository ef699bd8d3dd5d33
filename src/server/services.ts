import { AccountGuard, ApiTokenService, LoginThrottle, MfaService, SessionDirectory, SessionService, SitePolicyService, UserService } from '../access/index.js';
import { AuditLog, AuditQueries, ephemeralAuditIdentity, parseWitnessKey, type AuditLogIdentity, type Clock, type NoteVerifier } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { createCertificateAuthority, type CertificateAuthority, type Keyring } from '../crypto/index.js';
import { DeviceReportService, DeviceService, OrderFeed } from '../devices/index.js';
import { ephemeralKeyring, KekRotation, SigningKeyService, SwappableKeyring, type KeyringFileRotation } from '../keys/index.js';
import { DispatchSignal, OrderChangeSignal, OrderSecrets, OrderService, type OrderSigner } from '../orders/index.js';
import { ItemService, PlantService, PlantTimeService, ZoneService } from '../plant/index.js';
import type { Store } from '../store/index.js';

/** Every service the API and the CLI reach, built over one store and one clock. */
export interface Services {
  readonly store: Store;
  /** The clock every service reads (a fixed one in tests). */
  readonly clock: Clock;
  readonly sessions: SessionService;
  readonly users: UserService;
  /** Live sessions listed and revoked by their owners and admins. */
  readonly sessionDirectory: SessionDirectory;
  /** Second factors (TOTP): enrolment, recovery codes, disabling and admin reset. */
  readonly mfa: MfaService;
  /** The site's access policy: MFA for all, conflicting roles, session and lockout settings. */
  readonly policy: SitePolicyService;
  /** API tokens for integrations: minted, listed, revoked, and resolved at the HTTP edge. */
  readonly apiTokens: ApiTokenService;
  readonly plant: PlantService;
  /** The plant's time zone and shift starts: the overview's shifts, the dates the web shows. */
  readonly plantTime: PlantTimeService;
  readonly items: ItemService;
  readonly orders: OrderService;
  readonly audit: AuditQueries;
  readonly auditLog: AuditLog;
  /** The order-signing keys: rotated, revoked, listed as the JWKS. */
  readonly signingKeys: SigningKeyService;
  /** The keyring wrapping data keys and private keys (its KEKs replaced by rotation while running). */
  readonly keyring: SwappableKeyring;
  /** `keys rotate-kek`: a new key-encryption key, and every wrapped key re-wrapped with it. */
  readonly kekRotation: KekRotation;
  /** The witnesses whose cosignatures the log accepts; empty: any well-formed cosignature is kept. */
  readonly acceptedWitnesses: readonly NoteVerifier[];
  /** Devices: registry, enrolment tokens, client certificates, revocation and the CRL. */
  readonly devices: DeviceService;
  /** Announces each committed dispatch to the shop-floor transports (HTTPS stream, MQTT). */
  readonly dispatches: DispatchSignal;
  /** Announces each committed change of an order to the people's live views (the order event stream). */
  readonly orderChanges: OrderChangeSignal;
  /** IEC 62443 zones and conduits, and the check every dispatch, device connection and report asks. */
  readonly zones: ZoneService;
  /** Devices' signed reports on their orders: checked, applied as the device, stored once per idempotency key. */
  readonly reports: DeviceReportService;
  /** The orders waiting for a work center's devices, and word of new dispatches, for the device order stream. */
  readonly orderFeed: OrderFeed;
}

/** Options of {@link createServices}. */
export interface ServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** The key the audit log signs checkpoints with; a throw-away one when absent (tests, init). */
  readonly auditIdentity?: AuditLogIdentity;
  /** Witness key lines (cosignature keys, C2SP tlog-cosignature) whose cosignatures are accepted. */
  readonly witnessKeys?: readonly string[];
  /** The data folder's keyring; a throw-away one in memory when absent (tests, tools that never sign). */
  readonly keyring?: Keyring;
  /** How the keyring file makes a new KEK and drops an old one (file keyrings only; others cannot rotate online). */
  readonly keyringFile?: KeyringFileRotation;
  /** The JWS `iss` of released orders: this installation's name (its audit origin). */
  readonly issuer?: string;
  /** The CA that signs device certificates (the data folder's); a throw-away one, made when first needed, when absent (tests). */
  readonly deviceCa?: CertificateAuthority;
}

/** The composition root of the services: the one place they are wired together. */
export function createServices(options: ServiceOptions): Services {
  const deps = { store: options.store, clock: options.clock };
  const policy = new SitePolicyService(deps);
  const throttle = new LoginThrottle(deps);
  const guard = new AccountGuard({ ...deps, throttle, policy });
  const auditIdentity = options.auditIdentity ?? ephemeralAuditIdentity();
  const keyring = new SwappableKeyring(options.keyring ?? ephemeralKeyring());
  const signingKeys = new SigningKeyService({ ...deps, keyring });
  const signer: OrderSigner = {
    issuer: options.issuer ?? auditIdentity.origin,
    activeKey: () => signingKeys.activeKey(),
    verificationKeys: () => signingKeys.verificationKeys(),
  };
  const dispatches = new DispatchSignal();
  const orderChanges = new OrderChangeSignal();
  const zones = new ZoneService(deps);
  const orders = new OrderService({ ...deps, policy, signer, secrets: new OrderSecrets(keyring), keyring, dispatches, changes: orderChanges, conduits: zones });
  return {
    store: options.store,
    clock: options.clock,
    sessions: new SessionService({ ...deps, policy, throttle, guard, keyring }),
    users: new UserService({ ...deps, policy, guard }),
    sessionDirectory: new SessionDirectory({ ...deps, policy }),
    mfa: new MfaService({ ...deps, policy, guard, keyring }),
    policy,
    apiTokens: new ApiTokenService(deps),
    plant: new PlantService(deps),
    plantTime: new PlantTimeService(deps),
    items: new ItemService(deps),
    orders,
    audit: new AuditQueries(deps),
    auditLog: new AuditLog({ ...deps, identity: auditIdentity }),
    signingKeys,
    keyring,
    kekRotation: new KekRotation({ ...deps, keyring, file: options.keyringFile }),
    acceptedWitnesses: (options.witnessKeys ?? []).map((line) => {
      const witness = parseWitnessKey(line);
      if (!witness.ok) throw new ForgelineError('validation-failed', `not a witness key: ${witness.error.message}`);
      return witness.value;
    }),
    devices: new DeviceService({
      ...deps,
      // Made on the services' clock (a day back), so certificates issued on a test clock fall within it.
      ca: options.deviceCa ?? (() => createCertificateAuthority({ commonName: 'Forgeline throw-away device CA', validityDays: 3650, now: new Date(options.clock.now().getTime() - 86_400_000) })),
    }),
    dispatches,
    orderChanges,
    zones,
    reports: new DeviceReportService({ ...deps, orders, zones }),
    orderFeed: new OrderFeed({ ...deps, zones, dispatches }),
  };
}
