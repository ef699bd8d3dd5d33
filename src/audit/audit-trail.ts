import { userInfo } from 'node:os';
import { auditActorOf, can, type Action, type Actor, type Resource } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';
import { appendAuditEntry, withWriteTransaction, type Store, type WriteTransaction } from '../store/index.js';
import type { AuditKind, AuditOutcome } from './audit-kinds.js';

/** Who acted, as the audit log names them. */
export interface AuditActor {
  readonly userId: string | null;
  readonly username: string;
  readonly source: string | null;
}

/** One audit record as services describe it; the trail adds index, time and hashes. */
export interface AuditRecord {
  readonly kind: AuditKind;
  readonly outcome: AuditOutcome;
  readonly actor: AuditActor;
  readonly orderId?: string | null;
  readonly revision?: number | null;
  readonly hashBefore?: string | null;
  readonly hashAfter?: string | null;
  readonly detail?: Record<string, unknown>;
}

/**
 * The actor of a command run on the server host against its data folder (backup, tls import):
 * the operating-system user, since no Forgeline account signs in for it.
 */
export function hostUserActor(): AuditActor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // userInfo throws where the uid has no name (some containers).
    name = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return { userId: null, username: `os:${name}`, source: 'cli' };
}

/** Something that tells the time; swapped in tests. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * Writes audit entries. `record` joins the caller's transaction (invariant 1: the change and
 * its entry commit together or not at all); `recordAlone` writes a refusal in a transaction
 * of its own, because the refused change was rolled back.
 */
export class AuditTrail {
  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {}

  /** Appends an entry inside `trx` (its index: see appendAuditEntry). */
  async record(trx: WriteTransaction, record: AuditRecord): Promise<void> {
    await appendAuditEntry(trx, {
      at: this.deps.clock.now().toISOString(),
      actorId: record.actor.userId,
      actor: record.actor.username,
      source: record.actor.source,
      kind: record.kind,
      outcome: record.outcome,
      orderId: record.orderId ?? null,
      revision: record.revision ?? null,
      hashBefore: record.hashBefore ?? null,
      hashAfter: record.hashAfter ?? null,
      detail: record.detail ?? {},
    });
  }

  /**
   * Asks the policy whether `actor` may do `action` on `resource`; a refusal is written
   * to the log in a transaction of its own (as `refusal.kind`, outcome denied) and thrown.
   */
  async authorize(actor: Actor, action: Action, resource: Resource, refusal: { kind: AuditKind; orderId?: string | null; revision?: number | null; detail?: Record<string, unknown> }): Promise<void> {
    const decision = can(actor.subject, action, resource);
    if (decision.allowed) return;
    await this.recordAlone({ ...refusal, outcome: 'denied', actor: auditActorOf(actor), detail: { ...refusal.detail, reason: decision.reason } });
    throw new ForgelineError(decision.code, decision.reason);
  }

  /** Appends an entry in its own transaction (for denials and reads). */
  recordAlone(record: AuditRecord): Promise<void> {
    return withWriteTransaction(this.deps.store, (trx) => this.record(trx, record));
  }
}
