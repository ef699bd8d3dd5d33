import { z } from 'zod';
import { newUserSchema, passwordChangeSchema } from '../access/index.js';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import { presentOwnUser, presentSession, presentUser } from './access-presenters.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** Sign-in request: `totp` is the current code of the user's authenticator, or one of their recovery codes. */
export const loginSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024), totp: z.string().max(32).optional() });

/** Refuses a body on a route that takes none. */
function noBody(body: unknown, what: string): void {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Object.keys(body).length > 0)) {
    throw new ForgelineError('validation-failed', `${what} takes no body`);
  }
}

/** Sessions and users. */
export function sessionRoutes(services: Services): RouteSpec[] {
  return [
    {
      method: 'POST', url: '/api/v1/sessions', tag: 'sessions', authenticated: false, status: 201, body: loginSchema,
      summary: 'Sign in: returns a bearer token (shown once) and its expiry. With a second factor enrolled, send totp too (or a recovery code); mfa-required says so',
      handler: async ({ body, actor }) => {
        const { username, password, totp } = parseOrThrow(loginSchema, body, 'sign-in');
        const session = await services.sessions.login({ username, password, totp, source: actor.source });
        return { token: session.token, expiresAt: session.expiresAt, passwordChangeRequired: session.passwordChangeRequired, mfaEnrollmentRequired: session.mfaEnrollmentRequired };
      },
    },
    {
      method: 'GET', url: '/api/v1/sessions', tag: 'sessions', authenticated: true, personOnly: true, accountSetup: true,
      summary: 'Your live sessions (the one asking is marked current)',
      handler: async ({ actor }) => ({ items: (await services.sessionDirectory.listOwn(actor)).map(presentSession) }),
    },
    {
      method: 'DELETE', url: '/api/v1/sessions', tag: 'sessions', authenticated: true, personOnly: true, accountSetup: true,
      summary: 'Sign out everywhere else: revokes all your sessions but the one asking',
      handler: async ({ actor, body }) => {
        noBody(body, 'Revoking');
        return { revoked: await services.sessionDirectory.revokeOtherOwn(actor) };
      },
    },
    {
      method: 'DELETE', url: '/api/v1/sessions/current', tag: 'sessions', authenticated: true, accountSetup: true, status: 204,
      summary: 'Sign out: revokes the session of the bearer token',
      handler: async ({ actor }) => {
        await services.sessions.revoke(actor);
      },
    },
    {
      method: 'DELETE', url: '/api/v1/sessions/:id', tag: 'sessions', authenticated: true, personOnly: true, accountSetup: true, status: 204,
      summary: 'Revoke one of your sessions by its id (from GET /api/v1/sessions)',
      handler: async ({ actor, params, body }) => {
        noBody(body, 'Revoking');
        await services.sessionDirectory.revokeOwn(actor, params.id ?? '');
      },
    },
    {
      method: 'GET', url: '/api/v1/users/me', tag: 'users', authenticated: true, accountSetup: true,
      summary: 'The signed-in user with their roles (works before the one-time password is changed and before MFA enrolment)',
      handler: async ({ actor }) => presentOwnUser(await services.users.me(actor)),
    },
    {
      method: 'POST', url: '/api/v1/users/me/password', tag: 'users', authenticated: true, personOnly: true, accountSetup: true, status: 204, body: passwordChangeSchema,
      summary: 'Change your own password (required after a one-time password); your other sessions end',
      handler: ({ actor, body }) => services.users.changeOwnPassword(actor, body),
    },
    {
      method: 'GET', url: '/api/v1/users', tag: 'users', authenticated: true,
      summary: 'List users and their scoped roles (admin, auditor)',
      handler: async ({ actor }) => ({ items: (await services.users.list(actor)).map(presentUser) }),
    },
    {
      method: 'POST', url: '/api/v1/users', tag: 'users', authenticated: true, status: 201, body: newUserSchema,
      summary: 'Create a user (admin); the password must pass the password policy and the roles the site policy',
      handler: async ({ actor, body }) => presentUser(await services.users.add(actor, body)),
    },
    {
      method: 'POST', url: '/api/v1/users/:user/disable', tag: 'users', authenticated: true, status: 204,
      summary: 'Disable a user and end their sessions (admin)',
      handler: async ({ actor, params, body }) => {
        noBody(body, 'This action');
        await services.users.disable(actor, params.user ?? '');
      },
    },
    {
      method: 'POST', url: '/api/v1/users/:user/enable', tag: 'users', authenticated: true, status: 204,
      summary: 'Let a disabled user sign in again, with the roles they had (admin); conflict when they are not disabled',
      handler: async ({ actor, params, body }) => {
        noBody(body, 'This action');
        await services.users.enable(actor, params.user ?? '');
      },
    },
  ];
}
