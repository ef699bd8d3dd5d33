/** The routes the auditor's screens call: the log, its key, checkpoint and proofs, and a release's JWS with the signing keys. */
import { apiRequest, isApiError } from '../api';
import type { AuditPage, InclusionProof } from './audit-types';
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

/** Entries in log order after index `after` (-1: from the start), filtered, `limit` at most. */
export function listAuditEntries(filter: AuditFilter, after: number, limit: number): Promise<AuditPage> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value !== '') query.set(name, value);
  query.set('after', String(after));
  query.set('limit', String(limit));
  return apiRequest<AuditPage>(`/api/v1/audit/entries?${query.toString()}`);
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
 * The latest signed checkpoint, or, when none is signed yet or it predates entry `index`, one
 * signed now (`POST /api/v1/audit/checkpoint`). `fresh` says which.
 */
export async function fetchCheckpointCovering(index: number): Promise<{ readonly note: string; readonly fresh: boolean }> {
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

/** A released order's compact JWS. */
export function fetchOrderJws(orderId: string): Promise<string> {
  return apiRequest<string>(`/api/v1/orders/${encodeURIComponent(orderId)}/jws`, { text: true });
}

/** The order-signing JWKS. */
export function fetchSigningKeys(): Promise<unknown> {
  return apiRequest<unknown>('/api/v1/keys');
}
