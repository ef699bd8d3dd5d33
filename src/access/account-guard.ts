import { AuditTrail, type AuditActor, type AuditRecord, type Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { accountKey, sourceKey, type LoginThrottle } from './login-throttle.js';
import type { SitePolicyService } from './site-policy-service.js';

/** The counters an attempt counts against: its username and, when known, its source address. */
export function throttleKeys(username: string, source: string | null): string[] {
  return source ? [accountKey(username), sourceKey(source)] : [accountKey(username)];
}

/**
 * Guards every place that checks a password or a second factor (sign-in,
 * re-authentication for MFA changes and password changes): refuses while a
 * key is locked, and counts each failure with its audit entry in one transaction.
 */
export class AccountGuard {
  private readonly audit: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly throttle: LoginThrottle; readonly policy: SitePolicyService }) {
    this.audit = new AuditTrail(deps);
  }

  /**
   * Throws `too-many-attempts` (with `retryAfterSeconds`) when a key is locked,
   * without looking at the credentials; the refusal is audited as `refusal`.
   */
  async assertNotLocked(keys: readonly string[], refusal: { readonly kind: AuditRecord['kind']; readonly actor: AuditActor }): Promise<void> {
    const until = await this.deps.throttle.lockedUntil(keys);
    if (until === null) return;
    await this.audit.recordAlone({ kind: refusal.kind, outcome: 'denied', actor: refusal.actor, detail: { reason: 'locked', lockedUntil: until.toISOString() } });
    throw tooManyAttempts(until, this.deps.clock.now());
  }

  /** Counts a failure against `keys` and writes `record` (outcome denied), plus a `session.lockout` entry for each lock it starts. */
  async fail(keys: readonly string[], record: Omit<AuditRecord, 'outcome'>): Promise<void> {
    const policy = await this.deps.policy.current();
    await withWriteTransaction(this.deps.store, async (trx) => {
      const locks = await this.deps.throttle.recordFailure(trx, keys, policy);
      await this.audit.record(trx, { ...record, outcome: 'denied' });
      for (const lock of locks) {
        await this.audit.record(trx, {
          kind: 'session.lockout',
          outcome: 'denied',
          actor: record.actor,
          detail: { counter: lock.key.startsWith('account:') ? 'account' : 'source', failures: lock.failures, lockedUntil: lock.lockedUntil },
        });
      }
    });
  }
}

/** The refusal for a locked key: 429, how long to wait in `retryAfterSeconds` (the HTTP edge turns it into Retry-After). */
export function tooManyAttempts(until: Date, now: Date): ForgelineError {
  const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new ForgelineError('too-many-attempts', `Too many failed attempts: try again after ${until.toISOString()}`, { extensions: { retryAfterSeconds } });
}
