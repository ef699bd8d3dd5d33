import { z } from 'zod';
import { ForgelineError, ORDER_COMMANDS, actionInputSchemas, orderDraftInputSchema, orderEditSchema, type OrderCommand } from '../domain/index.js';
import { DISPATCH_MANY_LIMIT, dispatchManySchema, orderHistoryQuerySchema, orderListQuerySchema, reindexRequestSchema, type OrderPage } from '../orders/index.js';
import { presentOrder, presentOrderDetail } from './presenters.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

const orderQuerySchema = z.strictObject({ include: z.enum(['confidential']).optional() });
const revisionNumberSchema = z.string().regex(/^[1-9][0-9]{0,8}$/).transform(Number);
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new ForgelineError('validation-failed', 'Idempotency-Key must be 1-128 characters of letters, digits and . _ : -');
  }
  return header;
}

function readOrderQuery(query: Record<string, unknown>): { includeConfidential: boolean } {
  const parsed = orderQuerySchema.safeParse(query);
  if (!parsed.success) throw new ForgelineError('validation-failed', 'The only query parameter is include=confidential');
  return { includeConfidential: parsed.data.include === 'confidential' };
}

/** The list's filters as `GET /api/v1/orders` takes them: all but the customer reference, which goes in a body. */
const orderListUrlQuerySchema = orderListQuerySchema.omit({ customer: true });

/**
 * Refuses a customer reference in the URL: it is confidential, and URLs end up in request logs (the
 * server's own, a reverse proxy's) and browser histories. The search by customer is a POST.
 */
function refuseCustomerInUrl(query: Record<string, unknown>): void {
  if (!Object.hasOwn(query, 'customer')) return;
  const message = 'a customer reference is not taken in the URL: search with POST /api/v1/orders/search {"customer": …} so the reference stays out of URLs and logs';
  throw new ForgelineError('validation-failed', message, { problems: [{ path: 'customer', message }] });
}

/** A page of the list as it leaves: the customer search's index fields only with a customer search. */
function presentOrderPage(page: OrderPage) {
  return {
    items: page.items.map(presentOrder), nextCursor: page.nextCursor,
    ...(page.customerIndexComplete === undefined ? {} : { customerIndexComplete: page.customerIndexComplete }),
    ...(page.customerIndexUnreadable === undefined ? {} : { customerIndexUnreadable: page.customerIndexUnreadable }),
  };
}

