/**
 * The edge agent's outbox of progress reports (issue 6 point 2): each report is signed with the
 * device's own key, carries an idempotency key, and is on disk (fsync) before the machine is told
 * it was taken; `drain` sends the waiting ones in order and moves a durable cursor past each one
 * the server confirmed. After a crash or while the server is away nothing is lost (the file holds
 * it) and nothing is doubled (a report resent after a crash between send and cursor carries the
 * same idempotency key, which the server answers once). Over HTTPS the reports go in batches of up
 * to {@link REPORTS_PER_BATCH}, and the cursor moves (one fsync) once per batch.
 */
import { randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { canonicalJson } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { AppendFile } from './append-file.js';

/** What a machine reports through the agent. */
export const REPORT_KINDS = ['accepted', 'refused', 'started', 'paused', 'resumed', 'progress', 'completed', 'aborted'] as const;

/** One of {@link REPORT_KINDS}. */
export type ReportKind = (typeof REPORT_KINDS)[number];

/** A report as signed: who, which order, what, when, and the idempotency key the server de-duplicates on. */
export interface DeviceReport {
  readonly idempotencyKey: string;
  readonly deviceId: string;
  readonly orderId: string;
  readonly kind: ReportKind;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A journal line: the report and the device's signature over its canonical JSON (base64url). */
export interface SignedReport {
  readonly report: DeviceReport;
  readonly signature: string;
}

/** The most reports one batch carries to the server. */
export const REPORTS_PER_BATCH = 50;

/** What became of one report of a batch: taken by the server, or the failure it met. */
export type ReportOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Sends reports in one request and answers one outcome per report, in order; fewer when the rest
 * were not tried (they count as not sent). Rejects when the request as a whole was not taken.
 */
export type SendReportBatch = (signed: readonly SignedReport[]) => Promise<readonly ReportOutcome[]>;

/** How {@link ReportJournal.drain} sends: one report at a time, or in batches when `sendBatch` is given. */
export interface DrainOptions {
  readonly sendBatch?: SendReportBatch | undefined;
  /** Default {@link REPORTS_PER_BATCH}. */
  readonly batchSize?: number;
}

/** The signature algorithm for a key: Ed25519 takes none, ECDSA P-256 SHA-256 (the device keys `device enrol` makes). */
function digestFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

/** The bytes a report's signature covers: its canonical JSON (RFC 8785). */
function signedBytes(report: DeviceReport): Buffer {
  return Buffer.from(canonicalJson(report), 'utf8');
}

/** Signs a report with the device's private key. */
export function signReport(report: DeviceReport, privateKey: KeyObject): SignedReport {
  return { report, signature: sign(digestFor(privateKey), signedBytes(report), privateKey).toString('base64url') };
}

/** {@link signReport} on the libuv thread pool, leaving the agent's event loop free while ECDSA or Ed25519 runs. */
export function signReportAsync(report: DeviceReport, privateKey: KeyObject): Promise<SignedReport> {
  return new Promise((resolve, reject) => {
    sign(digestFor(privateKey), signedBytes(report), privateKey, (error, signature) => {
      if (error === null) resolve({ report, signature: signature.toString('base64url') });
      else reject(error);
    });
  });
}

/** Whether a signed report verifies with the device's public key (from its certificate). */
export function verifyReport(signed: SignedReport, publicKey: KeyObject): boolean {
  try {
    return verify(digestFor(publicKey), signedBytes(signed.report), publicKey, Buffer.from(signed.signature, 'base64url'));
  } catch {
    return false;
  }
}

/** {@link verifyReport} on the libuv thread pool, leaving the caller's event loop free (a server taking many devices' reports). */
export function verifyReportAsync(signed: SignedReport, publicKey: KeyObject): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(digestFor(publicKey), signedBytes(signed.report), publicKey, Buffer.from(signed.signature, 'base64url'), (error, valid) => resolve(error === null && valid));
    } catch {
      resolve(false);
    }
  });
}

/** The outbox: `reports.log` (JSON lines) and `reports.sent` (how many of them the server confirmed). */
export class ReportJournal {
  readonly #dir: string;
  readonly #logFile: AppendFile;
  #recording: Promise<unknown> = Promise.resolve();
  readonly #cursor: string;
  #entries: SignedReport[];
  #sent: number;

  private constructor(dir: string, entries: SignedReport[], sent: number) {
    this.#dir = dir;
    this.#logFile = new AppendFile(`${dir}/reports.log`);
    this.#cursor = `${dir}/reports.sent`;
    this.#entries = entries;
    this.#sent = sent;
  }

