import { sql } from 'kysely';
import { z } from 'zod';
import { auditActorOf, type Actor } from '../access/index.js';
import { idSchema, parseOrThrow, text, timestampSchema } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { AUDIT_KINDS, AUDIT_OUTCOMES, type AuditKind, type AuditOutcome } from './audit-kinds.js';
import { AuditTrail, type Clock } from './audit-trail.js';

/** Filters and paging of the audit log. */
export const auditListQuerySchema = z.strictObject({
  actor: z.string().min(1).max(64).optional(),
  orderId: idSchema.optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  since: timestampSchema.optional(),
  until: timestampSchema.optional(),
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Text the entry must contain (its canonical JSON: actor, kind, reason, order number, lot…). */
  q: text(100).optional(),
});

/** An audit entry as presented to auditors. */
export interface AuditEntryView {
  readonly index: number;
  readonly at: string;
  readonly actorId: string | null;
  readonly actor: string;
  readonly source: string | null;
  readonly kind: AuditKind;
  readonly outcome: AuditOutcome;
  readonly orderId: string | null;
  readonly revision: number | null;
  readonly hashBefore: string | null;
  readonly hashAfter: string | null;
  readonly detail: Record<string, unknown>;
  readonly leafHash: string;
}

/** A page of the audit log in log order, with the index to continue after. */
export interface AuditPage {
  readonly items: readonly AuditEntryView[];
  readonly nextAfter: number | null;
}

/** Reading the audit log: auditors and admins; each listing is itself audited. */
export class AuditQueries {
  private readonly trail: AuditTrail;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    this.trail = new AuditTrail(deps);
  }

  /** Lists entries in log order after `after`, filtered. */
  async list(actor: Actor, input: unknown): Promise<AuditPage> {
    const query = parseOrThrow(auditListQuerySchema, input, 'audit query');
    await this.trail.authorize(actor, 'audit.read', { kind: 'system' }, { kind: 'audit.read' });
    let select = this.deps.store.db.selectFrom('audit_entries').selectAll();
    if (query.actor) select = select.where('actor', '=', query.actor);
    if (query.orderId) select = select.where('order_id', '=', query.orderId);
    if (query.kind) select = select.where('kind', '=', query.kind);
    if (query.outcome) select = select.where('outcome', '=', query.outcome);
    if (query.since) select = select.where('at', '>=', new Date(query.since).toISOString());
    if (query.until) select = select.where('at', '<', new Date(query.until).toISOString());
    if (query.after !== undefined) select = select.where('idx', '>', query.after);
    if (query.q) {
      // A literal substring: LIKE's wildcards in the search text are escaped.
      const pattern = `%${query.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      select = select.where(sql<boolean>`lower(entry) like lower(${pattern}) escape '\\'`);
    }
    const rows = await select.orderBy('idx').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    await this.trail.recordAlone({ kind: 'audit.read', outcome: 'ok', actor: auditActorOf(actor), detail: { filter: { ...query, limit: undefined }, count: page.length } });
    return {
      items: page.map((row) => ({
        index: Number(row.idx),
        at: row.at,
        actorId: row.actor_id,
        actor: row.actor,
        source: row.source,
        kind: row.kind as AuditKind,
        outcome: row.outcome,
        orderId: row.order_id,
        revision: row.revision,
        hashBefore: row.hash_before,
        hashAfter: row.hash_after,
        detail: JSON.parse(row.detail) as Record<string, unknown>,
        leafHash: row.leaf_hash,
      })),
      nextAfter: rows.length > query.limit ? Number(page.at(-1)?.idx) : null,
    };
  }
}