/** Production orders: the list, one order, edits and every lifecycle command. */
export function orderRoutes(services: Services): RouteSpec[] {
  const { orders } = services;
  const commandRoutes: RouteSpec[] = ORDER_COMMANDS.map((command: OrderCommand) => ({
    method: 'POST', url: `/api/v1/orders/:id/${command}`, tag: 'orders', authenticated: true, body: actionInputSchemas[command],
    summary: `${command[0]?.toUpperCase()}${command.slice(1)} the order (names the version it was made against; 409 when stale)`,
    handler: async ({ actor, params, body, reply }) => {
      const order = await orders.perform(actor, params.id ?? '', command, body);
      reply.header('etag', `"${order.version}"`);
      return presentOrderDetail(order);
    },
  }));
  return [
    {
      method: 'POST', url: '/api/v1/orders/dispatch', tag: 'orders', authenticated: true, body: dispatchManySchema,
      summary: `Dispatch up to ${DISPATCH_MANY_LIMIT} released orders at once, each checked and audited as its own dispatch; one refusal refuses only its order`,
      responseDescription: '{results: [{id, ok: true, state, version} | {id, ok: false, status, code, detail}]}, in the request\'s order; a refusal carries what a dispatch of that order alone would have answered as problem+json',
      handler: async ({ actor, body }) => {
        const outcomes = await orders.dispatchMany(actor, body);
        return {
          results: outcomes.map((outcome) => (outcome.ok
            ? { id: outcome.id, ok: true, state: outcome.state, version: outcome.version }
            : { id: outcome.id, ok: false, status: outcome.error.status, code: outcome.error.code, detail: outcome.error.message })),
        };
      },
    },
    {
      method: 'GET', url: '/api/v1/orders', tag: 'orders', authenticated: true, query: orderListUrlQuerySchema,
      summary: 'List orders in your scope, filtered and searched (item code exact or by prefix), newest first or with sort=due soonest due first, '
        + 'with keyset paging (a cursor is only good for the sort that made it). A customer reference is refused here (400 validation-failed): search by customer with POST /api/v1/orders/search',
      responseDescription: '{items, nextCursor}',
      handler: async ({ actor, query }) => {
        refuseCustomerInUrl(query);
        return presentOrderPage(await orders.queries.list(actor, query));
      },
    },
    {
      method: 'POST', url: '/api/v1/orders/search', tag: 'orders', authenticated: true, body: orderListQuerySchema,
      summary: 'The order list with its filters in a JSON body rather than the URL, the same answer, paging and cursors as GET /api/v1/orders; '
        + 'the way to search by customer reference (exact, for roles that may see it, audited), which so stays out of URLs and request logs',
      responseDescription: '{items, nextCursor}; with a customer search also customerIndexComplete, false while older orders are not yet indexed (forgeline order reindex), '
        + 'and customerIndexUnreadable, how many orders no customer search can find as their customer reference does not decrypt',
      handler: async ({ actor, body }) => presentOrderPage(await orders.queries.list(actor, body ?? {})),
    },
    {
      method: 'POST', url: '/api/v1/orders/reindex', tag: 'orders', authenticated: true, body: reindexRequestSchema,
      summary: 'Fill the search columns (item code, customer reference tag) of orders written before search existed; key managers only. Call again with after=next until next is null',
      responseDescription: '{indexed, failed: [order ids whose customer reference does not decrypt, marked so the fill at start passes them by; each reindex tries them again], next: order id | null}',
      handler: ({ actor, body }) => orders.searchIndex.reindex(actor, body),
    },
    {
      method: 'POST', url: '/api/v1/orders', tag: 'orders', authenticated: true, status: 201, body: orderDraftInputSchema,
      headers: { 'Idempotency-Key': 'Makes a retried create return the first result' },
      summary: 'Create a draft order',
      handler: async ({ actor, body, request, reply }) => {
        const { order, replayed } = await orders.createOrReplay(actor, body, readIdempotencyKey(request.headers['idempotency-key']));
        reply.header('location', `/api/v1/orders/${order.id}`).header('etag', `"${order.version}"`);
        // The same answer as the first time, marked so a client can tell (as Stripe's API does).
        if (replayed) reply.header('idempotent-replayed', 'true');
        return presentOrderDetail(order);
      },
    },
    {
      method: 'GET', url: '/api/v1/orders/:id', tag: 'orders', authenticated: true, query: orderQuerySchema,
      summary: 'One order; include=confidential adds recipe and customer for roles that may see them (audited)',
      handler: async ({ actor, params, query, reply }) => {
        const order = await orders.queries.get(actor, params.id ?? '', readOrderQuery(query));
        reply.header('etag', `"${order.version}"`);
        return presentOrderDetail(order);
      },
    },
    {
      method: 'PATCH', url: '/api/v1/orders/:id', tag: 'orders', authenticated: true, body: orderEditSchema.extend({ version: z.number().int().min(1) }),
      summary: 'Edit a draft: makes a new immutable revision',
      handler: async ({ actor, params, body, reply }) => {
        const order = await orders.edit(actor, params.id ?? '', body);
        reply.header('etag', `"${order.version}"`);
        return presentOrderDetail(order);
      },
    },
    {
      method: 'GET', url: '/api/v1/orders/:id/jws', tag: 'orders', authenticated: true,
      summary: 'The released revision as a compact JWS (EdDSA, kid), verified against the current keys first; for readers who may see all of its confidential fields (audited)',
      responseDescription: 'The compact JWS (application/jose); verify it with the JWKS at /api/v1/keys',
      handler: async ({ actor, params, reply }) => {
        const jws = await orders.queries.jws(actor, params.id ?? '');
        reply.type('application/jose');
        return jws;
      },
    },
    {
      method: 'GET', url: '/api/v1/orders/:id/release-attestation', tag: 'orders', authenticated: true, responseType: 'application/jose',
      summary: 'The release attestation of the released revision: a compact JWS (EdDSA, the order JWS\'s kid, typ forgeline-release-attestation+jws) over its order id, number, revision, '
        + 'content hash, e-signatures and the SHA-256 of the order JWS, no confidential field; for anyone who may read the order (not audited); 404 not-found when the order has none (released before attestations, or not released)',
      responseDescription: 'The compact JWS (application/jose), handed out as stored; verify it with the JWKS at /api/v1/keys',
      handler: async ({ actor, params, reply }) => {
        const attestation = await orders.queries.releaseAttestation(actor, params.id ?? '');
        reply.type('application/jose');
        return attestation;
      },
    },
    {
      method: 'GET', url: '/api/v1/orders/:id/revisions', tag: 'orders', authenticated: true,
      summary: 'The revisions of an order with their content hashes',
      handler: async ({ actor, params }) => ({ items: await orders.queries.revisions(actor, params.id ?? '') }),
    },
    {
      method: 'GET', url: '/api/v1/orders/:id/history', tag: 'orders', authenticated: true, query: orderHistoryQuerySchema,
      summary: 'A page of the accepted changes of an order (progress reports included), oldest first unless order=newest-first: action, time, person, revision, and the reason or note given (a hold\'s reason); limit 1-500 (default 100), cursor from nextCursor',
      handler: async ({ actor, params, query }) => {
        const page = await orders.queries.history(actor, params.id ?? '', query);
        return {
          items: page.items.map((event) => ({ at: event.at, actor: event.actor, action: event.action, revision: event.revision, reason: event.reason, note: event.note })),
          nextCursor: page.nextCursor,
        };
      },
    },
    {
      method: 'GET', url: '/api/v1/orders/:id/revisions/:revision', tag: 'orders', authenticated: true, query: orderQuerySchema,
      summary: 'One revision with its content, for comparing revisions; include=confidential as for the order (audited)',
      handler: async ({ actor, params, query }) => {
        const revision = revisionNumberSchema.safeParse(params.revision);
        if (!revision.success) throw new ForgelineError('not-found', `no revision ${params.revision ?? ''}`);
        const found = await orders.queries.revision(actor, params.id ?? '', revision.data, readOrderQuery(query));
        // The content was built field by field for this reader (confidential ones only when included).
        return { revision: found.revision, contentHash: found.contentHash, createdBy: found.createdBy, createdAt: found.createdAt, content: found.content, confidentialFields: [...found.confidentialFields] };
      },
    },
    ...commandRoutes,
  ];
}
