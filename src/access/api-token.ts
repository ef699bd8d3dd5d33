/**
 * API tokens for integrations (issue 4 point 7): their format, what they may be
 * minted for, and how a token narrows its user's roles. Pure: no I/O.
 */
import { z } from 'zod';
import { idSchema, text, type ErrorCode, type Role } from '../domain/index.js';
import { randomToken } from '../crypto/index.js';
import { ACTIONS, type Action } from './permissions.js';
import type { RoleAssignment, Subject } from './subject.js';

/**
 * What every API token starts with: it tells an API token from a session token
 * (which is bare base64url) and lets secret scanners find leaked ones with the
 * pattern `flt_[A-Za-z0-9_-]{43}`.
 */
export const API_TOKEN_PREFIX = 'flt_';

/** Random bytes in an API token: 256 bits, 43 base64url characters after the prefix. */
const API_TOKEN_BYTES = 32;
const API_TOKEN_PATTERN = /^flt_[A-Za-z0-9_-]{43}$/;

/** A fresh API token: the prefix and 256 random bits from the OS CSPRNG. */
export function newApiTokenSecret(): string {
  return `${API_TOKEN_PREFIX}${randomToken(API_TOKEN_BYTES)}`;
}

/**
 * True for a bearer value shaped like an API token. Session tokens are 43 characters
 * without a prefix, so even one that happens to start with `flt_` is told apart by length.
 */
export function isApiTokenSecret(token: string): boolean {
  return API_TOKEN_PATTERN.test(token);
}

/** Longest lifetime of an API token, in days: a token must be rotated at least yearly. */
export const API_TOKEN_MAX_DAYS = 365;

/** Lifetime of an API token when none is asked for, in days. */
export const API_TOKEN_DEFAULT_DAYS = 90;

/**
 * The actions an API token may carry: an allow-list, so an action added later is
 * refused to tokens until someone decides otherwise (deny by default).
 */
export const TOKEN_ACTIONS: readonly Action[] = [
  'order.create', 'order.read', 'order.read-confidential', 'order.edit', 'order.submit', 'order.dispatch',
  'order.start', 'order.pause', 'order.resume', 'order.progress', 'order.complete', 'order.hold',
  'item.read', 'item.manage', 'plant.read', 'plant.manage', 'user.read', 'audit.read',
  // A witness service hands back cosignatures; they are verified against the accepted witness keys and change no entry.
  'audit.witness',
];

/**
 * Why some actions are never given to a token. Changing who may do what needs a
 * person; and the order actions that take an electronic signature (21 CFR Part 11
 * §11.200: the signer re-enters their own credentials at signing) cannot be done by
 * a machine holding a stored secret. Cancelling is refused as a whole because after
 * release it is a signed action, and a token minted today cannot know the state of
 * tomorrow's orders.
 */
const REFUSAL_REASONS: Readonly<Partial<Record<Action, string>>> = {
  'user.manage': 'managing users and their roles needs a person signed in, not an API token',
  'order.release': 'releasing needs the electronic signature of a person',
  'order.close': 'closing needs the electronic signature of a person',
  'order.unhold': 'lifting a quality hold needs the electronic signature of a person',
  'order.cancel': 'cancelling a released order needs the electronic signature of a person, so API tokens never cancel',
};

/** Why an API token may not carry `action`, or undefined when it may. */
export function tokenActionRefusal(action: Action): string | undefined {
  if (TOKEN_ACTIONS.includes(action)) return undefined;
  return REFUSAL_REASONS[action] ?? 'this action is not available to API tokens';
}

/**
 * Token actions that act on the system as a whole (the plant, the item master, users,
 * the audit log) rather than on a part of the plant: a token confined to a plant node
 * could never use them, so they are given only to unscoped tokens.
 */
export const SYSTEM_WIDE_TOKEN_ACTIONS: readonly Action[] = ['item.manage', 'plant.manage', 'user.read', 'audit.read', 'audit.witness'];

/** A request to mint an API token. */
export const newApiTokenSchema = z.strictObject({
  /** What the token is for ("SAP production, draft orders"), shown in listings and the audit log. */
  name: text(80),
  actions: z.array(z.enum(ACTIONS)).min(1, 'name at least one action').max(ACTIONS.length),
  /** The plant node the token is confined to; null: wherever its user's roles reach. */
  scopeNodeId: idSchema.nullable().default(null),
  expiresInDays: z.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(API_TOKEN_MAX_DAYS, `must be at most ${API_TOKEN_MAX_DAYS} days`).default(API_TOKEN_DEFAULT_DAYS),
  /** The user the token acts as (username or id), for admins minting tokens for a service account; default: yourself. */
  user: z.string().min(1).max(64).optional(),
});

/** A validated {@link newApiTokenSchema}. */
export type NewApiTokenRequest = z.output<typeof newApiTokenSchema>;

/** Which tokens a listing shows: yours (default), one user's, or all (`all=true`); the last two need `user.read`. */
export const apiTokenListQuerySchema = z.strictObject({
  user: z.string().min(1).max(64).optional(),
  all: z.enum(['true', 'false']).optional(),
});

/** Plant node ids from the enterprise down to a node, decoded from the stored `/a/b/c/` path. */
export function nodePathIds(path: string): string[] {
  return path.split('/').filter((id) => id !== '');
}

/** A role of the token's user, with the path of its scope node (null for an enterprise-wide role). */
export interface ScopedRole {
  readonly role: Role;
  readonly scopeNodeId: string | null;
  readonly scopePath: readonly string[] | null;
}

/**
 * The user's roles as seen through a token confined to the node at `tokenPath`:
 * a role reaching the token's node (enterprise-wide, or scoped at or above it)
 * is narrowed to that node; a role scoped below it stays as it is; a role scoped
 * elsewhere is dropped. Order listings filter by these scopes inside the query,
 * so they are narrowed too. A token without a scope keeps the roles unchanged.
 */
export function narrowRoles(roles: readonly ScopedRole[], tokenPath: readonly string[] | null): RoleAssignment[] {
  if (tokenPath === null) return roles.map(({ role, scopeNodeId }) => ({ role, scopeNodeId }));
  const tokenNode = tokenPath.at(-1);
  if (tokenNode === undefined) return [];
  const narrowed = new Map<string, RoleAssignment>();
  for (const { role, scopeNodeId, scopePath } of roles) {
    let scope: string | null;
    if (scopeNodeId === null || tokenPath.includes(scopeNodeId)) scope = tokenNode;
    else if (scopePath?.includes(tokenNode)) scope = scopeNodeId;
    else continue;
    narrowed.set(`${role}@${scope}`, { role, scopeNodeId: scope });
  }
  return [...narrowed.values()];
}

/** Keeps stored actions to the ones a token may still carry (a renamed or newly forbidden action drops out). */
export function storedTokenActions(json: string): Action[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return ACTIONS.filter((action) => parsed.includes(action) && tokenActionRefusal(action) === undefined);
}

/**
 * Why a subject may not manage API tokens, or null when it may: tokens are managed by a
 * person signed in with a session in good standing, never through another token (which
 * could otherwise mint itself wider actions than it was given).
 */
export function tokenManagementRefusal(subject: Subject): { code: ErrorCode; reason: string } | null {
  if (subject.restriction !== undefined) return { code: 'forbidden', reason: 'API tokens cannot manage API tokens; sign in as a person' };
  if (subject.passwordMustChange) return { code: 'password-change-required', reason: 'change your one-time password first' };
  if (subject.mfaEnrollmentRequired === true) return { code: 'mfa-enrollment-required', reason: 'a role of yours requires a second factor: enrol TOTP first' };
  return null;
}
