/**
 * The edge agent's memory of the orders it accepted (issue 6 point 2): every accepted JWS's
 * `jti`, kept on disk and forced to it (fsync) before the acceptance is acknowledged, so a
 * replayed order is refused across agent crashes and restarts. An entry is kept until its
 * order expires: after that the order is refused as expired anyway.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { ForgelineError } from '../domain/index.js';
import { AppendFile } from './append-file.js';

/** One line per accepted order: `<jti> <exp in seconds>`. */
const LINE = /^([0-9a-f-]{36}) (\d+)$/;

/** How a journal writes. */
export interface JtiJournalOptions {
  /**
   * Force each line to disk before {@link JtiJournal.remember} resolves (the default). Off only
   * where another record, forced to disk first, holds every jti remembered and puts back any line
   * a crash took (the edge agent's jobs file): one fsync fewer per accepted order.
   */
  readonly syncEachLine?: boolean;
}

/** The accepted orders' ids, loaded from and appended to one file. */
export class JtiJournal {
  readonly #path: string;
  readonly #seen: Map<string, number>;
  readonly #syncEachLine: boolean;
  readonly #file: AppendFile;

  private constructor(path: string, seen: Map<string, number>, syncEachLine: boolean) {
    this.#path = path;
    this.#file = new AppendFile(path);
    this.#seen = seen;
    this.#syncEachLine = syncEachLine;
  }

  /**
   * Opens the journal at `path` (made if missing), forgetting entries expired at `now`: the
   * file is rewritten without them (a temporary file, fsynced, then renamed). A damaged line
   * is refused rather than skipped: skipping it could let a replay through.
   */
  static async open(path: string, now: Date, options: JtiJournalOptions = {}): Promise<JtiJournal> {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const seen = new Map<string, number>();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    text.split('\n').forEach((line, index) => {
      if (line === '') return;
      const match = LINE.exec(line);
      // A crash mid-append leaves at most the last line cut short: that order was never acknowledged.
      if (match === null) {
        if (index === text.split('\n').length - 1) return;
        throw new ForgelineError('validation-failed', `the accepted-order journal ${path} is damaged at line ${index + 1}`);
      }
      const exp = Number(match[2]);
      if (exp > nowSeconds) seen.set(match[1] ?? '', exp);
    });
    const journal = new JtiJournal(path, seen, options.syncEachLine ?? true);
    await journal.#rewrite();
    return journal;
  }

  /** Whether an order with this `jti` was accepted before. */
  has(jti: string): boolean {
    return this.#seen.has(jti);
  }

  /** Records an accepted order; resolves once the line is on disk (written, with `syncEachLine` off). */
  async remember(jti: string, exp: number): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(jti)) throw new TypeError(`not a jti: ${jti}`);
    await this.#file.append(`${jti} ${exp}\n`, this.#syncEachLine);
    this.#seen.set(jti, exp);
  }

  /** Closes the file (a later line opens it again). */
  close(): Promise<void> {
    return this.#file.close();
  }

  /** How many unexpired acceptances the journal holds. */
  get size(): number {
    return this.#seen.size;
  }

  async #rewrite(): Promise<void> {
    const next = `${this.#path}.new`;
    const file = await open(next, 'w', 0o600);
    try {
      await file.write([...this.#seen].map(([jti, exp]) => `${jti} ${exp}\n`).join(''));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(next, this.#path);
  }
}
