/** `order verify-jws`: a released order's JWS checked offline against a JWKS file, as a device would. */
import { verificationKeysFromJwks, verifyOrderJws, type OrderJwsPayload, type OrderVerificationKey } from '../crypto/index.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { readTextFile } from './data-file.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}

/** The keys of a JWKS file by kid, or a clear refusal naming the file. */
function keysOf(jwksText: string, path: string): Map<string, OrderVerificationKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwksText);
  } catch {
    throw new CliError('invalid-file', `${path} is not JSON: give the JWKS from \`forgeline keys jwks\``);
  }
  return verificationKeysFromJwks(parsed);
}

/** Verifies the JWS in `file` (or standard input for '-') against the JWKS in `jwksFile`; throws the refusal's code. */
export async function verifyWithJwks(file: string, jwksFile: string, audience: string | undefined, io: CliIo): Promise<OrderJwsPayload> {
  const jws = (file === '-' ? await readAll(io.stdin) : await readTextFile(file)).trim();
  const keys = keysOf(await readTextFile(jwksFile), jwksFile);
  return verifyOrderJws(jws, { key: (kid) => keys.get(kid), now: new Date(), ...(audience === undefined ? {} : { audience }) }).payload;
}
