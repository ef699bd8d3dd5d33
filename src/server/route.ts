import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Actor, SessionService } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';

/** What a route handler gets: the authenticated actor (when the route needs one) and the raw request parts. */
export interface RouteContext {
  readonly actor: Actor;
  readonly body: unknown;
  readonly query: Record<string, unknown>;
  readonly params: Record<string, string>;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * One route: its place, its documentation and its handler. The same list registers
 * the routes with Fastify and writes the OpenAPI document, so neither can drift.
 * Bodies and queries are validated by the service with the schema named here.
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/api/v1/orders/:id`). */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /** False only for sign-in and health. */
  readonly authenticated: boolean;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly headers?: Readonly<Record<string, string>>;
  /** Success status; 204 sends no body. */
  readonly status?: number;
  readonly responseDescription?: string;
  readonly handler: (context: RouteContext) => Promise<unknown>;
}

const ANONYMOUS: Actor = { subject: { userId: '', username: 'anonymous', roles: [], passwordMustChange: false }, source: null };

/** Reads `Authorization: Bearer <token>` and resolves it, or throws `unauthenticated`. */
async function authenticate(sessions: SessionService, request: FastifyRequest): Promise<Actor> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header) : null;
  if (!match?.[1]) throw new ForgelineError('unauthenticated', 'Send Authorization: Bearer <token> from POST /api/v1/sessions');
  const subject = await sessions.authenticate(match[1]);
  if (!subject) throw new ForgelineError('unauthenticated', 'The session token is unknown, expired or revoked; sign in again');
  return { subject, source: request.ip };
}

/** Registers routes as pipelines: authenticate, then the handler (which validates, authorizes via the service, and presents). */
export function registerRoutes(app: FastifyInstance, sessions: SessionService, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const actor = route.authenticated ? await authenticate(sessions, request) : { ...ANONYMOUS, source: request.ip };
        const result = await route.handler({
          actor,
          body: request.body,
          query: (request.query ?? {}) as Record<string, unknown>,
          params: (request.params ?? {}) as Record<string, string>,
          request,
          reply,
        });
        reply.code(route.status ?? 200);
        if (route.status === 204) return reply.send();
        return result;
      },
    });
  }
}
