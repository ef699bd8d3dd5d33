import { sql } from 'kysely';
import { z } from 'zod';
import { auditActorOf, type Actor } from '../access/index.js';
import { idSchema, parseOrThrow, text, timestampSchema } from '../domain/index.js';
import { catchUpAuditLookup, type Store } from '../store/index.js';
import { AUDIT_KINDS, AUDIT_OUTCOMES, type AuditKind, type AuditOutcome } from './audit-kinds.js';
import { AuditTrail, type Clock } from './audit-trail.js';

/** The filters of the audit log, shared by the listing and the export. */
const auditFilterShape = {
  actor: z.string().min(1).max(64).optional(),
  orderId: idSchema.optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  since: timestampSchema.optional(),
  until: timestampSchema.optional(),
  /** Text the entry must contain (its canonical JSON: actor, kind, reason, order number, lot…). */
  q: text(100).optional(),
};

/** The orders a listing runs in: `asc` is log order (the default, as scripts and the CLI expect it), `desc` newest first. */
export const AUDIT_LIST_ORDERS = ['asc', 'desc'] as const;

/**
 * Filters and keyset paging of the audit log: `after` and `before` bound the indices (exclusive),
 * so either order pages on with the index its last page ended at.
 */
export const auditListQuerySchema = z.strictObject({
  ...auditFilterShape,
  order: z.enum(AUDIT_LIST_ORDERS).default('asc'),
  after: z.coerce.number().int().min(-1).optional(),
  before: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The filters of `GET /api/v1/audit/export`: none exports the whole log, any makes it a selection. */
export const auditExportQuerySchema = z.strictObject(auditFilterShape);

/** A parsed filter of the log. */
export type AuditFilter = z.infer<typeof auditExportQuerySchema>;

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

/**
 * A page of the audit log in the order asked, with where to continue: `nextAfter` (as `after`)
 * for a page in log order, `nextBefore` (as `before`) for one newest first; null when no more.
 */
export interface AuditPage {
  readonly order: (typeof AUDIT_LIST_ORDERS)[number];
  readonly items: readonly AuditEntryView[];
  readonly nextAfter: number | null;
  readonly nextBefore: number | null;
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
    let select = filteredEntries(this.deps.store, query).select(PRESENTED_COLUMNS);
    if (query.after !== undefined) select = select.where('l.idx', '>', query.after);
    if (query.before !== undefined) select = select.where('l.idx', '<', query.before);
    const rows = await select.orderBy('l.idx', query.order).limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    await this.trail.recordAlone({ kind: 'audit.read', outcome: 'ok', actor: auditActorOf(actor), detail: { filter: { ...query, limit: undefined }, count: page.length } });
    const next = rows.length > query.limit ? Number(page.at(-1)?.idx) : null;
    return {
      order: query.order,
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
      nextAfter: query.order === 'asc' ? next : null,
      nextBefore: query.order === 'desc' ? next : null,
    };
  }

  /**
   * Authorizes and records an export over HTTP (`audit.export`, as the CLI's export is recorded)
   * before a byte of it leaves; answers the parsed filter. A refusal is recorded and thrown.
   */
  async authorizeExport(actor: Actor, input: unknown): Promise<AuditFilter> {
    const filter = parseOrThrow(auditExportQuerySchema, input, 'audit export query');
    await this.trail.authorize(actor, 'audit.read', { kind: 'system' }, { kind: 'audit.export', detail: { filter } });
    await this.trail.recordAlone({ kind: 'audit.export', outcome: 'ok', actor: auditActorOf(actor), detail: { filter, via: 'http' } });
    // No lookup catch-up here: the selection catches up after its checkpoint is signed (audit-selection-export.ts).
    return filter;
  }
}

/**
 * The entries matching `filter`, joined with the lookup: the lookup's indexes find the indices,
 * the rows come from the log itself, and each filter is applied to both, so an entry is chosen
 * only if the record's own columns match. The caller selects the columns and the order.
 */
export function filteredEntries(store: Store, filter: AuditFilter) {
  let select = store.db.selectFrom('audit_lookup as l').innerJoin('audit_entries as e', 'e.idx', 'l.idx');
  if (filter.actor) select = select.where('e.actor', '=', filter.actor);
  if (filter.orderId) select = select.where('l.order_id', '=', filter.orderId).where('e.order_id', '=', filter.orderId);
  if (filter.kind) select = select.where('l.kind', '=', filter.kind).where('e.kind', '=', filter.kind);
  if (filter.outcome) select = select.where('l.outcome', '=', filter.outcome).where('e.outcome', '=', filter.outcome);
  if (filter.since) {
    const since = new Date(filter.since).toISOString();
    select = select.where('l.at', '>=', since).where('e.at', '>=', since);
  }
  if (filter.until) {
    const until = new Date(filter.until).toISOString();
    select = select.where('l.at', '<', until).where('e.at', '<', until);
  }
  if (filter.q) {
    // A literal substring: LIKE's wildcards in the search text are escaped.
    const pattern = `%${filter.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    select = select.where(sql<boolean>`lower(e.entry) like lower(${pattern}) escape '\\'`);
  }
  return select;
}
