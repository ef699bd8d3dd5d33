/**
 * The agent's transport over HTTPS with mutual TLS: orders from the server-sent event stream,
 * followed again after every break (backing off while the server is away), and reports posted in
 * batches (one at a time to a server without the batch route). A refusal the server will repeat (a revoked certificate, no conduit) is waited out longer
 * than a network failure: an administrator may be fixing it.
 */
import type { OrderSource, ReportSink } from './edge-agent.js';
import { PermanentRefusal, type OrderDelivery, type ServerLink } from './server-link.js';
import type { ReportOutcome, SignedReport } from './report-journal.js';

/** What the report sink needs of the link: single and batched report posts. */
export type ReportLink = Pick<ServerLink, 'sendReport' | 'sendReports'>;

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
const REFUSED_RETRY_MS = 30_000;

/** Follows the order stream until stopped. */
export class HttpsOrderSource implements OrderSource {
  readonly #link: ServerLink;
  readonly #log: (line: string) => void;
  #abort = new AbortController();
  #running: Promise<void> | null = null;

  constructor(link: ServerLink, log: (line: string) => void = () => undefined) {
    this.#link = link;
    this.#log = log;
  }

  start(onOrder: (delivery: OrderDelivery) => Promise<void>): Promise<void> {
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    this.#running = (async () => {
      let delay = RETRY_MIN_MS;
      while (!signal.aborted) {
        const openedAt = Date.now();
        try {
          await this.#link.followOrders(onOrder, signal);
        } catch (error) {
          if (signal.aborted) break;
          const refused = error instanceof PermanentRefusal;
          this.#log(`order stream: ${error instanceof Error ? error.message : String(error)}`);
          // A stream that stayed up a while was healthy: start backing off from the beginning.
          if (Date.now() - openedAt > RETRY_MAX_MS) delay = RETRY_MIN_MS;
          await sleep(refused ? REFUSED_RETRY_MS : delay, signal);
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      }
    })();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }
}

/** Posts reports to the server, in batches while the server has the batch route. */
export class HttpsReportSink implements ReportSink {
  #batchRoute = true;

  constructor(private readonly link: ReportLink) {}

  async send(signed: SignedReport): Promise<void> {
    await this.link.sendReport(signed);
  }

  /**
   * Posts the reports in one request and answers each one's outcome. A server without the batch
   * route (404) gets single posts from then on; a refusal of the whole request that sending again
   * cannot mend (a body too large) gets single posts this time, so each report is judged alone.
   */
  async sendBatch(signed: readonly SignedReport[]): Promise<readonly ReportOutcome[]> {
    if (this.#batchRoute) {
      try {
        return await this.link.sendReports(signed);
      } catch (error) {
        // A refused certificate or conduit would refuse each report alike: wait for the next drain.
        if (!(error instanceof PermanentRefusal) || (error.status !== 404 && !this.isPermanent(error))) throw error;
        if (error.status === 404) this.#batchRoute = false;
      }
    }
    return this.#oneByOne(signed);
  }

  isPermanent(error: unknown): boolean {
    // A certificate refused (revoked, expired) is permanent for this certificate, not for the
    // report: keep it and send it once the device is renewed or reinstated.
    return error instanceof PermanentRefusal && error.status !== 401 && !error.code.startsWith('certificate-') && error.code !== 'conduit-refused';
  }

  /** Posts each report alone; stops at the first failure a resend may mend, leaving the rest untried (and unanswered). */
  async #oneByOne(signed: readonly SignedReport[]): Promise<ReportOutcome[]> {
    const outcomes: ReportOutcome[] = [];
    for (const report of signed) {
      try {
        await this.send(report);
        outcomes.push({ ok: true });
      } catch (error) {
        outcomes.push({ ok: false, error });
        if (!this.isPermanent(error)) break;
      }
    }
    return outcomes;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
