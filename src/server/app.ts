import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ForgelineError } from '../domain/index.js';
import { auditRoutes } from './audit-routes.js';
import { registerJsonBodyParser } from './json-body.js';
import { buildOpenApi } from './openapi.js';
import { orderRoutes } from './order-routes.js';
import { plantRoutes } from './plant-routes.js';
import { handleError, PROBLEM_JSON, toProblem } from './problem.js';
import { registerRoutes, type RouteSpec } from './route.js';
import type { Services } from './services.js';
import { sessionRoutes } from './session-routes.js';
import { witnessRoutes } from './witness-routes.js';

/** Largest request body accepted; an order with 200 operations and 1,000 BOM lines fits well inside. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Options of {@link buildApp}. */
export interface AppOptions {
  readonly services: Services;
  /** TLS key and certificate chain; absent only with the explicit plain-HTTP flag (and in in-process tests). */
  readonly https?: { readonly key: string; readonly cert: string } | undefined;
  readonly logger?: Logger | false;
  readonly version?: string;
}

/** Every API route, in one list (registration and OpenAPI both read it). */
export function apiRoutes(services: Services): RouteSpec[] {
  return [...sessionRoutes(services), ...plantRoutes(services), ...orderRoutes(services), ...auditRoutes(services), ...witnessRoutes(services)];
}

/** Builds the Fastify application: the HTTP edge of Forgeline. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.https ? { https: { ...options.https, minVersion: 'TLSv1.2' as const } } : {}),
    loggerInstance: options.logger || undefined,
    logger: options.logger ? undefined : false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // JSON is the only body the API reads (anything else is 415); prototype-poisoning keys are refused.
  registerJsonBodyParser(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type(PROBLEM_JSON).send(toProblem(new ForgelineError('route-not-found', `No endpoint ${request.method} ${request.url.split('?')[0]}`))),
  );
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    if (options.https) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  const routes = apiRoutes(options.services);
  const openApi = buildOpenApi(routes, options.version ?? '0.1.0');
  app.get('/openapi.json', async () => openApi);
  app.get('/healthz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(options.services.store.db);
      return { status: 'ok', database: options.services.store.kind };
    } catch {
      return reply.code(503).type(PROBLEM_JSON).send({ type: 'urn:forgeline:problem:unavailable', title: 'Database unreachable', status: 503, detail: 'The database does not answer', code: 'internal' });
    }
  });
  registerRoutes(app, options.services.sessions, routes);
  return app;
}
