/** The shapes the admin routes answer with (src/server: session, access, plant, device, zone and key routes). */
import type { Role, RoleAssignment } from '../types';

/** A user as `GET /api/v1/users` lists them. */
export interface UserEntry {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly passwordMustChange: boolean;
  readonly mfaEnabled: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly createdAt: string;
}

/** What `POST /api/v1/users` takes: the password is one-time unless `temporaryPassword` is false. */
export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly password: string;
  readonly roles: readonly { readonly role: Role; readonly scopeNodeId: string | null }[];
}

/** The plant levels, enterprise down to work unit. */
export type PlantLevel = 'enterprise' | 'site' | 'area' | 'work-center' | 'work-unit';

/** A plant node (`GET /api/v1/plant`), parents before children; `path` holds its ancestors' ids and its own. */
export interface PlantNode {
  readonly id: string;
  readonly kind: PlantLevel;
  readonly code: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly path: readonly string[];
}

/** A device certificate as listed. */
export interface DeviceCertificate {
  readonly serial: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
  readonly status: 'valid' | 'expired' | 'revoked';
  readonly revokedAt: string | null;
}

/** A device with its newest certificate (`GET /api/v1/devices`). */
export interface DeviceEntry {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly workCenterId: string;
  readonly status: 'active' | 'revoked';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly lastSeenAt: string | null;
  readonly certificate: DeviceCertificate | null;
}

/** A device revoked, with every certificate it had. */
export interface DeviceDetail extends DeviceEntry {
  readonly certificates: readonly DeviceCertificate[];
}

/** An enrolment token just minted: shown once. */
export interface EnrolmentToken {
  readonly id: string;
  readonly deviceId: string;
  readonly workCenterId: string;
  readonly expiresAt: string;
  readonly token: string;
}

/** The RFC 5280 CRL reasons a device revocation takes. */
export const CRL_REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'] as const;

/** One of {@link CRL_REASONS}. */
export type CrlReason = (typeof CRL_REASONS)[number];

/** The zones and conduits in force (`GET /api/v1/zones`). */
export interface ZoneMap {
  readonly version: number;
  readonly descriptionHash: string | null;
  readonly updatedAt: string | null;
  readonly zones: readonly { readonly id: string; readonly code: string; readonly name: string; readonly securityLevel: number; readonly members: readonly string[] }[];
  readonly conduits: readonly { readonly id: string; readonly code: string; readonly zone: string; readonly zoneId: string; readonly transport: string; readonly flows: readonly string[] }[];
}

/** An order-signing key with its lifecycle (`GET /api/v1/keys/signing`), newest first. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: string;
  readonly status: 'active' | 'retired' | 'revoked';
  readonly createdAt: string;
  readonly retiredAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedSince: string | null;
  readonly revokedReason: string | null;
}

/** What one key-encryption-key rotation did (`POST /api/v1/keys/rotate-kek`). */
export interface KekRotation {
  readonly from: string;
  readonly to: string;
  readonly dataKeys: number;
  readonly signingKeys: number;
  readonly totpSecrets: number;
  readonly retired: boolean;
}
