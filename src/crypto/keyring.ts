/**
 * The keyring (issue 5 point 4): key-encryption keys (KEKs) that wrap short secrets, such as
 * the data keys of encrypted fields and the private halves of signing keys. Three kinds: a
 * file of random KEKs (mode 0600), one KEK derived from an operator's passphrase, or an
 * external command, the hook for a KMS or HSM that never shows its KEK to Forgeline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ForgelineError } from '../domain/index.js';

/** A key wrapped by a key-encryption key (KEK) of a keyring. */
export interface WrappedKey {
  readonly kekId: string;
  /** The wrapped bytes as unpadded base64url text. */
  readonly wrapped: string;
}

/** Wraps and unwraps short secrets (data keys, private keys) with key-encryption keys. */
export interface Keyring {
  /** What kind it is, for messages and `keys status`. */
  readonly kind: 'file' | 'passphrase' | 'command';
  /** The KEK new keys are wrapped with. */
  readonly activeKekId: string;
  /** Wraps `secret` with the active KEK. */
  wrap(secret: Uint8Array): Promise<WrappedKey>;
  /** Unwraps with the KEK named by `key.kekId`; an unknown KEK is `keyring-unavailable`, a failed check `decryption-failed`. */
  unwrap(key: WrappedKey): Promise<Buffer>;
}

/** Where a data folder keeps its file keyring, relative to the folder. */
export const KEYRING_FILE = 'keys/keyring.json';
/** Where a data folder keeps the salt and check of its passphrase keyring, relative to the folder. */
export const PASSPHRASE_KEYRING_FILE = 'keys/keyring-passphrase.json';

const KEK_BYTES = 32;
// NIST SP 800-38D §8.2: 96-bit random IVs; §5.2.1.2: the full 128-bit tag.
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Keyrings wrap keys, not documents. */
const MAX_SECRET_BYTES = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function unavailable(message: string): ForgelineError {
  return new ForgelineError('keyring-unavailable', message);
}

function notUnwrapped(kekId: string): ForgelineError {
  return new ForgelineError('decryption-failed', `a wrapped key could not be unwrapped with KEK ${kekId}: wrong key, or the wrapped key was changed`);
}

function checkSecret(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length === 0 || secret.length > MAX_SECRET_BYTES) {
    throw new TypeError(`a secret to wrap must be 1 to ${MAX_SECRET_BYTES} bytes`);
  }
  return secret;
}

