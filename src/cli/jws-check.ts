/** `order verify-jws`: a released order's JWS checked offline against a JWKS file, as a device would. */
import { publicKeyFromJwk, verifyOrderJws, type OrderJwsPayload, type OrderVerificationKey } from '../crypto/index.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { readTextFile } from './data-file.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}

/** The keys of a JWKS file by kid; a revoked one keeps its `revokedSince`. */
function keysOf(jwksText: string, path: string): Map<string, OrderVerificationKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwksText);
  } catch {
    throw new CliError('invalid-file', `${path} is not JSON: give the JWKS from \`forgeline keys jwks\``);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new CliError('invalid-file', `${path} is not a JWKS: it has no "keys" list`);
  const byKid = new Map<string, OrderVerificationKey>();
  keys.forEach((jwk: unknown, index) => {
    const { kid, revokedSince } = (jwk ?? {}) as { kid?: unknown; revokedSince?: unknown };
    if (typeof kid !== 'string') throw new CliError('invalid-file', `${path}: key ${index} has no kid`);
    byKid.set(kid, { kid, publicKey: publicKeyFromJwk(jwk), revokedSince: typeof revokedSince === 'string' ? revokedSince : null });
  });
  return byKid;
}

/** Verifies the JWS in `file` (or standard input for '-') against the JWKS in `jwksFile`; throws the refusal's code. */
export async function verifyWithJwks(file: string, jwksFile: string, audience: string | undefined, io: CliIo): Promise<OrderJwsPayload> {
  const jws = (file === '-' ? await readAll(io.stdin) : await readTextFile(file)).trim();
  const keys = keysOf(await readTextFile(jwksFile), jwksFile);
  return verifyOrderJws(jws, { key: (kid) => keys.get(kid), now: new Date(), ...(audience === undefined ? {} : { audience }) }).payload;
}
