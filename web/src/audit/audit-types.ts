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

/** The orders the log lists in: log order, or newest first. */
export type AuditOrder = 'asc' | 'desc';

/** A page of entries; `nextAfter` continues a listing in log order, `nextBefore` one newest first. */
export interface AuditPage {
  readonly order: AuditOrder;
  readonly items: readonly AuditEntry[];
  readonly nextAfter: number | null;
  readonly nextBefore: number | null;
}

/** `GET /api/v1/audit/proof/inclusion`: the proof of entry `index` in the tree of `size` entries. */
export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  readonly hashes: readonly string[];
}

/** `GET /api/v1/audit/proof/consistency`: the proof that the tree of `from` entries is a prefix of the tree of `to`. */
export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly hashes: readonly string[];
}
