/**
 * The browser session (issue 7): the web UI keeps its session token in a cookie the
 * page's scripts cannot read, and proves each state-changing request with a CSRF token
 * derived from it. This module owns the cookie's format and the CSRF check; the routes
 * and the authentication at the HTTP edge call it.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';

/**
 * The session cookie's name. The `__Host-` prefix (RFC 6265bis §4.1.3.2) makes the
 * browser accept it only with Secure, Path=/ and no Domain, so neither a sibling
 * subdomain nor a plain-HTTP answer can plant or overwrite it.
 */
export const SESSION_COOKIE = '__Host-forgeline-session';

/** Where the web UI signs in, reads its session back after a reload, and signs out. */
export const BROWSER_SESSION_URL = '/api/v1/browser/session';

/** The request header that carries the CSRF token on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing (RFC 9110 §9.2.1): the only ones a cookie alone may authenticate. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

// A session token is 43 base64url characters; the bounds match the bearer header's.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,200}$/;
const ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict';
// The message the CSRF token is the HMAC of: versioned, so a future scheme cannot be confused with this one.
const CSRF_CONTEXT = 'forgeline csrf v1';

/** True when the Cookie header names the session cookie at all, well-formed or not (for the failed-authentication limit). */
export function carriesSessionCookie(cookieHeader: string | undefined): boolean {
  return typeof cookieHeader === 'string' && cookieHeader.includes(`${SESSION_COOKIE}=`);
}

/**
 * The session token in a Cookie header (RFC 6265 §5.4), or undefined when there is
 * none, it is not shaped like a token, or the cookie appears more than once with
 * different values (ambiguous: which one would the server check?). Other cookies are ignored.
 */
export function sessionCookieFrom(cookieHeader: string | undefined): string | undefined {
  if (typeof cookieHeader !== 'string') return undefined;
  const values = new Set<string>();
  for (const pair of cookieHeader.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    values.add(pair.slice(equals + 1).trim());
  }
  const [value] = values;
  return values.size === 1 && value !== undefined && TOKEN_SHAPE.test(value) ? value : undefined;
}

/** The Set-Cookie value that stores `token` for `maxAgeSeconds` (the session's remaining life). */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; ${ATTRIBUTES}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** The Set-Cookie value that makes the browser drop the session cookie (sign-out). */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`;
}

/**
 * When `error` refuses a request the session cookie was to authenticate (no bearer header; the
 * cookie unknown, expired, revoked or malformed), makes the answer clear the cookie: a browser
 * that kept sending a stale cookie would otherwise fail every request until it is removed by hand.
 */
export function clearRefusedSessionCookie(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const cookieRefused = error instanceof ForgelineError && error.code === 'unauthenticated' && request.headers.authorization === undefined;
  if (cookieRefused && carriesSessionCookie(request.headers.cookie) && !reply.sent) reply.header('set-cookie', clearedSessionCookie());
}

/**
 * The CSRF token of a session: base64url(HMAC-SHA256(key = session token, "forgeline csrf v1")).
 * Derived, never stored: only the holder of the session token can compute it, and a
 * cross-site page can neither read the cookie nor the answers that carry the token.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(CSRF_CONTEXT).digest('base64url');
}

/** The origin the request was sent to (RFC 6454 §6.1), as the browser would write it in `Origin`. */
function ownOrigin(request: FastifyRequest): string | undefined {
  try {
    return new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Refuses with `csrf-failed` a request whose `Origin` header is present and is not
 * the server's own origin (defence in depth beside SameSite=Strict; `Origin: null`
 * is refused too). The server's origin is its scheme and Host as it receives them; behind
 * a TLS-terminating proxy only `--trust-proxy` makes them X-Forwarded-Proto and -Host, so the
 * refusal names both origins: a proxy set up without it shows as https sent, http expected.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let sent: string | undefined;
  try {
    sent = new URL(origin).origin;
  } catch {
    sent = undefined;
  }
  const own = ownOrigin(request);
  if (sent === undefined || sent === 'null' || sent !== own) {
    const named = sent === undefined ? 'an Origin that is no URL' : `Origin ${sent.slice(0, 200)}`;
    throw new ForgelineError('csrf-failed', `The request comes from another site: it sent ${named}, and this server's origin is ${own ?? 'unknown'} (behind a TLS-terminating proxy, start the server with --trust-proxy)`);
  }
}

/**
 * Refuses a request that came with the session cookie from another site, as the browser says in
 * `Sec-Fetch-Site`: SameSite=Strict keeps the cookie from other sites, but a sibling host of the
 * same site (another subdomain) could still make the person's browser read orders, and reads of
 * confidential fields are audited in their name. Only the app itself (`same-origin`) and what the
 * person typed or bookmarked (`none`) may use the cookie; a client that sends no such header
 * (not a current browser) is judged by the CSRF token alone.
 */
export function assertNotCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return;
  throw new ForgelineError('csrf-failed', `A request from another site (Sec-Fetch-Site: ${String(site).slice(0, 20)}) cannot use the browser session; open Forgeline itself`);
}

/**
 * The checks a request authenticated by the session cookie must pass: for any method
 * but GET, HEAD and OPTIONS, the `X-CSRF-Token` header equal (in constant time) to the
 * session's CSRF token and no foreign `Origin`; otherwise `csrf-failed` (403), before
 * the handler runs, so nothing changes.
 */
export function assertCsrf(request: FastifyRequest, sessionToken: string): void {
  assertNotCrossSite(request);
  if (SAFE_METHODS.includes(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !constantTimeEqual(sent, csrfTokenFor(sessionToken))) {
    throw new ForgelineError('csrf-failed', `Send the session's CSRF token in ${CSRF_HEADER} (from GET /api/v1/browser/session)`);
  }
  assertSameOrigin(request);
}
