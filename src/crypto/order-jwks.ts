/** The order-signing JWKS (`GET /api/v1/keys`) as verification keys: what a device and `order verify-jws` check releases with. */
import { ForgelineError } from '../domain/index.js';
import { jwkThumbprint, publicKeyFromJwk, type OrderVerificationKey } from './order-jws.js';

/**
 * The keys of a JWKS by kid. Each kid must be its key's RFC 7638 thumbprint (as Forgeline
 * names them), so a JWKS cannot pass one key off under another's name; a revoked key keeps
 * its `revokedSince`. A malformed set is `jws-invalid`.
 */
export function verificationKeysFromJwks(jwks: unknown): Map<string, OrderVerificationKey> {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new ForgelineError('jws-invalid', 'the JWKS has no "keys" list');
  const byKid = new Map<string, OrderVerificationKey>();
  keys.forEach((jwk: unknown, index) => {
    const { kid, revokedSince, crv, kty, x } = (jwk ?? {}) as { kid?: unknown; revokedSince?: unknown; crv?: unknown; kty?: unknown; x?: unknown };
    if (typeof kid !== 'string') throw new ForgelineError('jws-invalid', `key ${index} of the JWKS has no kid`);
    const publicKey = publicKeyFromJwk(jwk);
    if (jwkThumbprint({ crv: String(crv), kty: String(kty), x: String(x) }) !== kid) {
      throw new ForgelineError('jws-invalid', `key ${index} of the JWKS is named ${kid}, which is not its thumbprint`);
    }
    byKid.set(kid, { kid, publicKey, revokedSince: typeof revokedSince === 'string' ? revokedSince : null });
  });
  return byKid;
}