// Strict: Buffer.from silently skips stray characters, so the text must be the canonical encoding.
function decodeBase64Url(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function decodesTo(bytes: number): (text: string) => boolean {
  return (text) => {
    const decoded = Buffer.from(text, 'base64');
    return decoded.length === bytes && decoded.toString('base64') === text;
  };
}

// ---- AES-256-GCM under a KEK (file and passphrase kinds); the KEK id is the additional data.

function wrapAad(kekId: string): Buffer {
  return Buffer.from(`forgeline-wrap:v1:${kekId}`, 'utf8');
}

function sealWithKek(kek: Buffer, kekId: string, secret: Uint8Array): WrappedKey {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(wrapAad(kekId));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return { kekId, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url') };
}

function openWithKek(kek: Buffer, key: WrappedKey): Buffer {
  const bytes = decodeBase64Url(key.wrapped);
  if (bytes === undefined || bytes.length <= IV_BYTES + TAG_BYTES) throw notUnwrapped(key.kekId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(wrapAad(key.kekId));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw notUnwrapped(key.kekId);
  }
}

function kekKeyring(kind: 'file' | 'passphrase', source: string, keks: ReadonlyMap<string, Buffer>, activeKekId: string): Keyring {
  const active = keks.get(activeKekId);
  if (active === undefined) throw unavailable(`the keyring ${source} has no active KEK ${activeKekId}`);
  return Object.freeze({
    kind,
    activeKekId,
    wrap: async (secret: Uint8Array) => sealWithKek(active, activeKekId, checkSecret(secret)),
    unwrap: async (key: WrappedKey) => {
      const kek = keks.get(key.kekId);
      if (kek === undefined) throw unavailable(`the keyring ${source} has no KEK ${String(key.kekId)}`);
      return openWithKek(kek, key);
    },
  });
}

// ---- Files holding keyring material: private to the owner, written atomically.

/** Reads a keyring file, refusing one that group or others may read or write. */
async function readPrivateFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw unavailable(`the keyring file ${path} does not exist`);
    throw unavailable(`the keyring file ${path} could not be opened (${code ?? 'unknown error'})`);
  }
  try {
    // fstat on the open handle, so the file checked is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw unavailable(`the keyring file ${path} is not a regular file`);
    if ((stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
      throw unavailable(`the keyring file ${path} has mode ${mode}, open to group or others; run \`chmod 600 ${path}\``);
    }
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof ForgelineError) throw error;
    throw unavailable(`the keyring file ${path} could not be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  } finally {
    await handle.close();
  }
}

function parseKeyringFile<T>(path: string, text: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unavailable(`the keyring file ${path} is damaged: it is not valid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  // Only the location of the problem: issue messages could quote key material.
  const where = parsed.error.issues[0]?.path.join('.') || 'the top level';
  throw unavailable(`the keyring file ${path} is damaged at ${where}`);
}

async function writeTempFile(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDirectory(path: string): Promise<void> {
  // A rename is durable only once its directory is synced; without this a crash could
  // bring back a keyring that lacks the KEK new keys were already wrapped with.
  const handle = await open(dirname(path), 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new keyring file whole or not at all, and never over an existing one. */
async function writeNewPrivateFile(path: string, text: string): Promise<void> {
  const temp = await writeTempFile(path, text);
  try {
    // link() fails with EEXIST instead of replacing, atomically (POSIX link()).
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ForgelineError('conflict', `the keyring file ${path} already exists; nothing was changed`);
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(path);
}

/** Replaces a keyring file atomically (temp file 0600, then rename). */
async function replacePrivateFile(path: string, text: string): Promise<void> {
  const temp = await writeTempFile(path, text);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path);
}

// ---- The file keyring: random KEKs, all kept until retired.

const FILE_KEK_ID = /^kek-\d{8}-[0-9a-f]{8}$/;

const keyFileSchema = z
  .strictObject({
    format: z.literal(1),
    active: z.string(),
    keys: z
      .array(z.strictObject({ id: z.string().regex(FILE_KEK_ID), key: z.string().refine(decodesTo(KEK_BYTES)), createdAt: z.iso.datetime({ offset: true }) }))
      .min(1)
      .refine((keys) => new Set(keys.map((key) => key.id)).size === keys.length, 'KEK ids must be unique'),
  })
  .refine((file) => file.keys.some((key) => key.id === file.active), { path: ['active'], message: 'the active KEK must be in keys' });

type KeyFile = z.infer<typeof keyFileSchema>;

function newFileKek(taken: readonly { id: string }[]): KeyFile['keys'][number] {
  const now = new Date();
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  for (;;) {
    const id = `kek-${day}-${randomBytes(4).toString('hex')}`;
    if (!taken.some((key) => key.id === id)) return { id, key: randomBytes(KEK_BYTES).toString('base64'), createdAt: now.toISOString() };
  }
}

async function readKeyFile(path: string): Promise<KeyFile> {
  return parseKeyringFile(path, await readPrivateFile(path), keyFileSchema);
}

function fileKeyring(path: string, file: KeyFile): Keyring {
  return kekKeyring('file', path, new Map(file.keys.map((key) => [key.id, Buffer.from(key.key, 'base64')])), file.active);
}

function serialize(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Creates a file keyring with one random KEK (directory 0700, file 0600); refuses (`conflict`) if the file exists. */
export async function createFileKeyring(path: string): Promise<Keyring> {
  const kek = newFileKek([]);
  const file: KeyFile = { format: 1, active: kek.id, keys: [kek] };
  await writeNewPrivateFile(path, serialize(file));
  return fileKeyring(path, file);
}

/** Opens a file keyring; a missing, damaged or group/other-accessible file is `keyring-unavailable`. */
export async function openFileKeyring(path: string): Promise<Keyring> {
  return fileKeyring(path, await readKeyFile(path));
}

/**
 * Adds a new random KEK and makes it active. The old KEKs stay, since keys wrapped with
 * them must still unwrap until they are re-wrapped; then {@link retireFileKeyringKek}.
 */
export async function rotateFileKeyring(path: string): Promise<{ keyring: Keyring; previousKekId: string }> {
  const file = await readKeyFile(path);
  const kek = newFileKek(file.keys);
  const next: KeyFile = { ...file, active: kek.id, keys: [...file.keys, kek] };
  await replacePrivateFile(path, serialize(next));
  return { keyring: fileKeyring(path, next), previousKekId: file.active };
}

/**
 * Removes an old KEK from a file keyring. The caller makes sure nothing is wrapped with it
 * any more: keys wrapped with it are lost. The active KEK is refused (`conflict`).
 */
export async function retireFileKeyringKek(path: string, kekId: string): Promise<void> {
  const file = await readKeyFile(path);
  if (kekId === file.active) throw new ForgelineError('conflict', `KEK ${kekId} is the active KEK of ${path} and cannot be retired; rotate first`);
  if (!file.keys.some((key) => key.id === kekId)) throw unavailable(`the keyring file ${path} has no KEK ${kekId}`);
  await replacePrivateFile(path, serialize({ ...file, keys: file.keys.filter((key) => key.id !== kekId) }));
}

// ---- The passphrase keyring: one KEK derived with scrypt (RFC 7914).

const SCRYPT_MAXMEM = 64 * 1024 * 1024;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;

const passphraseFileSchema = z
  .strictObject({
    format: z.literal(1),
    kdf: z.literal('scrypt'),
    salt: z.string().refine(decodesTo(16)),
    N: z.number().int().min(2 ** 14).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    kekId: z.string().regex(/^kek-pass-[0-9a-f]{8}$/),
    check: z.string().regex(BASE64URL),
    /**
     * During a rotation (`keys rotate-kek` with a new passphrase): the previous KEK, wrapped by
     * this one, so keys not yet re-wrapped still open after a restart with the new passphrase.
     */
    previous: z.strictObject({ kekId: z.string().regex(/^kek-pass-[0-9a-f]{8}$/), wrapped: z.string().regex(BASE64URL) }).optional(),
  })
  // RFC 7914 §2: scrypt needs about 128·N·r bytes; beyond the cap it is a damaged (or hostile) file.
  .refine((file) => 128 * file.N * file.r <= SCRYPT_MAXMEM / 2, { path: ['N'], message: 'scrypt parameters need too much memory' });

type PassphraseFile = z.infer<typeof passphraseFileSchema>;

function deriveKek(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // NFKC so the same passphrase typed on another keyboard or OS derives the same KEK.
  const normalized = passphrase.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, KEK_BYTES, { ...params, maxmem: SCRYPT_MAXMEM }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function checkPassphrase(path: string, passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw unavailable(`no passphrase was given for the keyring ${path}`);
}

/** Creates a passphrase keyring: a random salt and a check value, stored at `path` (0600); refuses (`conflict`) if the file exists. */
export async function createPassphraseKeyring(path: string, passphrase: string): Promise<Keyring> {
  checkPassphrase(path, passphrase);
  const salt = randomBytes(16);
  const kek = await deriveKek(passphrase, salt, SCRYPT);
  const kekId = `kek-pass-${randomBytes(4).toString('hex')}`;
  // The check is a wrap of zeros: opening with a wrong passphrase fails at once, not later on real data.
  const check = sealWithKek(kek, kekId, Buffer.alloc(KEK_BYTES)).wrapped;
  const file: PassphraseFile = { format: 1, kdf: 'scrypt', salt: salt.toString('base64'), ...SCRYPT, kekId, check };
  await writeNewPrivateFile(path, serialize(file));
  return kekKeyring('passphrase', path, new Map([[kekId, kek]]), kekId);
}

/** Opens a passphrase keyring; a wrong passphrase is `keyring-unavailable`, never a KEK that yields garbage later. */
export async function openPassphraseKeyring(path: string, passphrase: string): Promise<Keyring> {
  checkPassphrase(path, passphrase);
  const file = parseKeyringFile(path, await readPrivateFile(path), passphraseFileSchema);
  let kek: Buffer;
  try {
    kek = await deriveKek(passphrase, Buffer.from(file.salt, 'base64'), file);
  } catch {
    throw unavailable(`the key for the keyring ${path} could not be derived with its scrypt parameters`);
  }
  let check: Buffer;
  try {
    check = openWithKek(kek, { kekId: file.kekId, wrapped: file.check });
  } catch {
    throw unavailable(`wrong passphrase for ${path}`);
  }
  if (check.length !== KEK_BYTES || check.some((byte) => byte !== 0)) throw unavailable(`the keyring file ${path} is damaged at check`);
  const keks = new Map([[file.kekId, kek]]);
  if (file.previous !== undefined) {
    try {
      keks.set(file.previous.kekId, openWithKek(kek, { kekId: file.kekId, wrapped: file.previous.wrapped }));
    } catch {
      throw unavailable(`the keyring file ${path} is damaged at previous`);
    }
  }
  return kekKeyring('passphrase', path, keks, file.kekId);
}

/**
 * Replaces a passphrase keyring's KEK with one derived from `newPassphrase` (new salt, new id);
 * the old KEK, opened with `oldPassphrase`, stays in the file wrapped by the new one until
 * {@link dropPreviousPassphraseKek}, so keys wrapped by either open with the new passphrase
 * alone, even after a crash halfway through re-wrapping. Written atomically (0600).
 */
export async function rotatePassphraseKeyring(path: string, oldPassphrase: string, newPassphrase: string): Promise<{ keyring: Keyring; previousKekId: string }> {
  checkPassphrase(path, newPassphrase);
  if (newPassphrase.normalize('NFKC') === oldPassphrase.normalize('NFKC')) throw new ForgelineError('validation-failed', 'the new keyring passphrase is the one in use');
  const current = await openPassphraseKeyring(path, oldPassphrase);
  const file = parseKeyringFile(path, await readPrivateFile(path), passphraseFileSchema);
  if (file.previous !== undefined) throw new ForgelineError('conflict', `the keyring ${path} is still finishing a rotation; run rotate-kek again once it is done`);
  const oldKek = await deriveKek(oldPassphrase, Buffer.from(file.salt, 'base64'), file);
  const salt = randomBytes(16);
  const kek = await deriveKek(newPassphrase, salt, SCRYPT);
  const kekId = `kek-pass-${randomBytes(4).toString('hex')}`;
  const next: PassphraseFile = {
    format: 1, kdf: 'scrypt', salt: salt.toString('base64'), ...SCRYPT, kekId,
    check: sealWithKek(kek, kekId, Buffer.alloc(KEK_BYTES)).wrapped,
    previous: { kekId: current.activeKekId, wrapped: sealWithKek(kek, kekId, oldKek).wrapped },
  };
  await replacePrivateFile(path, serialize(next));
  return { keyring: kekKeyring('passphrase', path, new Map([[kekId, kek], [current.activeKekId, oldKek]]), kekId), previousKekId: current.activeKekId };
}

/** Ends a passphrase rotation: the previous KEK leaves the file (nothing may be wrapped by it any more). */
export async function dropPreviousPassphraseKek(path: string, passphrase: string): Promise<Keyring> {
  const file = parseKeyringFile(path, await readPrivateFile(path), passphraseFileSchema);
  const { previous: _previous, ...rest } = file;
  await replacePrivateFile(path, serialize(rest));
  return openPassphraseKeyring(path, passphrase);
}

// ---- The command keyring: an operator's program (KMS or HSM client) does the wrapping.

/** The command lines of a command keyring and the id of the KEK they use. */
export interface KeyringCommands {
  /** Reads a secret as one base64 line on stdin, prints it wrapped as one base64 line. */
  readonly wrap: string;
  /** Reads a wrapped key as one base64 line on stdin, prints the secret as one base64 line. */
  readonly unwrap: string;
  /** The name of the external KEK, stored beside every key it wraps. */
  readonly kekId: string;
  /** How long a command may run before it is killed; 10 000 ms by default. */
  readonly timeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
const MAX_COMMAND_OUTPUT_BYTES = 64 * 1024;
const BASE64_LINE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A keyring whose KEK lives outside Forgeline: each wrap and unwrap runs an operator's command. */
export function commandKeyring(commands: KeyringCommands): Keyring {
  const { wrap, unwrap, kekId, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS } = commands;
  for (const [name, value] of Object.entries({ wrap, unwrap, kekId })) {
    if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`the keyring command setting ${name} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new TypeError('the keyring command timeout must be a positive number of milliseconds');
  return Object.freeze({
    kind: 'command' as const,
    activeKekId: kekId,
    wrap: async (secret: Uint8Array) => {
      const wrapped = await runKeyCommand(wrap, checkSecret(secret), timeoutMs);
      return { kekId, wrapped: wrapped.toString('base64url') };
    },
    unwrap: async (key: WrappedKey) => {
      if (key.kekId !== kekId) throw unavailable(`the command keyring has KEK ${kekId}, not KEK ${String(key.kekId)}`);
      const bytes = decodeBase64Url(key.wrapped);
      if (bytes === undefined || bytes.length === 0) throw notUnwrapped(kekId);
      return runKeyCommand(unwrap, bytes, timeoutMs);
    },
  });
}

/** The program a command line runs, for messages: its first word after any `NAME=value` assignments (which may hold secrets). */
function programOf(command: string): string {
  return command.trim().split(/\s+/).find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) ?? 'sh';
}

/** Decodes one line of base64 (RFC 4648 §4, or the §5 URL alphabet, padded or not); anything else is undefined. */
function decodeBase64Line(text: string): Buffer | undefined {
  if (!BASE64_LINE.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Buffer.from skips what it cannot use, so the text must be exactly what the bytes encode to.
  const canonical = text.replace(/=+$/, '').replaceAll('-', '+').replaceAll('_', '/');
  return bytes.length > 0 && bytes.toString('base64').replace(/=+$/, '') === canonical ? bytes : undefined;
}

function killGroup(child: ChildProcess): void {
  try {
    // The negative pid signals the whole process group, so a shell's children die with it.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function runKeyCommand(command: string, input: Uint8Array, timeoutMs: number): Promise<Buffer> {
  const program = programOf(command);
  return new Promise((resolve, reject) => {
    // The command line is operator configuration (like a systemd unit), never user input, so
    // handing it to the shell is intended: it may use quoting, pipes and variable assignments.
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;
    let settled = false;
    const stderrLine = (): string => {
      const line = Buffer.concat(stderr).toString('utf8').split('\n').map((text) => text.trim()).find((text) => text !== '');
      return line === undefined ? 'it wrote nothing on stderr' : `stderr: ${line.slice(0, 200)}`;
    };
    const fail = (what: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child);
      reject(unavailable(`the keyring command ${program} ${what} (${stderrLine()})`));
    };
    const timer = setTimeout(() => fail(`did not answer within ${timeoutMs} ms and was killed`), timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > MAX_COMMAND_OUTPUT_BYTES) fail('printed more output than a key');
      else into.push(chunk);
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));
    child.on('error', (error: NodeJS.ErrnoException) => fail(`could not be started (${error.code ?? 'unknown error'})`));
    child.on('close', (code, signal) => {
      if (settled) return;
      if (code !== 0) return fail(`failed with ${signal === null ? `exit code ${code}` : `signal ${signal}`}`);
      const answer = Buffer.concat(stdout).toString('utf8').trim();
      const bytes = decodeBase64Line(answer);
      if (bytes === undefined) return fail(answer === '' ? 'printed nothing' : 'printed something that is not one base64 line');
      settled = true;
      clearTimeout(timer);
      resolve(bytes);
    });
    // A command that exits without reading its input closes the pipe early; its exit status tells what went wrong.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${Buffer.from(input).toString('base64')}\n`);
  });
}
