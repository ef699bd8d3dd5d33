import { sql } from 'kysely';
import { z } from 'zod';
import { auditActorOf, type Actor } from '../access/index.js';
import { idSchema, parseOrThrow, text, timestampSchema } from '../domain/index.js';
import { catchUpAuditLookup, type Store } from '../store/index.js';
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

/** What the presenter reads of an entry: never `entry` or `nodes`. */
const PRESENTED_COLUMNS = [
  'e.idx', 'e.at', 'e.actor_id', 'e.actor', 'e.source', 'e.kind', 'e.outcome', 'e.order_id', 'e.revision', 'e.hash_before', 'e.hash_after',
  'e.detail', 'e.leaf_hash',
] as const;

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
    // Entries committed before this call are in the lookup once this resolves: the answer is exact.
    await catchUpAuditLookup(this.deps.store);
    // The lookup's indexes find the indices; the rows come from the log itself, and each filter
    // is applied to both, so an entry is listed only if the record's own columns match.
    let select = this.deps.store.db.selectFrom('audit_lookup as l').innerJoin('audit_entries as e', 'e.idx', 'l.idx').select(PRESENTED_COLUMNS);
    if (query.actor) select = select.where('e.actor', '=', query.actor);
    if (query.orderId) select = select.where('l.order_id', '=', query.orderId).where('e.order_id', '=', query.orderId);
    if (query.kind) select = select.where('l.kind', '=', query.kind).where('e.kind', '=', query.kind);
    if (query.outcome) select = select.where('l.outcome', '=', query.outcome).where('e.outcome', '=', query.outcome);
    if (query.since) {
      const since = new Date(query.since).toISOString();
      select = select.where('l.at', '>=', since).where('e.at', '>=', since);
    }
    if (query.until) {
      const until = new Date(query.until).toISOString();
      select = select.where('l.at', '<', until).where('e.at', '<', until);
    }
    if (query.after !== undefined) select = select.where('l.idx', '>', query.after);
    if (query.q) {
      // A literal substring: LIKE's wildcards in the search text are escaped.
      const pattern = `%${query.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      select = select.where(sql<boolean>`lower(e.entry) like lower(${pattern}) escape '\\'`);
    }
    const rows = await select.orderBy('l.idx').limit(query.limit + 1).execute();
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
