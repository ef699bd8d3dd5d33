/** The admin routes the app calls: users, their roles and sessions, the plant, devices, zones and keys. */
import { apiRequest } from '../api';
import type { SessionEntry } from '../types';
import type { CrlReason, DeviceDetail, DeviceEntry, EnrolmentToken, KekRotation, NewUser, PlantNode, SigningKey, UserEntry, ZoneMap } from './admin-types';

const user = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
const device = (id: string) => `/api/v1/devices/${encodeURIComponent(id)}`;

/** Every user with their scoped roles. */
export async function listUsers(): Promise<readonly UserEntry[]> {
  return (await apiRequest<{ items: UserEntry[] }>('/api/v1/users')).items;
}

/** Creates a user with a one-time password (they choose their own at first sign-in). */
export function createUser(request: NewUser): Promise<UserEntry> {
  return apiRequest<UserEntry>('/api/v1/users', { method: 'POST', body: { ...request, temporaryPassword: true } });
}

/** Replaces a user's roles; the server ends their sessions. */
export function setUserRoles(id: string, roles: NewUser['roles']): Promise<UserEntry> {
  return apiRequest<UserEntry>(`${user(id)}/roles`, { method: 'PUT', body: { roles } });
}

/** Disables a user and ends their sessions. */
export function disableUser(id: string): Promise<void> {
  return apiRequest<void>(`${user(id)}/disable`, { method: 'POST' });
}

/** Lets a disabled user sign in again, with the roles they had. */
export function enableUser(id: string): Promise<void> {
  return apiRequest<void>(`${user(id)}/enable`, { method: 'POST' });
}

/** Removes a user's second factor and ends their sessions; they enrol again at their next sign-in. */
export function resetUserMfa(id: string, reason: string): Promise<void> {
  return apiRequest<void>(`${user(id)}/mfa/reset`, { method: 'POST', body: reason.trim() === '' ? {} : { reason: reason.trim() } });
}

/** A user's live sessions. */
export async function listUserSessions(id: string): Promise<readonly SessionEntry[]> {
  return (await apiRequest<{ items: SessionEntry[] }>(`${user(id)}/sessions`)).items;
}

/** Ends one session of a user. */
export function revokeUserSession(id: string, sessionId: string): Promise<void> {
  return apiRequest<void>(`${user(id)}/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
}

/** Ends every session of a user; answers how many ended. */
export async function revokeUserSessions(id: string): Promise<number> {
  return (await apiRequest<{ revoked: number }>(`${user(id)}/sessions`, { method: 'DELETE' })).revoked;
}

/** The plant hierarchy, parents before children. */
export async function listPlant(): Promise<readonly PlantNode[]> {
  return (await apiRequest<{ items: PlantNode[] }>('/api/v1/plant')).items;
}

/** The devices with their newest certificate. */
export async function listDevices(): Promise<readonly DeviceEntry[]> {
  return (await apiRequest<{ items: DeviceEntry[] }>('/api/v1/devices')).items;
}

/** Registers a device in a work center. */
export function registerDevice(request: { readonly name: string; readonly kind: string; readonly workCenterId: string }): Promise<DeviceEntry> {
  return apiRequest<DeviceEntry>('/api/v1/devices', { method: 'POST', body: request });
}

/** Mints a one-time enrolment token for a device, shown only in this answer. */
export function createEnrolmentToken(id: string, ttlMinutes: number): Promise<EnrolmentToken> {
  return apiRequest<EnrolmentToken>(`${device(id)}/enrolment-tokens`, { method: 'POST', body: { ttlMinutes } });
}

/** Revokes a device and all its certificates. */
export function revokeDevice(id: string, reason: string, reasonCode: CrlReason): Promise<DeviceDetail> {
  return apiRequest<DeviceDetail>(`${device(id)}/revoke`, { method: 'POST', body: { reason, reasonCode } });
}

/** The zones and conduits in force. */
export function fetchZones(): Promise<ZoneMap> {
  return apiRequest<ZoneMap>('/api/v1/zones');
}

/** Replaces every zone and conduit with those described; the description is sent as parsed from the editor. */
export function applyZones(description: unknown): Promise<ZoneMap> {
  return apiRequest<ZoneMap>('/api/v1/zones', { method: 'PUT', body: description });
}

/** The order-signing keys, newest first. */
export async function listSigningKeys(): Promise<readonly SigningKey[]> {
  return (await apiRequest<{ items: SigningKey[] }>('/api/v1/keys/signing')).items;
}

/** Makes a new active signing key; the old one is retired. */
export function rotateSigningKey(): Promise<{ active: SigningKey; retired: string | null }> {
  return apiRequest<{ active: SigningKey; retired: string | null }>('/api/v1/keys/rotate', { method: 'POST' });
}

/** Revokes a signing key as compromised from `since` on. */
export function revokeSigningKey(kid: string, since: string, reason: string): Promise<{ revoked: SigningKey; active: string }> {
  return apiRequest<{ revoked: SigningKey; active: string }>(`/api/v1/keys/${encodeURIComponent(kid)}/revoke`, { method: 'POST', body: { since, reason } });
}

/** Replaces the keyring's key-encryption key; a passphrase keyring needs its new passphrase. */
export function rotateKek(newPassphrase: string): Promise<KekRotation> {
  return apiRequest<KekRotation>('/api/v1/keys/rotate-kek', { method: 'POST', body: newPassphrase === '' ? {} : { newPassphrase } });
}
