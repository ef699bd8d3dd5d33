/**
 * The agent's HTTPS link to the Forgeline server: mutual TLS with the device certificate, the
 * server trusted only by the Forgeline CA. It fetches the order-signing keys (JWKS), follows the
 * work center's order stream (server-sent events), sends reports, and renews the certificate.
 */
import { Agent, request } from 'undici';
import { verificationKeysFromJwks, type OrderVerificationKey } from '../crypto/index.js';
import type { SignedReport } from './report-journal.js';

/** An order as the server delivers it: its id, revision, number and the release JWS. */
export interface OrderDelivery {
  readonly orderId: string;
  readonly revision: number;
  readonly number: string;
  readonly jws: string;
}

/** A refusal the server will repeat however often it is asked (4xx other than 408/429): retrying cannot help. */
export class PermanentRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'PermanentRefusal';
  }
}

/** The server or the network is away, or busy: try again later. */
export class TransientFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientFailure';
  }
}

/** One report's outcome in a batch the server answered: its receipt, or why it was not taken. */
export type ReportResult =
  | { readonly ok: true; readonly receipt: unknown }
  | { readonly ok: false; readonly error: PermanentRefusal | TransientFailure };

/** What the link presents and trusts. */
export interface ServerLinkOptions {
  /** The server's base URL, e.g. https://forgeline.plant.local:8443. */
  readonly baseUrl: string;
  readonly chainPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

/** The HTTPS side of the agent. */
export class ServerLink {
  readonly #baseUrl: string;
  readonly #caPem: string;
  #dispatcher: Agent;

  constructor(options: ServerLinkOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#caPem = options.caPem;
    this.#dispatcher = this.#pool(options.chainPem, options.keyPem);
  }

  /** Presents a renewed certificate from the next connection on; open ones finish on the old. */
  useCertificate(chainPem: string, keyPem: string): void {
    const old = this.#dispatcher;
    this.#dispatcher = this.#pool(chainPem, keyPem);
    void old.close().catch(() => undefined);
  }

  #pool(chainPem: string, keyPem: string): Agent {
    return new Agent({
      connect: { ca: this.#caPem, cert: chainPem, key: keyPem, minVersion: 'TLSv1.2' },
      // A stream stays open for hours: no body timeout; heartbeats keep it alive.
      bodyTimeout: 0,
      headersTimeout: 30_000,
    });
  }

