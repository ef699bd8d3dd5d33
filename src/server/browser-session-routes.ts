import { ForgelineError, parseOrThrow } from '../domain/index.js';
import { presentOwnUser } from './access-presenters.js';
import { assertSameOrigin, BROWSER_SESSION_URL, clearedSessionCookie, csrfTokenFor, sessionCookie, sessionCookieFrom } from './browser-session.js';
import type { RouteContext, RouteSpec } from './route.js';
import type { Services } from './services.js';
import { loginSchema } from './session-routes.js';

/** The CSRF token of a request the session cookie authenticated; a bearer request is refused, as if it had no cookie. */
function cookieSession(context: RouteContext): { readonly csrfToken: string } {
  if (context.browserSession === undefined) throw new ForgelineError('unauthenticated', 'This endpoint takes the browser session cookie; with a bearer token use /api/v1/sessions and /api/v1/users/me');
  return context.browserSession;
}

/**
 * The web UI's session (issue 7): sign-in that sets the HttpOnly session cookie and
 * answers only its CSRF token, the session read back after a page reload, and sign-out.
 */
export function browserSessionRoutes(services: Services): RouteSpec[] {
  return [
    {
      method: 'POST', url: BROWSER_SESSION_URL, tag: 'sessions', authenticated: false, status: 201, body: loginSchema,
      summary: 'Browser sign-in: like POST /api/v1/sessions, but the token goes into the HttpOnly, Secure, SameSite=Strict cookie __Host-forgeline-session; answers the CSRF token to send as X-CSRF-Token',
      responseDescription: 'The session is open: its CSRF token and expiry (the session token is only in Set-Cookie)',
      handler: async ({ body, actor, request, reply }) => {
        // A sign-in posted from another site would sign the browser into the attacker's account (login CSRF).
        assertSameOrigin(request);
        const { username, password, totp } = parseOrThrow(loginSchema, body, 'sign-in');
        const previous = sessionCookieFrom(request.headers.cookie);
        const session = await services.sessions.login({ username, password, totp, source: actor.source });
        if (previous !== undefined) {
          // The new cookie replaces the browser's old one, whose session would live on unseen (a shared terminal): it ends, as a sign-out.
          const subject = await services.sessions.authenticate(previous, actor.source, { activity: false });
          if (subject !== null) await services.sessions.revoke({ subject, source: actor.source });
        }
        const secondsLeft = (Date.parse(session.expiresAt) - services.clock.now().getTime()) / 1000;
        reply.header('set-cookie', sessionCookie(session.token, secondsLeft));
        return { csrfToken: csrfTokenFor(session.token), expiresAt: session.expiresAt, passwordChangeRequired: session.passwordChangeRequired, mfaEnrollmentRequired: session.mfaEnrollmentRequired };
      },
    },
    {
      method: 'GET', url: BROWSER_SESSION_URL, tag: 'sessions', authenticated: true, personOnly: true, accountSetup: true,
      summary: 'The browser session of the cookie: its CSRF token, its expiry and the signed-in user (as GET /api/v1/users/me), for the web UI after a reload',
      handler: async (context) => {
        const { csrfToken } = cookieSession(context);
        const sessions = await services.sessionDirectory.listOwn(context.actor);
        const current = sessions.find((session) => session.current);
        // Listed sessions are the live ones; the cookie's was live a moment ago, when it authenticated.
        if (current === undefined) throw new ForgelineError('unauthenticated', 'The browser session ended; sign in again');
        return { csrfToken, expiresAt: current.expiresAt, user: presentOwnUser(await services.users.me(context.actor)) };
      },
    },
    {
      method: 'DELETE', url: BROWSER_SESSION_URL, tag: 'sessions', authenticated: true, personOnly: true, accountSetup: true, status: 204,
      summary: 'Browser sign-out: revokes the session of the cookie and clears the cookie (needs X-CSRF-Token)',
      handler: async (context) => {
        cookieSession(context);
        await services.sessions.revoke(context.actor);
        context.reply.header('set-cookie', clearedSessionCookie());
      },
    },
  ];
}
