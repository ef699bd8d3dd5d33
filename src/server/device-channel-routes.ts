/**
 * The devices' channel over HTTPS with mutual TLS (issue 6 point 3): the work center's orders as
 * server-sent events (or long polling), and the devices' signed reports. Every request is a device
 * route (client certificate checked against the database); the stream checks it again on every
 * heartbeat, so a revoked device's stream ends within one.
 */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import {
  MAX_REPORTS_PER_BATCH, receiveReportBatch, signedReportSchema, StoreMqttDirectory, type AuthenticatedDevice, type BatchedReportOutcome, type FeedOrder, type ReportReceipt,
} from '../devices/index.js';
import { ForgelineError, isForgelineError, parseOrThrow } from '../domain/index.js';
import { deviceRoute, peerCertificateOf } from './client-certificate.js';
import { toForgelineError } from './problem.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';
import type { DispatchedOrder } from '../orders/index.js';

/** How often an idle order stream carries a comment, and its device's certificate is checked again. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** The longest a long poll waits, in seconds. */
export const MAX_LONG_POLL_SECONDS = 30;

const longPollQuerySchema = z.strictObject({
  wait: z.coerce.number({ message: 'must be a whole number of seconds' }).int('must be a whole number of seconds').min(0).max(MAX_LONG_POLL_SECONDS).default(0),
});

/**
 * A batch of reports as validated here: only the envelope. Each item is handed to the report
 * service as it came, so a malformed one is refused (and audited) alone, as a single report is.
 */
const reportBatchSchema = z.strictObject({ reports: z.array(z.unknown()).min(1).max(MAX_REPORTS_PER_BATCH) });

/** The batch as the OpenAPI document shows it: each item a signed report. */
const reportBatchDocSchema = z.strictObject({ reports: z.array(signedReportSchema).min(1).max(MAX_REPORTS_PER_BATCH) });

/** The fields of a receipt that leave, for a single report and a batched one alike. */
function presentReceipt(receipt: ReportReceipt) {
  return {
    idempotencyKey: receipt.idempotencyKey, duplicate: receipt.duplicate, applied: receipt.applied, orderId: receipt.orderId, orderState: receipt.orderState,
    ...(receipt.note === undefined ? {} : { note: receipt.note }),
  };
}

/** One report's outcome in a batch: its receipt, or the status, code and detail its own request would have been answered with. */
function presentOutcome(outcome: BatchedReportOutcome) {
  if (outcome.ok) return { ok: true, receipt: presentReceipt(outcome.receipt) };
  const known = toForgelineError(outcome.error);
  return { ok: false, status: known.status, code: known.code, detail: known.message };
}

/**
 * The open order streams and long polls of one server, ended when it closes (a stream never
 * ends by itself, and Fastify's close waits for every request in flight).
 */
export class DeviceConnections {
  readonly #open = new Set<() => void>();
  #closing = false;

  /**
   * Registers how to end one connection; the function returned forgets it. Once the server is
   * closing, a connection whose handler was still checking its certificate is ended right away.
   */
  add(end: () => void): () => void {
    if (this.#closing) {
      queueMicrotask(end);
      return () => undefined;
    }
    this.#open.add(end);
    return () => this.#open.delete(end);
  }

