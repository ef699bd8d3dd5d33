/**
 * The jobs the agent accepted, on disk (`jobs.log`, JSON lines, fsynced): each verified order's
 * id, revision, number, jti and content, written before its jti is remembered, so an accepted order
 * survives a crash and is handed to the machine again after a restart. A job's state on the
 * machine is rebuilt from the reports the agent recorded for it.
 */
import { readFile } from 'node:fs/promises';
import { ForgelineError } from '../domain/index.js';
import { AppendFile } from './append-file.js';
import type { SignedReport } from './report-journal.js';

/** A verified order as the agent keeps it. */
export interface AcceptedJob {
  readonly orderId: string;
  readonly revision: number;
  readonly number: string;
  readonly jti: string;
  /** NumericDate seconds: after it the job is forgotten (the JWS expired, a replay is refused as expired). */
  readonly exp: number;
  readonly content: Readonly<Record<string, unknown>>;
  readonly acceptedAt: string;
}

/** Where a job stands at the machine, from the reports recorded for it. */
export type JobPhase = 'allowed' | 'running' | 'interrupted' | 'ended';

/** A job with where it stands. */
export interface TrackedJob extends AcceptedJob {
  readonly phase: JobPhase;
}

const PHASE_AFTER: Readonly<Record<string, JobPhase>> = {
  accepted: 'allowed', started: 'running', resumed: 'running', paused: 'interrupted', completed: 'ended', aborted: 'ended',
};

/** The accepted jobs, loaded from and appended to one file. */
export class AcceptedJobs {
  readonly #file: AppendFile;
  readonly #jobs = new Map<string, TrackedJob>();
  // Every unexpired job line's jti with its exp, earlier revisions of an order included.
  readonly #jtis = new Map<string, number>();

  private constructor(path: string) {
    this.#file = new AppendFile(path);
  }

  /**
   * Opens `path` (made on the first job) and sets each job's phase from the reports recorded for
   * it; a last line cut short by a crash was never acknowledged and is dropped.
   */
  static async open(path: string, reports: readonly SignedReport[], now: Date): Promise<AcceptedJobs> {
    const jobs = new AcceptedJobs(path);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const lines = text.split('\n');
    const nowSeconds = Math.floor(now.getTime() / 1000);
    lines.forEach((line, index) => {
      if (line === '') return;
      let job: AcceptedJob;
      try {
        job = JSON.parse(line) as AcceptedJob;
      } catch {
        if (index === lines.length - 1) return;
        throw new ForgelineError('validation-failed', `the job file ${path} is damaged at line ${index + 1}`);
      }
      if (job.exp > nowSeconds) {
        jobs.#jobs.set(job.orderId, { ...job, phase: 'allowed' });
        jobs.#jtis.set(job.jti, job.exp);
      }
    });
    for (const { report } of reports) {
      const job = jobs.#jobs.get(report.orderId);
      const phase = PHASE_AFTER[report.kind];
      if (job !== undefined && phase !== undefined) jobs.#jobs.set(job.orderId, { ...job, phase });
    }
    return jobs;
  }

  /** Writes a verified job down; resolves once it is on disk. */
  async add(job: AcceptedJob): Promise<TrackedJob> {
    await this.#file.append(`${JSON.stringify(job)}\n`, true);
    const tracked: TrackedJob = { ...job, phase: 'allowed' };
    this.#jobs.set(job.orderId, tracked);
    this.#jtis.set(job.jti, job.exp);
    return tracked;
  }

  /** The jti and exp of every unexpired job written down, superseded revisions included. */
  acceptedJtis(): ReadonlyMap<string, number> {
    return this.#jtis;
  }

  /** Closes the file (a later job opens it again). */
  close(): Promise<void> {
    return this.#file.close();
  }

  /** Moves a job to the phase a report just recorded says. */
  note(orderId: string, kind: string): void {
    const job = this.#jobs.get(orderId);
    const phase = PHASE_AFTER[kind];
    if (job !== undefined && phase !== undefined) this.#jobs.set(orderId, { ...job, phase });
  }

  get(orderId: string): TrackedJob | undefined {
    return this.#jobs.get(orderId);
  }

  /** The job holding this jti, if any. */
  byJti(jti: string): TrackedJob | undefined {
    if (!this.#jtis.has(jti)) return undefined;
    for (const job of this.#jobs.values()) if (job.jti === jti) return job;
    return undefined;
  }

  /** The jobs not ended, oldest first: what the machine is offered after a restart. */
  open(): TrackedJob[] {
    return [...this.#jobs.values()].filter((job) => job.phase !== 'ended');
  }
}
