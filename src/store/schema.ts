/**
 * Table types for Kysely. The column types are the ones both engines hand
 * back: ids, ISO-8601 UTC timestamps, decimal quantities and JSON are text;
 * counters are integers (PostgreSQL int8 is parsed to a JS number on open);
 * flags are 0/1 integers because SQLite has no boolean.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A 0/1 flag; CHECK constraints in the migration keep it to these two. */
export type Flag = 0 | 1;

/** One node of the ISA-95 equipment hierarchy (enterprise down to work unit). */
export interface PlantNodesTable {
  id: string;
  kind: 'enterprise' | 'site' | 'area' | 'work-center' | 'work-unit';
  code: string;
  name: string;
  parent_id: string | null;
  /** Ancestor ids including self, as `/root/.../self/`, so a scope is a prefix query. */
  path: string;
  created_at: string;
}

/** An item (material or product) by code and revision. */
export interface ItemsTable {
  id: string;
  code: string;
  revision: string;
  description: string;
  unit: string;
  created_at: string;
}

/** A person who signs in; devices and integrations are stored elsewhere. */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  disabled: Flag;
  password_must_change: Flag;
  created_at: string;
  updated_at: string;
  /** Hex of the confirmed TOTP secret; null while MFA is not enrolled. */
  mfa_secret: ColumnType<string | null, string | null | undefined, string | null>;
  mfa_enabled_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The last accepted TOTP time step (a code at or before it is refused). */
  mfa_last_step: ColumnType<number | null, number | null | undefined, number | null>;
  /** Hex of a TOTP secret shown for enrolment and not yet confirmed. */
  mfa_pending_secret: ColumnType<string | null, string | null | undefined, string | null>;
  mfa_pending_at: ColumnType<string | null, string | null | undefined, string | null>;
  password_changed_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A single-use MFA recovery code, stored as the SHA-256 of its normalized form. */
export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** Failed sign-ins per account or source address, for throttling and temporary lockout. */
export interface LoginThrottleTable {
  /** 'account:<username>' or 'source:<address>'. */
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

/** A bearer token for an integration, acting as `user_id` within its actions and scope. */
export interface ApiTokensTable {
  id: string;
  name: string;
  user_id: string;
  token_hash: string;
  /** JSON array of action names. */
  actions: string;
  scope_node_id: string | null;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  last_used_source: string | null;
}

/** One setting of the site's access policy (JSON value). */
export interface SiteSettingsTable {
  key: string;
  value: string;
  updated_by: string;
  updated_at: string;
}

/** A role granted to a user on a plant node and everything below it (null: the whole enterprise). */
export interface RoleAssignmentsTable {
  id: string;
  user_id: string;
  role: string;
  scope_node_id: string | null;
  created_at: string;
}

/** A sign-in session; only the hash of its bearer token is stored. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  source: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  /** Refreshed at most once a minute; the idle expiry counts from it. */
  last_seen_at: ColumnType<string | null, string | null | undefined, string | null>;
  revoked_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Until when a signature in this session needs the password only (set by a password+TOTP signature). */
  signing_until: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The current state of a production order; its content lives in `order_revisions`. */
export interface OrdersTable {
  id: string;
  number: string;
  site_id: string;
  work_center_id: string;
  state: string;
  /** The state the order returns to when a hold is released. */
  held_from: string | null;
  /** The current revision number (see `order_revisions`). */
  revision: number;
  /** Optimistic-concurrency counter, bumped on every change. */
  version: number;
  content_hash: string;
  priority: string;
  due_end: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  good_quantity: string;
  scrap_quantity: string;
  unit: string;
  /** The current revision's item code, for the list's item search (migration 0015). */
  item_code: string | null;
  /**
   * The blind index of the current revision's customer reference (migration 0015): an HMAC tag,
   * '' when it has none, null while not indexed yet (`forgeline order reindex`).
   */
  customer_tag: string | null;
}

/** An immutable revision of an order's content, hashed over its canonical JSON. */
export interface OrderRevisionsTable {
  order_id: string;
  revision: number;
  content_hash: string;
  /** Canonical JSON of the non-confidential content. */
  content: string;
  /** JSON of the confidential fields (envelope-encrypted in a later issue). */
  confidential: string;
  created_by: string;
  created_at: string;
}

/** An electronic signature (who, meaning, when) over one revision's content hash. */
export interface OrderSignaturesTable {
  id: string;
  order_id: string;
  revision: number;
  signer_id: string;
  meaning: string;
  content_hash: string;
  signed_at: string;
  /** The order action signed for: release, cancel, unhold or close. */
  action: ColumnType<string, string | undefined, string>;
  /** The order's version when it was signed (0 for signatures made before this was recorded). */
  order_version: ColumnType<number, number | undefined, number>;
}

/** One progress report for an order, numbered densely per order by `seq`. */
export interface OrderProgressTable {
  id: string;
  order_id: string;
  seq: number;
  operation_seq: number;
  good: string;
  scrap: string;
  /** JSON array of consumed material lots (genealogy). */
  lots: string;
  reported_by: string;
  reported_at: string;
}

/** A client-chosen idempotency key, so a retried create returns the first result. */
export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  order_id: string;
  created_at: string;
}

