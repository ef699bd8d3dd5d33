/** The steps of a backup and of a restore that take long enough to show. */
export const BACKUP_PHASES = ['snapshot', 'dump', 'encrypt', 'decrypt', 'load', 'verify'] as const;

/** One of {@link BACKUP_PHASES}. */
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** How far a phase is: `done` of `total` (pages or bytes), or a count when the total is unknown. */
export interface BackupProgress {
  readonly phase: BackupPhase;
  readonly done: number;
  readonly total: number | null;
}

/** Hears progress; called often, so it should only draw. */
export type ProgressListener = (progress: BackupProgress) => void;
