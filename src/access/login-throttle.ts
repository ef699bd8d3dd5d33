/**
 * Throttling of failed sign-ins (NIST SP 800-63B §5.2.2): failures are counted
 * per username and per source address; enough of them within the window lock
 * that key for a while, each further lock in a row twice as long up to a cap.
 * Unknown usernames are counted like real ones, so a lock reveals nothing about
 * which accounts exist.
 */
import { isIPv6 } from 'node:net';
import type { Clock } from '../audit/index.js';
import type { Store, WriteTransaction } from '../store/index.js';
import type { SitePolicy } from './site-policy.js';

/** A lock that a failure just started: the key, how many failures led to it, and when it ends. */
export interface ThrottleLock {
  readonly key: string;
  readonly failures: number;
  readonly lockedUntil: string;
}

// Expired rows are removed at most this often, by whichever failure comes next.
const PRUNE_EVERY_MS = 10 * 60_000;
// Beyond 2^20 the doubling has long passed any cap; stops the arithmetic from overflowing.
const MAX_DOUBLINGS = 20;

/** The counter of a username: case-folded, as typed (it need not exist). */
export function accountKey(username: string): string {
  return `account:${username.trim().toLowerCase().slice(0, 64)}`;
}

/**
 * The counter of a source address. IPv4-mapped IPv6 counts as its IPv4 address;
 * IPv6 counts per /64, the block one host can pick addresses from (RFC 4291 §2.5.4),
 * so rotating the interface identifier does not escape the count.
 */
export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return `source:${mapped[1]}`;
  const withoutZone = address.split('%')[0] ?? address;
  if (!isIPv6(withoutZone)) return `source:${address}`;
  return `source:${ipv6Prefix64(withoutZone)}`;
}

function ipv6Prefix64(address: string): string {
  const [left = '', right] = address.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms) fills two groups.
  const tailGroups = tail.reduce((count, part) => count + (part.includes('.') ? 2 : 1), 0);
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tailGroups).fill('0'), ...tail];
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/**
 * The failure counters in `login_throttle`. Reads may use the store; changes
 * join the caller's write transaction, so the failure, its audit entry and any
 * lock it starts commit together.
 */
export class LoginThrottle {
  private lastPrune = 0;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {}

  /** The latest end of a lock in force on any of `keys`, or null when none is locked. */
  async lockedUntil(keys: readonly string[]): Promise<Date | null> {
    if (keys.length === 0) return null;
    const now = this.deps.clock.now().toISOString();
    const rows = await this.deps.store.db
      .selectFrom('login_throttle')
      .select('locked_until')
      .where('key', 'in', [...keys])
      .where('locked_until', '>', now)
      .execute();
    const ends = rows.flatMap((row) => (row.locked_until ? [Date.parse(row.locked_until)] : []));
    return ends.length === 0 ? null : new Date(Math.max(...ends));
  }

  /** Counts one failure against each key; returns the locks this failure started. */
  async recordFailure(trx: WriteTransaction, keys: readonly string[], policy: SitePolicy): Promise<ThrottleLock[]> {
    const now = this.deps.clock.now();
    await this.prune(trx, now, policy);
    const locks: ThrottleLock[] = [];
    for (const key of keys) {
      const lock = await this.countFailure(trx, key, now, policy);
      if (lock) locks.push(lock);
    }
    return locks;
  }

  /** Forgets the failures of a key (a successful sign-in clears its username's count). */
  async clear(trx: WriteTransaction, key: string): Promise<void> {
    await trx.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  private async countFailure(trx: WriteTransaction, key: string, now: Date, policy: SitePolicy): Promise<ThrottleLock | null> {
    const nowIso = now.toISOString();
    const threshold = key.startsWith('account:') ? policy.lockoutAccountThreshold : policy.lockoutSourceThreshold;
    // The row exists before it is read, so PostgreSQL can lock it (FOR UPDATE) and concurrent failures queue up
    // instead of losing a count; SQLite's write transactions are serialized already.
    await trx.insertInto('login_throttle').values({ key, failures: 0, window_started_at: nowIso, locked_until: null }).onConflict((oc) => oc.column('key').doNothing()).execute();
    let select = trx.selectFrom('login_throttle').select(['failures', 'window_started_at']).where('key', '=', key);
    if (this.deps.store.kind === 'postgres') select = select.forUpdate();
    const row = await select.executeTakeFirstOrThrow();
    const windowMs = policy.lockoutWindowMinutes * 60_000;
    const fresh = now.getTime() >= Date.parse(row.window_started_at) + windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    let windowStartedAt = fresh ? nowIso : row.window_started_at;
    let lockedUntil: string | null = null;
    if (failures % threshold === 0) {
      const doublings = Math.min(failures / threshold - 1, MAX_DOUBLINGS);
      const minutes = Math.min(policy.lockoutMinutes * 2 ** doublings, policy.lockoutMaxMinutes);
      lockedUntil = new Date(now.getTime() + minutes * 60_000).toISOString();
      // Counting resumes when the lock ends: failures soon after it lead to the next, longer lock.
      windowStartedAt = lockedUntil;
    }
    await trx.updateTable('login_throttle').set({ failures, window_started_at: windowStartedAt, locked_until: lockedUntil }).where('key', '=', key).execute();
    return lockedUntil === null ? null : { key, failures, lockedUntil };
  }

  private async prune(trx: WriteTransaction, now: Date, policy: SitePolicy): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    // A row whose window has passed and that holds no lock would start afresh anyway.
    const stale = new Date(now.getTime() - policy.lockoutWindowMinutes * 60_000).toISOString();
    await trx
      .deleteFrom('login_throttle')
      .where('window_started_at', '<', stale)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now.toISOString())]))
      .execute();
  }
}