/** One audit log entry; `entry` holds the exact bytes whose leaf hash is in the Merkle tree. */
export interface AuditEntriesTable {
  /** Dense from 0, assigned by `appendAuditEntry`. */
  idx: number;
  at: string;
  actor_id: string | null;
  actor: string;
  source: string | null;
  kind: string;
  outcome: 'ok' | 'denied';
  order_id: string | null;
  revision: number | null;
  hash_before: string | null;
  hash_after: string | null;
  /** Canonical JSON of the event's detail. */
  detail: string;
  /** Canonical JSON of the whole entry: the leaf's bytes (RFC 9162 §2.1.1). */
  entry: string;
  /** Hex SHA-256 of 0x00 || entry. */
  leaf_hash: string;
  /**
   * The Merkle tree's perfect subtrees this entry completed, as concatenated lowercase hex hashes,
   * lowest level first: level L, at [64L, 64L + 64), is the subtree (L, (idx + 1) / 2^L − 1), and
   * level 0 is `leaf_hash` (see audit-row-nodes.ts).
   */
  nodes: string;
}

/**
 * PostgreSQL: an audit entry written by its change's transaction and not yet given its index
 * (migration 0007); `forgeline_audit_sequence` moves it into `audit_entries` right after the
 * commit. Empty on SQLite, which appends in the change's transaction.
 */
export interface AuditQueueTable {
  seq: Generated<number>;
  entry_before: string;
  entry_after: string;
  at: string;
  actor_id: string | null;
  actor: string;
  source: string | null;
  kind: string;
  outcome: 'ok' | 'denied';
  order_id: string | null;
  revision: number | null;
  hash_before: string | null;
  hash_after: string | null;
  detail: string;
}

/** An order-signing key (migration 0008). */
export interface SigningKeysTable {
  /** The JWS `kid`: the RFC 7638 JWK thumbprint of the public key. */
  kid: string;
  algorithm: 'EdDSA';
  /** The public JWK, canonical JSON. */
  public_jwk: string;
  /** The keyring key-encryption key that wraps the private key. */
  kek_id: string;
  /** The PKCS#8 DER private key, wrapped (keyring format). */
  private_key_wrapped: string;
  status: 'active' | 'retired' | 'revoked';
  created_at: string;
  retired_at: string | null;
  revoked_at: string | null;
  /** Signatures made at or after this time are refused. */
  revoked_since: string | null;
  revoked_reason: string | null;
}

/** The compact JWS of a released revision (migration 0008). */
export interface OrderJwsTable {
  order_id: string;
  revision: number;
  kid: string;
  jti: string;
  /** The work center the order is for (the JWS `aud`). */
  audience: string;
  issued_at: string;
  expires_at: string;
  jws: string;
  /** The release attestation (migration 0016): no confidential field; null when released before it. */
  attestation: string | null;
}

/** An order's data key, wrapped by a key-encryption key of the keyring (migration 0008). */
export interface OrderDataKeysTable {
  order_id: string;
  kek_id: string;
  wrapped_key: string;
  created_at: string;
}

/** A key of a blind search index, wrapped by a KEK of the keyring like the orders' data keys (migration 0015). */
export interface SearchKeysTable {
  purpose: string;
  kek_id: string;
  wrapped_key: string;
  created_at: string;
}

/** A machine or edge agent of a work center, identified by its client certificates (migration 0009). */
export interface DevicesTable {
  id: string;
  name: string;
  kind: string;
  work_center_id: string;
  status: 'active' | 'revoked';
  created_by: string;
  created_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  /** The last accepted client-certificate check, to the minute. */
  last_seen_at: string | null;
}

