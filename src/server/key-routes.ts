import { revokeKeyRequestSchema, rotateKekRequestSchema, type SigningKeyView } from '../keys/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** A signing key as listed: its lifecycle and public JWK, never the private half. */
function presentKey(key: SigningKeyView) {
  return {
    kid: key.kid, algorithm: key.algorithm, status: key.status, createdAt: key.createdAt, retiredAt: key.retiredAt,
    revokedAt: key.revokedAt, revokedSince: key.revokedSince, revokedReason: key.revokedReason, publicJwk: key.publicJwk,
  };
}

/** The order-signing keys (issue 5 point 3): the public JWKS, the key list, rotation and revocation. */
export function keyRoutes(services: Services): RouteSpec[] {
  const { signingKeys, kekRotation } = services;
  return [
    {
      // Devices read the same set at GET /api/v1/device/keys with their client certificate.
      method: 'GET', url: '/api/v1/keys', tag: 'keys', authenticated: true,
      summary: 'The order-signing JWKS: every key that signed released orders; a revoked one carries revokedSince',
      responseDescription: 'A JWK Set (RFC 7517) of Ed25519 keys (RFC 8037), application/jwk-set+json',
      handler: async ({ reply }) => {
        reply.type('application/jwk-set+json');
        return signingKeys.jwks();
      },
    },
    {
      method: 'GET', url: '/api/v1/keys/signing', tag: 'keys', authenticated: true,
      summary: 'The order-signing keys with their lifecycle (active, retired, revoked)',
      handler: async () => ({ items: (await signingKeys.list()).map(presentKey) }),
    },
    {
      method: 'POST', url: '/api/v1/keys/rotate', tag: 'keys', authenticated: true, personOnly: true, status: 201,
      summary: 'Make a new active signing key (admin); the old one is retired and still verifies what it signed',
      handler: async ({ actor }) => {
        const { active, retired } = await signingKeys.rotate(actor);
        return { active: presentKey(active), retired };
      },
    },
    {
      method: 'POST', url: '/api/v1/keys/rotate-kek', tag: 'keys', authenticated: true, personOnly: true, body: rotateKekRequestSchema,
      summary: 'Replace the keyring\'s key-encryption key while serving (admin): every data key and signing key is re-wrapped, then the old KEK is removed',
      handler: async ({ actor, body }) => kekRotation.rotate(actor, body ?? {}),
    },
    {
      method: 'POST', url: '/api/v1/keys/:kid/revoke', tag: 'keys', authenticated: true, personOnly: true, body: revokeKeyRequestSchema,
      summary: 'Revoke a signing key as compromised from a time on (admin): whatever it signed then or later is refused everywhere',
      handler: async ({ actor, params, body }) => {
        const { revoked, active } = await signingKeys.revoke(actor, params.kid ?? '', body);
        return { revoked: presentKey(revoked), active };
      },
    },
  ];
}
