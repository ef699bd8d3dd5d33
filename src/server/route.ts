import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { assertAccountReady, isApiTokenSecret, type Actor, type Subject } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';
import { assertCsrf, carriesSessionCookie, clearRefusedSessionCookie, csrfTokenFor, sessionCookieFrom } from './browser-session.js';

/** What a route handler gets: the authenticated actor (when the route needs one) and the raw request parts. */
export interface RouteContext {
  readonly actor: Actor;
  readonly body: unknown;
  readonly query: Record<string, unknown>;
  readonly params: Record<string, string>;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Present when the request was authenticated by the browser session cookie: the session's CSRF token, for the app to send back. */
  readonly browserSession?: { readonly csrfToken: string } | undefined;
}

/**
 * One route: its place, its documentation and its handler. The same list registers
 * the routes with Fastify and writes the OpenAPI document, so neither can drift.
 * Bodies and queries are validated by the service with the schema named here.
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/api/v1/orders/:id`). */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /** False only for sign-in and health. */
  readonly authenticated: boolean;
  /**
   * Refuses API tokens (403): the route manages a person's own credentials (password,
   * second factor, sessions, API tokens), which an integration's token must never touch.
   */
  readonly personOnly?: boolean;
  /**
   * Reachable while the account is not ready: its one-time password not yet changed or a
   * required second factor not yet enrolled. Every other route refuses such a session
   * before its handler runs, whatever the handler checks itself.
   */
  readonly accountSetup?: boolean;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly headers?: Readonly<Record<string, string>>;
  /** Success status; 204 sends no body. */
  readonly status?: number;
  readonly responseDescription?: string;
  /** The media type of a success answer, when it is not JSON (a server-sent event stream, a CRL): for the OpenAPI document. */
  readonly responseType?: string;
  readonly handler: (context: RouteContext) => Promise<unknown>;
}

/**
 * What resolves a bearer token: sessions of people (`POST /api/v1/sessions`) and API
 * tokens of integrations (`POST /api/v1/tokens`, told apart by their `flt_` prefix).
 * The services object satisfies it.
 */
export interface BearerAuthenticators {
  /** `activity: false` checks the session without counting it as the person's activity (the idle timeout keeps running). */
  readonly sessions: { authenticate(token: string, source: string | null, options?: { readonly activity?: boolean }): Promise<Subject | null> };
  readonly apiTokens: { authenticate(token: string, source: string | null): Promise<Subject | null> };
}

const ANONYMOUS: Actor = { subject: { userId: '', username: 'anonymous', roles: [], passwordMustChange: false }, source: null };

/** Who is asking, and, when they came with the session cookie, its CSRF token. */
interface Authenticated {
  readonly actor: Actor;
  readonly browserSession?: { readonly csrfToken: string };
}

/**
 * Resolves the browser session cookie (issue 7): sessions only, never an API token, and for
 * a state-changing method only with the session's CSRF token and no foreign Origin.
 */
async function authenticateCookie(authenticators: BearerAuthenticators, request: FastifyRequest, token: string, activity: boolean): Promise<Authenticated> {
  // An integration's token belongs in the Authorization header; in a cookie it is a mistake or a plant.
  if (isApiTokenSecret(token)) throw new ForgelineError('unauthenticated', 'The session cookie holds an API token; send API tokens as Authorization: Bearer');
  const subject = await authenticators.sessions.authenticate(token, request.ip, { activity });
  if (!subject) throw new ForgelineError('unauthenticated', 'The browser session is unknown, expired or revoked; sign in again');
  assertCsrf(request, token);
  return { actor: { subject, source: request.ip }, browserSession: { csrfToken: csrfTokenFor(token) } };
}

/**
 * Reads `Authorization: Bearer <token>` and resolves it as an API token (by its prefix)
 * or a session token; without that header, the browser session cookie; else throws
 * `unauthenticated`: the one place requests are authenticated.
 */
async function authenticate(authenticators: BearerAuthenticators, request: FastifyRequest, activity = true): Promise<Authenticated> {
  const header = request.headers.authorization;
  if (header === undefined) {
    // A bearer request ignores cookies entirely: the CLI and integrations behave as before.
    const cookie = sessionCookieFrom(request.headers.cookie);
    if (cookie !== undefined) return authenticateCookie(authenticators, request, cookie, activity);
    if (carriesSessionCookie(request.headers.cookie)) throw new ForgelineError('unauthenticated', 'The session cookie is malformed; sign in again');
  }
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header) : null;
  const token = match?.[1];
  if (!token) throw new ForgelineError('unauthenticated', 'Send Authorization: Bearer <token> from POST /api/v1/sessions (or an API token)');
  if (isApiTokenSecret(token)) {
    const subject = await authenticators.apiTokens.authenticate(token, request.ip);
    if (!subject) throw new ForgelineError('unauthenticated', 'The API token is unknown, expired or revoked');
    // The audit log names the token beside the address, so every entry a token caused can be traced to it.
    return { actor: { subject, source: `${request.ip} via API token ${subject.restriction?.tokenId ?? ''}` } };
  }
  const subject = await authenticators.sessions.authenticate(token, request.ip, { activity });
  if (!subject) throw new ForgelineError('unauthenticated', 'The session token is unknown, expired or revoked; sign in again');
  return { actor: { subject, source: request.ip } };
}

/**
 * Authenticates `request` again as the pipeline did, account readiness included: for a long-lived
 * stream that re-checks, now and then, that its caller may still listen (a revoked session ends it).
 * The re-check is not the person's activity: a board left open still ends at the idle timeout.
 */
export async function reauthenticate(authenticators: BearerAuthenticators, request: FastifyRequest): Promise<Actor> {
  const { actor } = await authenticate(authenticators, request, false);
  assertAccountReady(actor.subject);
  return actor;
}

/** Registers routes as pipelines: authenticate, then the handler (which validates, authorizes via the service, and presents). */
export function registerRoutes(app: FastifyInstance, authenticators: BearerAuthenticators, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        try {
          return await runRoute(authenticators, route, request, reply);
        } catch (error) {
          clearRefusedSessionCookie(request, reply, error);
          throw error;
        }
      },
    });
  }
}

/** One route's pipeline for one request: authenticate, check the account, call the handler, set the status. */
async function runRoute(authenticators: BearerAuthenticators, route: RouteSpec, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { actor, browserSession } = route.authenticated ? await authenticate(authenticators, request) : { actor: { ...ANONYMOUS, source: request.ip }, browserSession: undefined };
  if (route.personOnly && actor.subject.restriction !== undefined) {
    throw new ForgelineError('forbidden', 'API tokens cannot use this endpoint; sign in as a person');
  }
  if (route.authenticated && route.accountSetup !== true) assertAccountReady(actor.subject);
  const result = await route.handler({
    actor,
    body: request.body,
    query: (request.query ?? {}) as Record<string, unknown>,
    params: (request.params ?? {}) as Record<string, string>,
    request,
    reply,
    browserSession,
  });
  reply.code(route.status ?? 200);
  if (route.status === 204) return reply.send();
  return result;
}
