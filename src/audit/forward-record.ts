/**
 * One audit entry as the forwarder sends it, and its JSON Lines form (the `stdout` and `file:`
 * targets). Every record carries its log index, so a receiver can drop the duplicates that
 * at-least-once delivery may bring. Pure.
 */

/** An audit entry to forward: the columns a SIEM filters on, and the exact entry bytes. */
export interface ForwardRecord {
  /** The entry's index in the log: dense from 0, the key to de-duplicate on. */
  readonly index: number;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly outcome: string;
  readonly orderId: string | null;
  /** Hex SHA-256 of 0x00 || entry (RFC 9162 §2.1.1), to match against proofs. */
  readonly leafHash: string;
  /** The entry's canonical JSON (RFC 8785): the bytes its Merkle leaf commits to. */
  readonly entry: string;
}

/** What a JSON line of a forwarded record says about where it belongs. */
export interface JsonLineKey {
  readonly index: number;
  readonly origin: string | undefined;
}

/**
 * One JSON line (no newline): `{"index":…,"origin":…,"leafHash":…,"entry":{…}}`. The entry is
 * re-serialized from its parse, which for canonical JSON gives the same bytes; an entry that is
 * not JSON (an altered row) goes out as a string rather than breaking the line.
 */
export function formatJsonLine(record: ForwardRecord, origin?: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(record.entry) as unknown;
  } catch {
    entry = record.entry;
  }
  return JSON.stringify({ index: record.index, ...(origin !== undefined ? { origin } : {}), leafHash: record.leafHash, entry });
}

/** Reads the index and origin back from a line {@link formatJsonLine} wrote; null for anything else. */
export function parseJsonLineKey(line: string): JsonLineKey | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line) as unknown;
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { index, origin } = parsed as { index?: unknown; origin?: unknown };
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return null;
  if (origin !== undefined && typeof origin !== 'string') return null;
  return { index, origin };
}
