import { InvalidArgumentError } from 'commander';
import { DECIMAL_PATTERN, ORDER_STATES, ROLES, isRole, type OrderState, type Role } from '../domain/index.js';

/**
 * Parsers for option values, used by commander: each returns the typed value or
 * throws {@link InvalidArgumentError}, which the error boundary shows as a usage error.
 */

/** A whole number of at least `min`. */
export function parseInteger(value: string, min = 1): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
  }
  return Number(value);
}

/** A TCP port; 0 (any free port) only where `allowAny`. */
export function parsePort(value: string, allowAny = false): number {
  const lowest = allowAny ? 0 : 1;
  if (!/^\d{1,5}$/.test(value) || Number(value) < lowest || Number(value) > 65_535) throw new InvalidArgumentError(`must be a TCP port from ${lowest} to 65535`);
  return Number(value);
}

/** A positive whole number (versions, sequence numbers, limits). */
export function parsePositiveInt(value: string): number {
  return parseInteger(value, 1);
}

/** A decimal quantity as the API takes it ("12.5"), kept as a string so it stays exact. */
export function parseDecimal(value: string): string {
  if (!DECIMAL_PATTERN.test(value)) throw new InvalidArgumentError('must be a decimal such as 12.5 (up to 6 decimals)');
  return value;
}

/** One material lot consumed, as the API takes it. */
export interface LotConsumption {
  readonly materialLine: number;
  readonly lot: string;
  readonly quantity: string;
}

/**
 * Parses `--lot LINE:LOT:QTY` (e.g. `1:LOT-7:2.5`). The lot sits between the first
 * and the last colon, so a lot number may itself contain colons.
 */
export function parseLot(value: string): LotConsumption {
  const first = value.indexOf(':');
  const last = value.lastIndexOf(':');
  if (first <= 0 || last === first) throw new InvalidArgumentError('must be LINE:LOT:QTY, e.g. 1:LOT-7:2.5');
  const line = value.slice(0, first);
  const lot = value.slice(first + 1, last);
  const quantity = value.slice(last + 1);
  if (!/^\d+$/.test(line) || Number(line) < 1) throw new InvalidArgumentError(`material line "${line}" must be a whole number of at least 1`);
  if (lot === '') throw new InvalidArgumentError('the lot number is empty');
  if (!DECIMAL_PATTERN.test(quantity)) throw new InvalidArgumentError(`quantity "${quantity}" must be a decimal such as 2.5`);
  return { materialLine: Number(line), lot, quantity };
}

/** A role assignment, as the API takes it. */
export interface RoleAssignmentInput {
  readonly role: Role;
  readonly scopeNodeId: string | null;
}

/** Parses `--role ROLE[@scopeNodeId]`: a role of DESIGN.md, optionally limited to a plant node. */
export function parseRole(value: string): RoleAssignmentInput {
  const at = value.indexOf('@');
  const role = at < 0 ? value : value.slice(0, at);
  const scope = at < 0 ? null : value.slice(at + 1);
  if (!isRole(role)) throw new InvalidArgumentError(`"${role}" is not a role; one of ${ROLES.join(', ')}`);
  if (scope === '') throw new InvalidArgumentError('the scope after @ is empty; give a plant node id');
  return { role, scopeNodeId: scope };
}

/** An order state, for filters. */
export function parseState(value: string): OrderState {
  if (!(ORDER_STATES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${ORDER_STATES.join(', ')}`);
  return value as OrderState;
}

/** The order of `order list`: newest first (created) or soonest due first (due). */
export function parseOrderSort(value: string): 'created' | 'due' {
  if (value !== 'created' && value !== 'due') throw new InvalidArgumentError('created or due');
  return value;
}

/** An audit outcome filter. */
export function parseOutcome(value: string): 'ok' | 'denied' {
  if (value !== 'ok' && value !== 'denied') throw new InvalidArgumentError('ok or denied');
  return value;
}

/** A point in time for filters: an RFC 3339 timestamp or a date (YYYY-MM-DD, midnight UTC), sent as ISO 8601. */
export function parseTime(value: string): string {
  const valid = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value) && !Number.isNaN(Date.parse(value));
  if (!valid) throw new InvalidArgumentError('must be a date (2025-01-31) or an RFC 3339 timestamp (2025-01-31T08:00:00Z)');
  return new Date(value).toISOString();
}

/** Collects a repeatable option into a list (`--lot a --lot b`). */
export function collect<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/** Parses `--expires-in` for API tokens: days, as `90d` or `90`, from 1 to 365. */
export function parseExpiresInDays(value: string): number {
  const match = /^(\d{1,3})d?$/i.exec(value.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= 1 && days <= 365)) throw new InvalidArgumentError('must be a number of days from 1 to 365, e.g. 90d');
  return days;
}

/** `--mqtt-url`: a broker reached over TLS only (server and agents present their client certificates). */
export function parseMqttUrl(value: string): string {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new InvalidArgumentError('must be a URL such as mqtts://broker.plant.local:8883');
  }
  if (protocol !== 'mqtts:') throw new InvalidArgumentError('must use mqtts:// (MQTT over TLS)');
  return value;
}
