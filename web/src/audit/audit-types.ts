/** The audit log's shapes as the API answers them (src/audit/audit-queries.ts, src/server/audit-routes.ts). */

/** An audit entry as `GET /api/v1/audit/entries` presents it. */
export interface AuditEntry {
  readonly index: number;
  readonly at: string;
  readonly actorId: string | null;
  readonly actor: string;
  readonly source: string | null;
  readonly kind: string;
  readonly outcome: 'ok' | 'denied';
  readonly orderId: string | null;
  readonly revision: number | null;
  readonly hashBefore: string | null;
  readonly hashAfter: string | null;
  readonly detail: Record<string, unknown>;
  /** Hex SHA-256 of 0x00 || the entry's canonical JSON, as the log lists it. */
  readonly leafHash: string;
}

/** A page of entries in log order; `nextAfter` continues the listing. */
export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly nextAfter: number | null;
}

/** `GET /api/v1/audit/proof/inclusion`: the proof of entry `index` in the tree of `size` entries. */
export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  readonly hashes: readonly string[];
}