  /** The order-signing keys, revoked ones with `revokedSince`, each kid checked against its key. */
  async verificationKeys(): Promise<Map<string, OrderVerificationKey>> {
    return verificationKeysFromJwks(await this.#json('GET', '/api/v1/device/keys'));
  }

  /** The device's MQTT topics (its work center's orders, its own reports), as the broker's ACL grants them. */
  async mqttTopics(): Promise<{ orders: string; reports: string }> {
    const topics = (await this.#json('GET', '/api/v1/device/mqtt-topics')) as { orders?: unknown; reports?: unknown };
    if (typeof topics.orders !== 'string' || typeof topics.reports !== 'string') throw new TransientFailure('the server answered no MQTT topics');
    return { orders: topics.orders, reports: topics.reports };
  }

  /** Sends one signed report; resolves on the server's receipt (a duplicate is a receipt too). */
  async sendReport(signed: SignedReport): Promise<unknown> {
    return this.#json('POST', '/api/v1/device/reports', signed);
  }

  /**
   * Sends up to 100 signed reports in one request and answers one result per report, in order.
   * Throws {@link PermanentRefusal} or {@link TransientFailure} when the request as a whole was
   * not taken (404 from a server without the batch route), and a TransientFailure when the answer
   * does not match what was sent.
   */
  async sendReports(signed: readonly SignedReport[]): Promise<ReportResult[]> {
    const path = '/api/v1/device/reports/batch';
    return parseReportResults(await this.#json('POST', path, { reports: signed }), signed.length, path);
  }

  /** Asks for a new certificate for the key of `csrPem`, over mutual TLS with the current one. */
  async renew(csrPem: string): Promise<{ chain: string; ca?: string; serial: string; notAfter: string }> {
    return (await this.#json('POST', '/api/v1/pki/renew', { csr: csrPem })) as { chain: string; ca?: string; serial: string; notAfter: string };
  }

  /**
   * Follows the work center's order stream until `signal` aborts or the stream ends; each order
   * is handed to `onOrder` and the next is read only after it resolved (the agent records the
   * order before anything else happens). Throws {@link PermanentRefusal} or
   * {@link TransientFailure} when the stream cannot be opened or breaks.
   */
  async followOrders(onOrder: (order: OrderDelivery) => Promise<void>, signal: AbortSignal): Promise<void> {
    let response;
    try {
      response = await request(`${this.#baseUrl}/api/v1/device/orders/stream`, {
        method: 'GET', dispatcher: this.#dispatcher, signal, headers: { accept: 'text/event-stream' },
      });
    } catch (error) {
      if (signal.aborted) return;
      throw new TransientFailure(`cannot reach ${this.#baseUrl}: ${describe(error)}`);
    }
    if (response.statusCode !== 200) throw await refusalOf(response.statusCode, await response.body.text().catch(() => ''));
    const parser = new EventStreamParser();
    try {
      for await (const chunk of response.body) {
        for (const event of parser.push(String(chunk))) {
          if (event.event !== 'order') continue;
          await onOrder(parseDelivery(event.data));
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof PermanentRefusal) throw error;
      throw new TransientFailure(`the order stream broke: ${describe(error)}`);
    }
    if (!signal.aborted) throw new TransientFailure('the server ended the order stream');
  }

  /** Closes the connection pool (and any open stream). */
  async close(): Promise<void> {
    await this.#dispatcher.destroy();
  }

  async #json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let response;
    try {
      response = await request(`${this.#baseUrl}${path}`, {
        method, dispatcher: this.#dispatcher,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new TransientFailure(`cannot reach ${this.#baseUrl}: ${describe(error)}`);
    }
    const text = await response.body.text().catch(() => '');
    if (response.statusCode >= 200 && response.statusCode < 300) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new TransientFailure(`${path} answered something that is not JSON`);
      }
    }
    throw await refusalOf(response.statusCode, text);
  }
}

async function refusalOf(status: number, text: string): Promise<Error> {
  let code = 'http-error';
  let detail = `HTTP ${status}`;
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof problem.code === 'string') code = problem.code;
    if (typeof problem.detail === 'string') detail = problem.detail;
    else if (typeof problem.title === 'string') detail = problem.title;
  } catch {
    // Not problem+json: the status says enough.
  }
  return failureOf(status, code, detail);
}

/** A refusal the server will repeat (4xx other than 408/429) or a failure worth retrying. */
function failureOf(status: number, code: string, detail: string): PermanentRefusal | TransientFailure {
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  return permanent ? new PermanentRefusal(status, code, `${code}: ${detail}`) : new TransientFailure(`${code}: ${detail}`);
}

/** The results of a batch answer, checked against how many reports were sent. */
function parseReportResults(answer: unknown, count: number, path: string): ReportResult[] {
  const results = (answer as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== count) throw new TransientFailure(`${path} answered ${Array.isArray(results) ? results.length : 'no'} results for ${count} reports`);
  return results.map((item: unknown): ReportResult => {
    const result = (item ?? {}) as { ok?: unknown; receipt?: unknown; status?: unknown; code?: unknown; detail?: unknown };
    if (result.ok === true && typeof result.receipt === 'object' && result.receipt !== null) return { ok: true, receipt: result.receipt };
    if (result.ok === false && typeof result.status === 'number' && typeof result.code === 'string' && typeof result.detail === 'string') {
      return { ok: false, error: failureOf(result.status, result.code, result.detail) };
    }
    throw new TransientFailure(`${path} answered a result that is neither a receipt nor a refusal`);
  });
}

function parseDelivery(data: string): OrderDelivery {
  const value = JSON.parse(data) as Partial<OrderDelivery>;
  if (typeof value.orderId !== 'string' || typeof value.revision !== 'number' || typeof value.number !== 'string' || typeof value.jws !== 'string') {
    throw new TransientFailure('the order stream sent an event that is not an order');
  }
  return { orderId: value.orderId, revision: value.revision, number: value.number, jws: value.jws };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** One server-sent event (WHATWG HTML §9.2): its type, data and id. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Splits a text/event-stream into events, chunk by chunk; comments (heartbeats) are skipped. */
export class EventStreamParser {
  #buffer = '';

  /** Takes the next chunk of the stream and answers the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    this.#buffer += chunk;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const match = /\r\n\r\n|\n\n|\r\r/.exec(this.#buffer);
      if (match === null) break;
      const block = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length > 0) events.push({ event, data: data.join('\n'), id });
    }
    return events;
  }
}
