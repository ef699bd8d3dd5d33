import { z } from 'zod';
import { newUserSchema, passwordChangeSchema } from '../access/index.js';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** Sign-in request. */
export const loginSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024), totp: z.string().max(16).optional() });

/** Sessions and users. */
export function sessionRoutes(services: Services): RouteSpec[] {
  return [
    {
      method: 'POST', url: '/api/v1/sessions', tag: 'sessions', authenticated: false, status: 201, body: loginSchema,
      summary: 'Sign in: returns a bearer token (shown once) and its expiry',
      handler: async ({ body, actor }) => {
        const { username, password } = parseOrThrow(loginSchema, body, 'sign-in');
        return services.sessions.login(username, password, actor.source);
      },
    },
    {
      method: 'DELETE', url: '/api/v1/sessions/current', tag: 'sessions', authenticated: true, status: 204,
      summary: 'Sign out: revokes the session of the bearer token',
      handler: async ({ request, actor }) => {
        const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
        await services.sessions.revoke(token, actor.source);
      },
    },
    {
      method: 'GET', url: '/api/v1/users/me', tag: 'users', authenticated: true,
      summary: 'The signed-in user with their roles',
      handler: ({ actor }) => services.users.me(actor),
    },
    {
      method: 'POST', url: '/api/v1/users/me/password', tag: 'users', authenticated: true, status: 204, body: passwordChangeSchema,
      summary: 'Change your own password (required after a one-time password)',
      handler: ({ actor, body }) => services.users.changeOwnPassword(actor, body),
    },
    {
      method: 'GET', url: '/api/v1/users', tag: 'users', authenticated: true,
      summary: 'List users and their scoped roles (admin, auditor)',
      handler: async ({ actor }) => ({ items: await services.users.list(actor) }),
    },
    {
      method: 'POST', url: '/api/v1/users', tag: 'users', authenticated: true, status: 201, body: newUserSchema,
      summary: 'Create a user (admin)',
      handler: ({ actor, body }) => services.users.add(actor, body),
    },
    {
      method: 'POST', url: '/api/v1/users/:user/disable', tag: 'users', authenticated: true, status: 204,
      summary: 'Disable a user and end their sessions (admin)',
      handler: async ({ actor, params, body }) => {
        if (body !== undefined && body !== null && (typeof body !== 'object' || Object.keys(body).length > 0)) {
          throw new ForgelineError('validation-failed', 'This action takes no body');
        }
        await services.users.disable(actor, params.user ?? '');
      },
    },
  ];
}