  /** Ends every open stream and poll, and any opened from now on (the server is closing). */
  endAll(): void {
    this.#closing = true;
    for (const end of [...this.#open]) end();
    this.#open.clear();
  }
}

/** Options of {@link deviceChannelRoutes}. */
export interface DeviceChannelOptions {
  readonly connections: DeviceConnections;
  /** Default {@link DEFAULT_HEARTBEAT_MS}; shorter in tests. */
  readonly heartbeatMs?: number | undefined;
}

/** One order as a server-sent event (WHATWG HTML §9.2): its type, its id for Last-Event-ID, and the order as JSON. */
function orderEvent(order: FeedOrder): string {
  const data = JSON.stringify({ orderId: order.orderId, revision: order.revision, number: order.number, jws: order.jws });
  return `event: order\nid: ${order.orderId}:${order.revision}\ndata: ${data}\n\n`;
}

/** The fields of an order that leave on the long poll. */
function presentFeedOrder(order: FeedOrder) {
  return { orderId: order.orderId, revision: order.revision, number: order.number, jws: order.jws };
}

/** The devices' order stream, long poll and reports. */
export function deviceChannelRoutes(services: Services, options: DeviceChannelOptions): RouteSpec[] {
  const { devices, orderFeed, reports } = services;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  /** Streams the device's pending orders, then each new one, until either side goes away or the certificate stops passing. */
  const openStream = (device: AuthenticatedDevice, certificate: Buffer | undefined, source: string): PassThrough => {
    const stream = new PassThrough();
    // What this stream has sent: a re-read of the feed sends only what is new to it.
    const sent = new Set<string>();
    let ended = false;
    let reading: Promise<void> | null = null;
    let readAgain = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unwatch();
      forget();
      stream.end();
    };
    const readFeed = async (): Promise<void> => {
      do {
        readAgain = false;
        for (const order of await orderFeed.pendingFor(device)) {
          const key = `${order.orderId}:${order.revision}`;
          if (ended || sent.has(key)) continue;
          sent.add(key);
          stream.write(orderEvent(order));
        }
      } while (readAgain && !ended);
    };
    // Word of dispatches arrives in bursts: one read at a time, and one more if word came during it.
    const refresh = (): void => {
      if (ended) return;
      if (reading !== null) {
        readAgain = true;
        return;
      }
      reading = readFeed().catch(end).finally(() => {
        reading = null;
      });
    };
    const heartbeat = setInterval(() => {
      devices.checkClientCertificate(certificate, source).then(
        () => {
          if (!ended) stream.write(': heartbeat\n\n');
        },
        // Revoked or expired since the stream opened: the device hears no more orders.
        end,
      );
    }, heartbeatMs);
    // A dispatch through this instance carries what the device receives: sent at once, no read of the feed.
    const hear = (dispatched: DispatchedOrder): void => {
      const { delivery } = dispatched;
      if (delivery === undefined) {
        refresh();
        return;
      }
      const key = `${dispatched.orderId}:${dispatched.revision}`;
      if (ended || sent.has(key)) return;
      sent.add(key);
      stream.write(orderEvent({ orderId: dispatched.orderId, revision: dispatched.revision, number: delivery.number, jws: delivery.jws }));
    };
    // Watch before the first read, so no dispatch falls between the two.
    const unwatch = orderFeed.watch(device.workCenterId, hear);
    const forget = options.connections.add(end);
    // The client went away (Fastify destroys the stream when the response closes).
    stream.on('close', end);
    refresh();
    return stream;
  };

  return [
    deviceRoute(devices, {
      method: 'GET', url: '/api/v1/device/orders/stream', tag: 'device-channel',
      summary: 'The orders dispatched to this device\'s work center, as server-sent events: every pending one on connect, then each new one',
      responseDescription: 'text/event-stream: `event: order`, `id: <orderId>:<revision>`, `data: {orderId, revision, number, jws}`; a comment heartbeat every 15 s. Ends when the certificate is revoked.',
      responseType: 'text/event-stream',
      handler: async ({ device, request, reply }) => {
        await orderFeed.admit(device, 'https', request.ip);
        const stream = openStream(device, peerCertificateOf(request), request.ip);
        reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store')
          // One stream per connection: when it ends, so does the connection (and a closing server is not kept waiting by it).
          .header('connection', 'close');
        return stream;
      },
    }),
    deviceRoute(devices, {
      method: 'GET', url: '/api/v1/device/orders', tag: 'device-channel', query: longPollQuerySchema,
      summary: 'Long polling: the orders pending for this device\'s work center at once, or the first ones dispatched within `wait` seconds (at most 30)',
      responseDescription: '{items: [{orderId, revision, number, jws}]}; empty when nothing came within the wait',
      handler: async ({ device, query, request, reply }) => {
        const { wait } = parseOrThrow(longPollQuerySchema, query, 'long poll query');
        await orderFeed.admit(device, 'https', request.ip);
        let wake: () => void = () => undefined;
        let woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const unwatch = orderFeed.watch(device.workCenterId, () => wake());
        let closing = false;
        const forget = options.connections.add(() => {
          closing = true;
          wake();
        });
        const gone = () => wake();
        reply.raw.once('close', gone);
        const deadline = Date.now() + wait * 1000;
        let timer: NodeJS.Timeout | undefined;
        try {
          for (;;) {
            const pending = await orderFeed.pendingFor(device);
            const left = deadline - Date.now();
            if (pending.length > 0 || left <= 0 || closing || reply.raw.destroyed) {
              // A closing server closes only idle connections: this one must not stay open after its answer.
              if (closing) reply.header('connection', 'close');
              return { items: pending.map(presentFeedOrder) };
            }
            timer = setTimeout(wake, left);
            await woken;
            clearTimeout(timer);
            woken = new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          clearTimeout(timer);
          unwatch();
          forget();
          reply.raw.off('close', gone);
        }
      },
    }),
    deviceRoute(devices, {
      method: 'POST', url: '/api/v1/device/reports', tag: 'device-channel', body: signedReportSchema,
      summary: 'A signed report of this device on an order dispatched to it (accepted, refused, started, paused, resumed, progress, completed, aborted)',
      responseDescription: 'The receipt: {idempotencyKey, duplicate, applied, orderId, orderState, note?}; a resend answers the first receipt with duplicate: true',
      handler: async ({ device, body, request }) => presentReceipt(await reports.receive(device, body, 'https', request.ip)),
    }),
    deviceRoute(devices, {
      method: 'POST', url: '/api/v1/device/reports/batch', tag: 'device-channel', body: reportBatchDocSchema,
      summary: `1 to ${MAX_REPORTS_PER_BATCH} signed reports of this device in one request, each handled as if sent alone: reports of one order in the batch's order, of different orders together`,
      responseDescription: '{results: [...]}, one per report in the same order: {ok: true, receipt} (the single route\'s receipt) or {ok: false, status, code, detail} (what the single route would have answered). '
        + 'After a 5xx, 408 or 429 failure the same order\'s later reports are not tried and carry the same failure; send them again.',
      handler: async ({ device, body, request }) => {
        const { reports: items } = parseOrThrow(reportBatchSchema, body, 'report batch');
        const outcomes = await receiveReportBatch(items, (item) => reports.receive(device, item, 'https', request.ip));
        // A server-side failure is logged once (a skipped report shares its order's), as the error boundary logs a single report's, and answered without internals.
        const failures = new Set(outcomes.flatMap((outcome) => (outcome.ok || toForgelineError(outcome.error).status < 500 ? [] : [outcome.error])));
        for (const error of failures) request.log.error({ err: error }, isForgelineError(error) ? error.message : 'unhandled error in a report batch');
        return { results: outcomes.map(presentOutcome) };
      },
    }),
    deviceRoute(devices, {
      method: 'GET', url: '/api/v1/device/keys', tag: 'device-channel',
      summary: 'The order-signing JWKS for the device to verify orders with (the same set as GET /api/v1/keys)',
      responseDescription: 'A JWK Set (RFC 7517) of Ed25519 keys (RFC 8037); a revoked one carries revokedSince',
      handler: async ({ reply }) => {
        reply.type('application/jwk-set+json');
        return services.signingKeys.jwks();
      },
    }),
    deviceRoute(devices, {
      method: 'GET', url: '/api/v1/device/mqtt-topics', tag: 'device-channel',
      summary: 'The MQTT topics of this device: its work center\'s orders topic (read) and its own reports topic (write), as the broker\'s ACL grants them',
      responseDescription: '{orders, reports}: ISA-95 topic names forgeline/<site>/<area>/<work center>/…',
      handler: async ({ device }) => {
        const directory = new StoreMqttDirectory({ store: services.store, clock: services.clock });
        const reporting = await directory.device(device.deviceId);
        if (reporting === undefined) throw new ForgelineError('certificate-invalid', 'the device has no valid certificate on record');
        return { orders: await directory.ordersTopic(device.workCenterId), reports: reporting.reportsTopic };
      },
    }),
  ];
}
