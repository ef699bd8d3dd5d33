/**
 * A witness's state folder: its Ed25519 key (`witness-key.pem`, 0600, made on first use) and
 * `state.json` (its name and the last checkpoint it cosigned per log), replaced atomically.
 */
import { type KeyObject, createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type WitnessSigner, witnessSigner } from './checkpoint.js';
import { decodeBase64, ed25519PublicKeyBytes, isValidKeyName } from './signed-note.js';
import type { WitnessState } from './witness.js';

/** The witness's private key in its folder (PKCS #8 PEM). */
export const WITNESS_KEY_FILE = 'witness-key.pem';
/** The witness's state in its folder. */
export const WITNESS_STATE_FILE = 'state.json';
/** The `format` of `state.json`. */
export const WITNESS_STATE_FORMAT = 'forgeline-witness-state/1';

/** Stable codes of a state folder that cannot be used. Add freely; never rename. */
export const WITNESS_FOLDER_ERROR_CODES = ['witness-state-invalid', 'witness-name-mismatch'] as const;
/** One of {@link WITNESS_FOLDER_ERROR_CODES}. */
export type WitnessFolderErrorCode = (typeof WITNESS_FOLDER_ERROR_CODES)[number];

/** A state folder that cannot be used: its key or state file is damaged, or another name was asked for. */
export class WitnessFolderError extends Error {
  constructor(
    readonly code: WitnessFolderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WitnessFolderError';
  }
}

/** An opened state folder: the witness's name, key and state; `created` on the run that made the key. */
export interface WitnessFolder {
  readonly dir: string;
  readonly name: string;
  readonly signer: WitnessSigner;
  readonly publicKey: Uint8Array;
  readonly state: WitnessState;
  readonly created: boolean;
}

const stateFileSchema = z.strictObject({
  format: z.literal(WITNESS_STATE_FORMAT),
  name: z.string().refine(isValidKeyName, 'is not a valid key name'),
  logs: z.array(z.strictObject({
    origin: z.string().min(1),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    rootHash: z.string().refine((hash) => decodeBase64(hash)?.length === 32, 'is not the base64 of 32 bytes'),
  })).refine((logs) => new Set(logs.map((log) => log.origin)).size === logs.length, 'names an origin twice'),
});

/** The name a witness gets when none is given: stable, as it is derived from its public key. */
export function defaultWitnessName(publicKey: Uint8Array): string {
  return `forgeline.witness/${createHash('sha256').update(publicKey).digest('hex').slice(0, 8)}`;
}

async function readKey(dir: string): Promise<{ key: KeyObject; created: boolean }> {
  const path = join(dir, WITNESS_KEY_FILE);
  const pem = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // 'wx' fails if another run made the key meanwhile: then that key is the witness's.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(path, 0o600);
    return { key: privateKey, created: true };
  }
  try {
    const key = createPrivateKey(pem);
    ed25519PublicKeyBytes(key);
    return { key, created: false };
  } catch {
    throw new WitnessFolderError('witness-state-invalid', `${path} is not an Ed25519 private key in PEM`);
  }
}

async function readState(dir: string): Promise<z.output<typeof stateFileSchema> | undefined> {
  const path = join(dir, WITNESS_STATE_FILE);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WitnessFolderError('witness-state-invalid', `${path} is not JSON`);
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WitnessFolderError('witness-state-invalid', `${path} is not a witness state: ${issue?.path.join('.') || 'the file'} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}

/**
 * Opens (or on first use creates) a witness's state folder. A name given must be the one the
 * folder already records; a new folder takes the given name or {@link defaultWitnessName}.
 */
export async function openWitnessFolder(dir: string, options: { readonly name?: string | undefined } = {}): Promise<WitnessFolder> {
  if (options.name !== undefined && !isValidKeyName(options.name)) {
    throw new WitnessFolderError('witness-name-mismatch', 'a witness name must not be empty nor contain spaces, + or control characters');
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { key, created } = await readKey(dir);
  const publicKey = ed25519PublicKeyBytes(key);
  const stored = await readState(dir);
  if (stored !== undefined && options.name !== undefined && options.name !== stored.name) {
    throw new WitnessFolderError('witness-name-mismatch', `this witness is named ${stored.name}; its key line would change under another name`);
  }
  const name = stored?.name ?? options.name ?? defaultWitnessName(publicKey);
  const state: WitnessState = { logs: stored?.logs ?? [] };
  // The name is recorded at once, so later runs sign under it; no log is recorded before one is cosigned.
  if (stored === undefined) await saveWitnessState(dir, name, state);
  return { dir, name, signer: witnessSigner(name, key), publicKey, state, created };
}

/** Replaces `state.json` atomically: a temporary file, flushed, then renamed over the old one. */
export async function saveWitnessState(dir: string, name: string, state: WitnessState): Promise<void> {
  const text = `${JSON.stringify({ format: WITNESS_STATE_FORMAT, name, logs: state.logs }, null, 2)}\n`;
  const temporary = join(dir, `${WITNESS_STATE_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(dir, WITNESS_STATE_FILE));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
