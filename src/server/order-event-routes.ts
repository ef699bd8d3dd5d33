/**
 * The people's live view of a work center's orders (issue 7 point 5): server-sent events (WHATWG
 * HTML §9.2) telling of every committed change of an order there, for the operator's board. The
 * caller (browser session cookie or bearer) must be allowed to read the work center's orders; the
 * stream checks that again on every heartbeat, so a revoked session or a removed role ends it.
 * Changes through this instance come from the order service's signal at once; those through
 * other instances on the same database from the audit log, within its poll.
 */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import { OrderChangeFollower, type OrderChange } from '../orders/index.js';
import { DEFAULT_HEARTBEAT_MS, type DeviceChannelOptions } from './device-channel-routes.js';
import { reauthenticate, type RouteSpec } from './route.js';
import type { Services } from './services.js';

const orderEventsQuerySchema = z.strictObject({ workCenterId: z.string().max(64) });

/** How many order event streams one person may hold open at once (a board per tab, a few tablets); more is refused. */
export const MAX_ORDER_STREAMS_PER_PERSON = 10;

/** How long a browser waits before it reconnects a stream that ended (the SSE `retry` field), in ms. */
export const ORDER_EVENTS_RETRY_MS = 3_000;

/** One change as a server-sent event: only what names it and where it stands; the reader fetches the rest as it may. */
function changeEvent(change: OrderChange): string {
  return `event: order\ndata: ${JSON.stringify({ id: change.orderId, state: change.state, version: change.version })}\n\n`;
}

/** `GET /api/v1/orders/events`: the order changes of one work center, live. */
export function orderEventRoutes(services: Services, options: DeviceChannelOptions & { readonly followPollMs?: number | undefined }): RouteSpec[] {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  // Changes made through other instances on the same database, heard from the audit log while a stream is open.
  const follower = new OrderChangeFollower({ store: services.store, ...(options.followPollMs === undefined ? {} : { pollMs: options.followPollMs }) });
  // Open streams per person: each holds a socket, a heartbeat timer and two subscriptions.
  const openStreams = new Map<string, number>();
  return [
    {
      method: 'GET', url: '/api/v1/orders/events', tag: 'orders', authenticated: true, query: orderEventsQuerySchema,
      summary: 'The changes of the orders of one work center, live, as server-sent events (for boards); you must be allowed to read its orders',
      responseDescription: 'text/event-stream: `event: order`, `data: {id, state, version}` after each committed change of an order of the work center; a comment heartbeat every 15 s. Ends when the server closes or the caller may no longer read the orders.',
      responseType: 'text/event-stream',
      handler: async ({ actor, query, request, reply }) => {
        const { workCenterId } = parseOrThrow(orderEventsQuerySchema, query, 'order events query');
        await services.orders.queries.assertMayWatch(actor, workCenterId);
        const person = actor.subject.userId;
        const open = openStreams.get(person) ?? 0;
        if (open >= MAX_ORDER_STREAMS_PER_PERSON) {
          throw new ForgelineError('rate-limited', `you already have ${open} order event streams open (at most ${MAX_ORDER_STREAMS_PER_PERSON}); close a board or tab first`);
        }
        openStreams.set(person, open + 1);
        const stream = new PassThrough();
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          const left = (openStreams.get(person) ?? 1) - 1;
          if (left > 0) openStreams.set(person, left);
          else openStreams.delete(person);
          clearInterval(heartbeat);
          unsubscribe();
          forget();
          stream.end();
        };
        // The version told last per order: this instance's signal and the log follower may both tell of a change.
        const told = new Map<string, number>();
        const tell = (change: OrderChange): void => {
          if (ended || change.workCenterId !== workCenterId || change.version <= (told.get(change.orderId) ?? 0)) return;
          told.set(change.orderId, change.version);
          stream.write(changeEvent(change));
        };
        const unsubscribeSignal = services.orderChanges.subscribe(tell);
        const unsubscribeFollower = follower.subscribe(tell);
        const unsubscribe = (): void => {
          unsubscribeSignal();
          unsubscribeFollower();
        };
        const heartbeat = setInterval(() => {
          reauthenticate(services, request)
            .then((again) => services.orders.queries.assertMayWatch(again, workCenterId))
            .then(
              () => {
                if (!ended) stream.write(': heartbeat\n\n');
              },
              // Signed out, revoked, expired, or the role is gone: this caller hears no more.
              end,
            );
        }, heartbeatMs);
        const forget = options.connections.add(end);
        stream.on('close', end);
        // The reconnection delay, and a first line so the browser knows the stream is open.
        stream.write(`retry: ${ORDER_EVENTS_RETRY_MS}\n: connected\n\n`);
        reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').header('connection', 'close');
        return stream;
      },
    },
  ];
}
