import { apiTokenListQuerySchema, newApiTokenSchema, type ApiTokenView, type CreatedApiToken } from '../access/index.js';
import { ForgelineError } from '../domain/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** The fields of an API token that leave: never its hash. */
export function presentApiToken(token: ApiTokenView) {
  return {
    id: token.id,
    name: token.name,
    userId: token.userId,
    username: token.username,
    actions: [...token.actions],
    scopeNodeId: token.scopeNodeId,
    status: token.status,
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
    lastUsedAt: token.lastUsedAt,
    lastUsedSource: token.lastUsedSource,
  };
}

/** A token just minted: its listing and, this once, the secret. */
function presentCreatedApiToken(token: CreatedApiToken) {
  return { ...presentApiToken(token), token: token.token };
}

/** API tokens for integrations (issue 4 point 7): mint, list, revoke. */
export function tokenRoutes(services: Services): RouteSpec[] {
  const { apiTokens } = services;
  return [
    {
      method: 'POST', url: '/api/v1/tokens', tag: 'tokens', authenticated: true, personOnly: true, status: 201, body: newApiTokenSchema,
      summary: 'Mint an API token for yourself, or (admin) for another user such as a service account; the token is shown only in this answer',
      responseDescription: 'The token\'s listing and `token`, the secret (flt_…), which is stored only as a hash and cannot be shown again',
      handler: async ({ actor, body }) => presentCreatedApiToken(await apiTokens.create(actor, body)),
    },
    {
      method: 'GET', url: '/api/v1/tokens', tag: 'tokens', authenticated: true, personOnly: true, query: apiTokenListQuerySchema,
      summary: 'List API tokens with their status and last use: yours; user=<name> or all=true for admins and auditors',
      handler: async ({ actor, query }) => ({ items: (await apiTokens.list(actor, query)).map(presentApiToken) }),
    },
    {
      method: 'DELETE', url: '/api/v1/tokens/:id', tag: 'tokens', authenticated: true, personOnly: true, status: 204,
      summary: 'Revoke an API token at once (its owner, or an admin)',
      handler: async ({ actor, params, body }) => {
        if (body !== undefined && body !== null) throw new ForgelineError('validation-failed', 'Revoking takes no body');
        await apiTokens.revoke(actor, params.id ?? '');
      },
    },
  ];
}
