import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { accessRoutes } from './access-routes.js';
import { auditRoutes } from './audit-routes.js';
import { browserSessionRoutes } from './browser-session-routes.js';
import { registerHttpEdge, resolveRateLimits, type RateLimitSettings } from './http-edge.js';
import { registerJsonBodyParser } from './json-body.js';
import { buildOpenApi } from './openapi.js';
import { orderRoutes } from './order-routes.js';
import { plantRoutes } from './plant-routes.js';
import { handleError, PROBLEM_JSON, toProblem } from './problem.js';
import { registerRoutes, type RouteSpec } from './route.js';
import type { Services } from './services.js';
import { sessionRoutes } from './session-routes.js';
import { tlsServerOptions, type TlsMinVersion } from './tls-options.js';
import { tokenRoutes } from './token-routes.js';
import { keyRoutes } from './key-routes.js';
import { witnessRoutes } from './witness-routes.js';
import { deviceRoutes } from './device-routes.js';
import { zoneRoutes } from './zone-routes.js';
import { defaultWebRoot, isUiRequest, serveWebApp } from './web-app.js';
import { DeviceConnections, deviceChannelRoutes, type DeviceChannelOptions } from './device-channel-routes.js';
import { orderEventRoutes } from './order-event-routes.js';
import { overviewRoutes } from './overview-routes.js';
import { plantTimeRoutes } from './plant-time-routes.js';
import { endConnectionsOnClose } from './closing-connections.js';
import { serializeRequest } from './request-log.js';

/** Largest request body accepted; an order with 200 operations and 1,000 BOM lines fits well inside. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Options of {@link buildApp}. */
export interface AppOptions {
  readonly services: Services;
  /** TLS key, certificate chain, the CA whose client certificates are asked for, and the lowest TLS version (default 1.3); absent only with the explicit plain-HTTP flag (and in in-process tests). */
  readonly https?: { readonly key: string; readonly cert: string; readonly ca?: string | undefined; readonly minVersion?: TlsMinVersion | undefined } | undefined;
  readonly logger?: Logger | false;
  readonly version?: string;
  /** Rate limits per source address; unset fields keep the defaults (600 a minute, 20 sign-ins, 30 failed tokens), 0 turns one off. */
  readonly rateLimits?: Partial<RateLimitSettings> | undefined;
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For is believed for the source address; default none. */
  readonly trustProxy?: readonly string[] | undefined;
  /** The clock rate-limit windows run on (tests); default the system clock. */
  readonly clock?: Clock;
  /** How often a device's order stream carries a heartbeat and checks its certificate again (default 15 s; shorter in tests). */
  readonly deviceHeartbeatMs?: number | undefined;
  /** The folder of the built web UI (Vite output, index.html and assets/); default `dist/web` under the package root. */
  readonly webRoot?: string | undefined;
  /** How long a closing server lets requests in flight finish before it cuts their connections (default 10 s). */
  readonly closeGraceMs?: number | undefined;
}

/** Every API route, in one list (registration and OpenAPI both read it). */
export function apiRoutes(services: Services, deviceChannel: DeviceChannelOptions = { connections: new DeviceConnections() }): RouteSpec[] {
  return [...sessionRoutes(services), ...browserSessionRoutes(services), ...plantRoutes(services), ...plantTimeRoutes(services), ...orderRoutes(services), ...overviewRoutes(services), ...auditRoutes(services), ...witnessRoutes(services), ...tokenRoutes(services), ...accessRoutes(services), ...keyRoutes(services), ...deviceRoutes(services), ...zoneRoutes(services), ...deviceChannelRoutes(services, deviceChannel), ...orderEventRoutes(services, deviceChannel)];
}

/** Builds the Fastify application: the HTTP edge of Forgeline. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.https ? { https: tlsServerOptions(options.https) } : {}),
    // Whatever logger is handed in, a request is logged by its path only, never its query string (request-log.ts).
    loggerInstance: options.logger ? options.logger.child({}, { serializers: { req: serializeRequest } }) : undefined,
    logger: options.logger ? undefined : false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Only named proxies: trusting any X-Forwarded-For would let a client choose its own source address (and its rate limit).
    ...(options.trustProxy && options.trustProxy.length > 0 ? { trustProxy: [...options.trustProxy] } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // JSON is the only body the API reads (anything else is 415); prototype-poisoning keys are refused.
  registerJsonBodyParser(app);
  app.setErrorHandler(handleError);
  const webRoot = options.webRoot ?? defaultWebRoot();
  // What no route answers: a GET outside /api/ is the web UI's (a file, or a route of the app); the rest is problem+json.
  app.setNotFoundHandler((request, reply) =>
    isUiRequest(request)
      ? serveWebApp(webRoot, request, reply)
      : reply.code(404).type(PROBLEM_JSON).send(toProblem(new ForgelineError('route-not-found', `No endpoint ${request.method} ${request.url.split('?')[0]}`))),
  );
  registerHttpEdge(app, { https: options.https !== undefined, rateLimits: resolveRateLimits(options.rateLimits), clock: options.clock ?? systemClock });

  const deviceConnections = new DeviceConnections();
  // Devices' order streams and long polls do not end by themselves, and close waits for requests in flight: end them first.
  app.addHook('preClose', async () => deviceConnections.endAll());
  endConnectionsOnClose(app, { https: options.https !== undefined, graceMs: options.closeGraceMs });
  const routes = apiRoutes(options.services, { connections: deviceConnections, heartbeatMs: options.deviceHeartbeatMs });
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
  registerRoutes(app, options.services, routes);
  return app;
}
