/**
 * The HTTP edge (issue 4 point 8): security headers on every response, and rate
 * limits per source address before any route runs. The CLI and integrations carry
 * their credential in the `Authorization` header; the web UI's session cookie
 * (issue 7, browser-session.ts) is SameSite=Strict and every state-changing request
 * it authenticates must also carry the session's CSRF token and no foreign Origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { BROWSER_SESSION_URL, carriesSessionCookie } from './browser-session.js';
import { handleError } from './problem.js';
import { FixedWindowLimiter, type LimitDecision } from './rate-limiter.js';

/** How many requests a source address may make per window; each 0 turns that limit off. */
export interface RateLimitSettings {
  /** Requests per source per window over every route (a client gone wild, a scraper). */
  readonly perSource: number;
  /** Attempts per source per window on {@link CREDENTIAL_ROUTES}: each costs an argon2 verification. */
  readonly signIn: number;
  /** Failed authentications (bearer token or session cookie) per source per window; past it, requests carrying one are refused until the window ends. */
  readonly authFailures: number;
  readonly windowMs: number;
}

/** The limits unless configured: generous for people and integrations, tight where passwords are checked. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = Object.freeze({ perSource: 600, signIn: 20, authFailures: 30, windowMs: 60_000 });

/** No limits at all: for benchmarks and in-process tests that need volume. */
export const NO_RATE_LIMITS: RateLimitSettings = Object.freeze({ perSource: 0, signIn: 0, authFailures: 0, windowMs: 60_000 });

/**
 * The limits to run with: `overrides` over {@link DEFAULT_RATE_LIMITS}, fields left
 * undefined keeping their default. Throws on a negative or fractional limit.
 */
export function resolveRateLimits(overrides: Partial<RateLimitSettings> = {}): RateLimitSettings {
  const resolved = { ...DEFAULT_RATE_LIMITS };
  for (const key of Object.keys(resolved) as (keyof RateLimitSettings)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    const least = key === 'windowMs' ? 1_000 : 0;
    if (!Number.isSafeInteger(value) || value < least) throw new ForgelineError('validation-failed', `rate limit ${key} must be a whole number of at least ${least}, got ${value}`);
    resolved[key] = value;
  }
  return Object.freeze(resolved);
}

/** The routes that check a password or a one-time credential (a device enrolment token), as `METHOD /path` (Fastify syntax): limited by {@link RateLimitSettings.signIn}. */
export const CREDENTIAL_ROUTES: readonly string[] = ['POST /api/v1/sessions', `POST ${BROWSER_SESSION_URL}`, 'POST /api/v1/users/me/password', 'POST /api/v1/pki/enrol'];

/**
 * True when the request carries a credential the edge authenticates: a bearer token, or
 * the session cookie, to the API. The browser sends its (perhaps stale) cookie with every
 * request: with the web UI's files, which authenticate nothing (so a stale cookie never locks
 * the sign-in page out), and with a sign-in, which checks a password (limited as a credential
 * route), not the cookie: not counted there.
 */
function carriesCredential(request: FastifyRequest): boolean {
  if (!(request.routeOptions.url ?? '').startsWith('/api/')) return false;
  if (request.headers.authorization !== undefined) return true;
  return `${request.method} ${request.routeOptions.url ?? ''}` !== `POST ${BROWSER_SESSION_URL}` && carriesSessionCookie(request.headers.cookie);
}

/**
 * Headers every API response carries, errors and 404s included (OWASP Secure Headers
 * Project). The CSP forbids the response from loading or being framed by anything:
 * API answers are data, never a document; a route serving the web UI sets its own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  // Answers carry orders, tokens and audit data: no shared or browser cache keeps them.
  'cache-control': 'no-store',
});

/** HSTS (RFC 6797) for HTTPS: a year, so a browser never tries plain HTTP to this host again. */
export const HSTS_HEADER = 'max-age=31536000';

/** Options of {@link registerHttpEdge}. */
export interface HttpEdgeOptions {
  /** True when the server speaks HTTPS itself (HSTS is sent only then). */
  readonly https: boolean;
  readonly rateLimits: RateLimitSettings;
  readonly clock: Clock;
}

function refuse(request: FastifyRequest, reply: FastifyReply, decision: LimitDecision, what: string): FastifyReply {
  reply.header('retry-after', String(decision.retryAfterSeconds));
  return handleError(new ForgelineError('rate-limited', `${what}; retry in ${decision.retryAfterSeconds} s`), request, reply);
}

/** Adds the security headers and the rate limits to the app, before any route is registered. */
export function registerHttpEdge(app: FastifyInstance, options: HttpEdgeOptions): void {
  const { rateLimits, clock } = options;
  const window = { windowMs: rateLimits.windowMs };
  const perSource = new FixedWindowLimiter({ ...window, limit: rateLimits.perSource });
  const signIn = new FixedWindowLimiter({ ...window, limit: rateLimits.signIn });
  const authFailures = new FixedWindowLimiter({ ...window, limit: rateLimits.authFailures });
  const minutes = rateLimits.windowMs === 60_000 ? 'a minute' : `per ${rateLimits.windowMs / 1000} s`;

  app.addHook('onRequest', async (request, reply) => {
    const now = clock.now().getTime();
    const source = request.ip;
    const overall = perSource.hit(source, now);
    if (!overall.allowed) return refuse(request, reply, overall, `Too many requests from your address: at most ${rateLimits.perSource} ${minutes}`);
    if (CREDENTIAL_ROUTES.includes(`${request.method} ${request.routeOptions.url ?? ''}`)) {
      const attempt = signIn.hit(source, now);
      if (!attempt.allowed) return refuse(request, reply, attempt, `Too many sign-in attempts from your address: at most ${rateLimits.signIn} ${minutes}`);
    }
    if (carriesCredential(request)) {
      const failures = authFailures.peek(source, now);
      if (!failures.allowed) return refuse(request, reply, failures, `Too many requests with an unknown, expired or revoked token or session cookie from your address: at most ${rateLimits.authFailures} ${minutes}`);
    }
    return undefined;
  });

  // A 401 to a request that carried a credential is a failed authentication: count it against its source.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && carriesCredential(request)) authFailures.hit(request.ip, clock.now().getTime());
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    if (options.https) reply.header('strict-transport-security', HSTS_HEADER);
    return payload;
  });
}