  /** Opens the outbox in `dir`; a last line cut short by a crash was never acknowledged and is dropped. */
  static async open(dir: string): Promise<ReportJournal> {
    const text = await readOptional(`${dir}/reports.log`);
    const lines = text.split('\n');
    const entries: SignedReport[] = [];
    lines.forEach((line, index) => {
      if (line === '') return;
      try {
        entries.push(JSON.parse(line) as SignedReport);
      } catch {
        if (index === lines.length - 1) return;
        throw new ForgelineError('validation-failed', `the report journal ${dir}/reports.log is damaged at line ${index + 1}`);
      }
    });
    const cursorText = (await readOptional(`${dir}/reports.sent`)).trim();
    const sent = cursorText === '' ? 0 : Number(cursorText);
    if (!Number.isSafeInteger(sent) || sent < 0 || sent > entries.length) {
      throw new ForgelineError('validation-failed', `the report cursor ${dir}/reports.sent is damaged`);
    }
    return new ReportJournal(dir, entries, sent);
  }

  /**
   * Signs and appends a report; resolves once it is on disk, when the machine may be told it was
   * taken. Reports recorded at once are written in the order they were recorded (the file, the
   * outbox and the sending follow that order).
   */
  record(report: Omit<DeviceReport, 'idempotencyKey'>, privateKey: KeyObject): Promise<SignedReport> {
    const recorded = this.#recording.then(async () => {
      const signed = await signReportAsync({ idempotencyKey: randomUUID(), ...report }, privateKey);
      await this.#logFile.append(`${JSON.stringify(signed)}\n`, true);
      this.#entries.push(signed);
      return signed;
    });
    this.#recording = recorded.catch(() => undefined);
    return recorded;
  }

  /** Closes the log (a later report opens it again). */
  close(): Promise<void> {
    return this.#logFile.close();
  }

  /** The reports the server has not confirmed yet, oldest first. */
  pending(): readonly SignedReport[] {
    return this.#entries.slice(this.#sent);
  }

  /**
   * Sends the waiting reports in order; each one the server confirms moves the cursor past it
   * (on disk) before the next is sent. Stops at the first failure (the server is away): the rest
   * wait for the next drain. Answers how many were confirmed (or set aside as refused for good).
   * With `options.sendBatch` they go in batches instead, and the cursor moves once per batch.
   */
  async drain(send: (report: SignedReport) => Promise<void>, isPermanent: (error: unknown) => boolean = () => false, options: DrainOptions = {}): Promise<number> {
    if (options.sendBatch !== undefined) return this.#drainInBatches(options.sendBatch, isPermanent, options.batchSize ?? REPORTS_PER_BATCH);
    // One at a time is a batch of one: the same walk, the cursor moved after each report.
    const sendOne: SendReportBatch = async ([signed]) => {
      try {
        if (signed !== undefined) await send(signed);
        return [{ ok: true }];
      } catch (error) {
        return [{ ok: false, error }];
      }
    };
    return this.#drainInBatches(sendOne, isPermanent, 1);
  }

  /**
   * Sends the waiting reports a batch at a time and walks each batch's outcomes in order: a
   * confirmed report is done, one refused for good is set aside and done, and the first transient
   * failure (or a report not tried) stops the drain there. The cursor then moves once, past the
   * done prefix only, so it never passes a report the server neither took nor refused for good.
   */
  async #drainInBatches(sendBatch: SendReportBatch, isPermanent: (error: unknown) => boolean, size: number): Promise<number> {
    let confirmed = 0;
    while (this.#sent < this.#entries.length) {
      const batch = this.#entries.slice(this.#sent, this.#sent + size);
      let outcomes: readonly ReportOutcome[];
      try {
        outcomes = await sendBatch(batch);
      } catch {
        // The request as a whole was not taken (the server is away): every report waits.
        break;
      }
      let done = 0;
      for (const signed of batch) {
        const outcome = outcomes[done];
        if (outcome === undefined) break;
        if (!outcome.ok) {
          if (!isPermanent(outcome.error)) break;
          // The server will refuse this report however often it is sent: keep it aside for the
          // operator and go on, or one bad report would hold back every report after it.
          await this.#setAside(signed, outcome.error);
        }
        done += 1;
      }
      if (done > 0) await this.#advance(this.#sent + done);
      confirmed += done;
      if (done < batch.length) break;
    }
    return confirmed;
  }

  /** Every report ever recorded (sent or not), oldest first: what the agent rebuilds its jobs' states from. */
  all(): readonly SignedReport[] {
    return this.#entries;
  }

  async #setAside(signed: SignedReport, error: unknown): Promise<void> {
    const file = await open(`${this.#dir}/reports.refused`, 'a', 0o600);
    try {
      await file.write(`${JSON.stringify({ refusedAt: new Date().toISOString(), reason: error instanceof Error ? error.message : String(error), ...signed })}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  async #advance(sent: number): Promise<void> {
    const next = `${this.#cursor}.new`;
    const file = await open(next, 'w', 0o600);
    try {
      await file.write(`${sent}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(next, this.#cursor);
    this.#sent = sent;
  }
}

async function readOptional(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
}
