/** The routes the auditor's screens call: the log, its key, checkpoint and proofs, and a release's attestation and JWS with the signing keys. */
import { apiRequest, isApiError } from '../api';
import type { AuditOrder, AuditPage, ConsistencyProof, InclusionProof } from './audit-types';
import { parseCheckpoint, parseNote } from './verify-note';

/** The filters of the audit log, as the form holds them; empty strings are "any". */
export interface AuditFilter {
  readonly q: string;
  readonly kind: string;
  readonly outcome: string;
  readonly actor: string;
  readonly orderId: string;
  /** ISO times, or empty. */
  readonly since: string;
  readonly until: string;
}

/** No filter at all. */
export const NO_FILTER: AuditFilter = { q: '', kind: '', outcome: '', actor: '', orderId: '', since: '', until: '' };

/** The filter as query parameters, empty ones left out. */
function filterQuery(filter: AuditFilter): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value !== '') query.set(name, value);
  return query;
}

/**
 * A page of entries, filtered, `limit` at most: in log order after index `cursor` (undefined: from
 * the start), or newest first before index `cursor` (undefined: from the newest).
 */
export function listAuditEntries(filter: AuditFilter, order: AuditOrder, cursor: number | undefined, limit: number): Promise<AuditPage> {
  const query = filterQuery(filter);
  query.set('order', order);
  if (cursor !== undefined) query.set(order === 'asc' ? 'after' : 'before', String(cursor));
  query.set('limit', String(limit));
  return apiRequest<AuditPage>(`/api/v1/audit/entries?${query.toString()}`);
}

/**
 * Where the browser downloads the export: the whole log without a filter, else the selection
 * (`GET /api/v1/audit/export`). A plain link: the session cookie goes with it, and the file
 * streams to disk without passing through the page's memory.
 */
export function auditExportUrl(filter: AuditFilter): string {
  const query = filterQuery(filter).toString();
  return `/api/v1/audit/export${query === '' ? '' : `?${query}`}`;
}

/** The log's verifier key line. */
export function fetchVerifierKey(): Promise<string> {
  return apiRequest<string>('/api/v1/audit/key', { text: true });
}

/** The size a checkpoint note claims, before anything is verified; undefined when it cannot be read. */
function claimedSize(note: string): number | undefined {
  const parsed = parseNote(note);
  const checkpoint = parsed.ok ? parseCheckpoint(parsed.value.text) : undefined;
  return checkpoint?.ok ? checkpoint.value.size : undefined;
}

/**
 * A checkpoint covering entry `index`. With `cosigned` (the auditor pinned witness keys), first the
 * newest one a witness cosigned (`GET /api/v1/audit/checkpoint/cosigned`), when it covers the entry:
 * the latest is often signed before any witness has seen it. Else the latest signed checkpoint,
 * or, when none is signed yet or it predates the entry, one signed now (`POST
 * /api/v1/audit/checkpoint`). `fresh` and `earlier` say which.
 */
export async function fetchCheckpointCovering(index: number, options: { readonly cosigned: boolean }): Promise<{ readonly note: string; readonly fresh: boolean; readonly earlier?: boolean }> {
  if (options.cosigned) {
    try {
      const note = await apiRequest<string>('/api/v1/audit/checkpoint/cosigned', { text: true });
      const size = claimedSize(note);
      if (size !== undefined && index < size) return { note, fresh: false, earlier: true };
    } catch (error) {
      // None cosigned yet: the latest (or a fresh) checkpoint is checked, and the page says no pinned witness vouches for it.
      if (!isApiError(error, 'not-found')) throw error;
    }
  }
  let latest: string | undefined;
  try {
    latest = await apiRequest<string>('/api/v1/audit/checkpoint', { text: true });
  } catch (error) {
    if (!isApiError(error, 'not-found')) throw error;
  }
  const size = latest === undefined ? undefined : claimedSize(latest);
  // A note that cannot be read is kept, so the check shows what is wrong with it.
  if (latest !== undefined && (size === undefined || index < size)) return { note: latest, fresh: false };
  return { note: await apiRequest<string>('/api/v1/audit/checkpoint', { method: 'POST', text: true }), fresh: true };
}

/** The size the checkpoint claims, for asking the proof of that tree (0 when unreadable). */
export function checkpointSize(note: string): number {
  return claimedSize(note) ?? 0;
}

/** The inclusion proof of entry `index` in the tree of `size` entries. */
export function fetchInclusionProof(index: number, size: number): Promise<InclusionProof> {
  return apiRequest<InclusionProof>(`/api/v1/audit/proof/inclusion?index=${index}&size=${size}`);
}

/** The consistency proof between the trees of `from` and `to` entries. */
export function fetchConsistencyProof(from: number, to: number): Promise<ConsistencyProof> {
  return apiRequest<ConsistencyProof>(`/api/v1/audit/proof/consistency?from=${from}&to=${to}`);
}

/** A released order's compact JWS. */
export function fetchOrderJws(orderId: string): Promise<string> {
  return apiRequest<string>(`/api/v1/orders/${encodeURIComponent(orderId)}/jws`, { text: true });
}

/** A released order's release attestation (compact JWS, no confidential field): for anyone who may read the order. */
export function fetchReleaseAttestation(orderId: string): Promise<string> {
  return apiRequest<string>(`/api/v1/orders/${encodeURIComponent(orderId)}/release-attestation`, { text: true });
}

/** The order-signing JWKS. */
export function fetchSigningKeys(): Promise<unknown> {
  return apiRequest<unknown>('/api/v1/keys');
}
