/**
 * The agent's transport over HTTPS with mutual TLS: orders from the server-sent event stream,
 * followed again after every break (backing off while the server is away), and reports posted one
 * by one. A refusal the server will repeat (a revoked certificate, no conduit) is waited out longer
 * than a network failure: an administrator may be fixing it.
 */
import type { OrderSource, ReportSink } from './edge-agent.js';
import { PermanentRefusal, type OrderDelivery, type ServerLink } from './server-link.js';
import type { SignedReport } from './report-journal.js';

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

/** Posts reports to the server. */
export class HttpsReportSink implements ReportSink {
  constructor(private readonly link: ServerLink) {}

  async send(signed: SignedReport): Promise<void> {
    await this.link.sendReport(signed);
  }

  isPermanent(error: unknown): boolean {
    // A certificate refused (revoked, expired) is permanent for this certificate, not for the
    // report: keep it and send it once the device is renewed or reinstated.
    return error instanceof PermanentRefusal && error.status !== 401 && !error.code.startsWith('certificate-') && error.code !== 'conduit-refused';
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
