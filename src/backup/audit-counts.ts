/** What a database snapshot says of its audit log, read in the snapshot's own instant. */
export interface AuditCounts {
  /** Entries in the log (its tree size). */
  readonly size: number;
  /** Entries committed but not yet given an index (PostgreSQL's queue; always 0 on SQLite). */
  readonly queued: number;
  /** The newest signed checkpoint, or null before the first. */
  readonly latestCheckpoint: { readonly size: number; readonly rootHash: string; readonly note: string } | null;
}