/** A one-time enrolment token of a device; only the SHA-256 of the token is stored (migration 0009). */
export interface DeviceEnrolmentTokensTable {
  id: string;
  token_hash: string;
  device_id: string;
  work_center_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A client certificate issued to a device by the Forgeline CA (migration 0009). */
export interface DeviceCertificatesTable {
  /** Lowercase hex serial number. */
  serial: string;
  device_id: string;
  work_center_id: string;
  subject: string;
  not_before: string;
  not_after: string;
  certificate_pem: string;
  issued_at: string;
  revoked_at: string | null;
  /** RFC 5280 CRLReason name. */
  revocation_reason: string | null;
}

/** An IEC 62443 zone drawn on the plant hierarchy (migration 0010). */
export interface ZonesTable {
  id: string;
  code: string;
  name: string;
  /** Target security level SL-T, 1..4 (IEC 62443-3-3). */
  security_level: number;
  created_at: string;
}

/** A plant node (site, area or work center) that is a member of a zone; a node is in at most one (migration 0010). */
export interface ZoneMembersTable {
  node_id: string;
  zone_id: string;
}

/** The permitted flows between the server and one zone over one transport (migration 0010). */
export interface ConduitsTable {
  id: string;
  code: string;
  zone_id: string;
  transport: 'https' | 'mqtt';
  /** Server to zone: orders dispatched to the zone's devices. */
  carries_orders: Flag;
  /** Zone to server: the devices' reports. */
  carries_reports: Flag;
  created_at: string;
}

/** The one row saying which replacement of the zones is in force (migration 0010). */
export interface ZonePlanTable {
  id: number;
  version: number;
  description_hash: string | null;
  updated_by: string | null;
  updated_at: string | null;
}

/** A report a device sent about an order dispatched to it, stored once per idempotency key (migration 0011). */
export interface DeviceReportsTable {
  device_id: string;
  idempotency_key: string;
  order_id: string;
  revision: number;
  work_center_id: string;
  kind: string;
  via: 'https' | 'mqtt';
  /** RFC 8785 canonical JSON of the report: the bytes the signature covers. */
  body: string;
  /** Hex SHA-256 of `body`: a resend under the same key must match it. */
  body_hash: string;
  /** The device's signature over `body` (base64url). */
  signature: string;
  certificate_serial: string;
  reported_at: string;
  received_at: string;
  applied: Flag;
  /** The order's state once the report was handled. */
  order_state: string;
  note: string | null;
}

/**
 * A derived copy of the `audit_entries` columns auditors filter on, carrying the secondary
 * indexes so an order change writes only its entry row. Filled outside order transactions by
 * `catchUpAuditLookup`; it only finds indices, and verification never reads it.
 */
export interface AuditLookupTable {
  idx: number;
  at: string;
  actor_id: string | null;
  kind: string;
  outcome: 'ok' | 'denied';
  order_id: string | null;
}

/** A signed checkpoint of the audit log (C2SP tlog-checkpoint in a signed note). */
export interface AuditCheckpointsTable {
  size: number;
  /** Hex root hash of the tree of `size` entries. */
  root_hash: string;
  note: string;
  created_at: string;
}

/** The Kysely database type: every table Forgeline stores. */
export interface Database {
  plant_nodes: PlantNodesTable;
  items: ItemsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  sessions: SessionsTable;
  orders: OrdersTable;
  order_revisions: OrderRevisionsTable;
  order_signatures: OrderSignaturesTable;
  order_progress: OrderProgressTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_entries: AuditEntriesTable;
  audit_lookup: AuditLookupTable;
  audit_queue: AuditQueueTable;
  signing_keys: SigningKeysTable;
  order_jws: OrderJwsTable;
  order_data_keys: OrderDataKeysTable;
  search_keys: SearchKeysTable;
  audit_checkpoints: AuditCheckpointsTable;
  recovery_codes: RecoveryCodesTable;
  login_throttle: LoginThrottleTable;
  api_tokens: ApiTokensTable;
  site_settings: SiteSettingsTable;
  devices: DevicesTable;
  device_enrolment_tokens: DeviceEnrolmentTokensTable;
  device_certificates: DeviceCertificatesTable;
  zones: ZonesTable;
  zone_members: ZoneMembersTable;
  conduits: ConduitsTable;
  zone_plan: ZonePlanTable;
  device_reports: DeviceReportsTable;
}

/** Row types as read, inserted and updated, for repositories to share. */
export type PlantNodeRow = Selectable<PlantNodesTable>;
export type ItemRow = Selectable<ItemsTable>;
export type UserRow = Selectable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type RoleAssignmentRow = Selectable<RoleAssignmentsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
export type OrderUpdate = Updateable<OrdersTable>;
export type OrderRevisionRow = Selectable<OrderRevisionsTable>;
export type OrderSignatureRow = Selectable<OrderSignaturesTable>;
export type OrderProgressRow = Selectable<OrderProgressTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type AuditEntryRow = Selectable<AuditEntriesTable>;
export type AuditCheckpointRow = Selectable<AuditCheckpointsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type DeviceCertificateRow = Selectable<DeviceCertificatesTable>;
