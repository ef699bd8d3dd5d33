import { createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  commandKeyring,
  createFileKeyring,
  createPassphraseKeyring,
  KEYRING_FILE,
  openFileKeyring,
  openPassphraseKeyring,
  PASSPHRASE_KEYRING_FILE,
  retireFileKeyringKek,
  rotateFileKeyring,
  type WrappedKey,
} from '../../src/crypto/index.js';
import { ForgelineError } from '../../src/domain/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forgeline-keyring-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ForgelineError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ForgelineError);
  return error as ForgelineError;
}

function flipLastByte(key: WrappedKey): WrappedKey {
  const bytes = Buffer.from(key.wrapped, 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x80;
  return { ...key, wrapped: bytes.toString('base64url') };
}

interface KeyFileJson {
  format: number;
  active: string;
  keys: { id: string; key: string; createdAt: string }[];
}

async function readKeyFile(path: string): Promise<KeyFileJson> {
  return JSON.parse(await readFile(path, 'utf8')) as KeyFileJson;
}

describe('the file keyring', () => {
  const secret = randomBytes(32);

  it('wraps and unwraps, also after being opened again', async () => {
    const path = join(dir, KEYRING_FILE);
    const keyring = await createFileKeyring(path);
    expect(keyring.kind).toBe('file');
    expect(keyring.activeKekId).toMatch(/^kek-\d{8}-[0-9a-f]{8}$/);
    const wrapped = await keyring.wrap(secret);
    expect(wrapped.kekId).toBe(keyring.activeKekId);
    expect(wrapped.wrapped).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await keyring.unwrap(wrapped)).toEqual(secret);
    const reopened = await openFileKeyring(path);
    expect(reopened.activeKekId).toBe(keyring.activeKekId);
    expect(await reopened.unwrap(wrapped)).toEqual(secret);
  });

  it('stores one 32-byte KEK in a 0600 file inside a 0700 folder', async () => {
    const path = join(dir, KEYRING_FILE);
    const keyring = await createFileKeyring(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    const file = await readKeyFile(path);
    expect(file.format).toBe(1);
    expect(file.active).toBe(keyring.activeKekId);
    expect(file.keys).toHaveLength(1);
    expect(Buffer.from(file.keys[0]?.key ?? '', 'base64')).toHaveLength(32);
    expect(Number.isNaN(Date.parse(file.keys[0]?.createdAt ?? ''))).toBe(false);
  });

  it('wraps as AES-256-GCM iv || ciphertext || tag with the KEK id as additional data', async () => {
    const path = join(dir, KEYRING_FILE);
    const keyring = await createFileKeyring(path);
    const wrapped = Buffer.from((await keyring.wrap(secret)).wrapped, 'base64url');
    const kek = Buffer.from((await readKeyFile(path)).keys[0]?.key ?? '', 'base64');
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(`forgeline-wrap:v1:${keyring.activeKekId}`, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    expect(Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()])).toEqual(secret);
  });

  it('refuses to open a file that group or others can read, naming the path and chmod 600', async () => {
    const path = join(dir, KEYRING_FILE);
    await createFileKeyring(path);
    await chmod(path, 0o644);
    const error = await rejection(openFileKeyring(path));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain(path);
    expect(error.message).toContain('chmod 600');
  });

  it('refuses a missing file, naming the path', async () => {
    const path = join(dir, KEYRING_FILE);
    const error = await rejection(openFileKeyring(path));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain(path);
  });

  it.each<[string, (file: KeyFileJson) => unknown]>([
    ['a key that is not 32 bytes', (file) => ({ ...file, keys: file.keys.map((key) => ({ ...key, key: key.key.slice(0, 40) })) })],
    ['an active KEK that is not in the file', (file) => ({ ...file, active: 'kek-20240101-00000000' })],
    ['a duplicated KEK id', (file) => ({ ...file, keys: [...file.keys, ...file.keys] })],
    ['another format', (file) => ({ ...file, format: 2 })],
    ['no keys', (file) => ({ ...file, keys: [] })],
  ])('refuses a damaged file with %s, without quoting the key', async (_name, damage) => {
    const path = join(dir, KEYRING_FILE);
    await createFileKeyring(path);
    const file = await readKeyFile(path);
    await writeFile(path, JSON.stringify(damage(file)), { mode: 0o600 });
    const error = await rejection(openFileKeyring(path));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain(path);
    expect(error.message).toContain('damaged');
    expect(error.message).not.toContain(file.keys[0]?.key.slice(0, 40));
  });

  it('refuses a file that is not JSON', async () => {
    const path = join(dir, KEYRING_FILE);
    await createFileKeyring(path);
    await writeFile(path, '{"format":1,', { mode: 0o600 });
    const error = await rejection(openFileKeyring(path));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain(path);
  });

  it('refuses to create over an existing file and leaves it unchanged', async () => {
    const path = join(dir, KEYRING_FILE);
    await createFileKeyring(path);
    const before = await readFile(path, 'utf8');
    const error = await rejection(createFileKeyring(path));
    expect(error.code).toBe('conflict');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(join(dir, 'keys'))).toEqual(['keyring.json']);
  });

  it('rotates: new wraps use the new KEK, old wraps still unwrap', async () => {
    const path = join(dir, KEYRING_FILE);
    const original = await createFileKeyring(path);
    const old = await original.wrap(secret);
    const { keyring, previousKekId } = await rotateFileKeyring(path);
    expect(previousKekId).toBe(original.activeKekId);
    expect(keyring.activeKekId).not.toBe(original.activeKekId);
    const fresh = await keyring.wrap(secret);
    expect(fresh.kekId).toBe(keyring.activeKekId);
    const reopened = await openFileKeyring(path);
    expect(reopened.activeKekId).toBe(keyring.activeKekId);
    expect(await reopened.unwrap(old)).toEqual(secret);
    expect(await reopened.unwrap(fresh)).toEqual(secret);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'keys'))).toEqual(['keyring.json']);
    expect((await readKeyFile(path)).keys.map((key) => key.id)).toEqual([previousKekId, keyring.activeKekId]);
  });

  it('refuses a wrap relabelled with another KEK of the same keyring', async () => {
    const path = join(dir, KEYRING_FILE);
    const old = await (await createFileKeyring(path)).wrap(secret);
    const { keyring } = await rotateFileKeyring(path);
    const error = await rejection(keyring.unwrap({ ...old, kekId: keyring.activeKekId }));
    expect(error.code).toBe('decryption-failed');
  });

  it('retires an old KEK, after which its wraps are unavailable, but never the active one', async () => {
    const path = join(dir, KEYRING_FILE);
    const old = await (await createFileKeyring(path)).wrap(secret);
    const { keyring, previousKekId } = await rotateFileKeyring(path);
    const activeRefused = await rejection(retireFileKeyringKek(path, keyring.activeKekId));
    expect(activeRefused.code).toBe('conflict');
    expect((await readKeyFile(path)).keys).toHaveLength(2);

    await retireFileKeyringKek(path, previousKekId);
    const file = await readKeyFile(path);
    expect(file.keys.map((key) => key.id)).toEqual([keyring.activeKekId]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const error = await rejection((await openFileKeyring(path)).unwrap(old));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain(previousKekId);

    const unknown = await rejection(retireFileKeyringKek(path, previousKekId));
    expect(unknown.code).toBe('keyring-unavailable');
  });

  it('answers keyring-unavailable for an unknown KEK id', async () => {
    const keyring = await createFileKeyring(join(dir, KEYRING_FILE));
    const wrapped = await keyring.wrap(secret);
    const error = await rejection(keyring.unwrap({ ...wrapped, kekId: 'kek-19990101-deadbeef' }));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain('kek-19990101-deadbeef');
  });

  it('answers decryption-failed when another keyring has a KEK of the same name', async () => {
    const first = await createFileKeyring(join(dir, 'a', KEYRING_FILE));
    const otherPath = join(dir, 'b', KEYRING_FILE);
    await createFileKeyring(otherPath);
    const other = await readKeyFile(otherPath);
    const renamed = { ...other, active: first.activeKekId, keys: other.keys.map((key) => ({ ...key, id: first.activeKekId })) };
    await writeFile(otherPath, JSON.stringify(renamed), { mode: 0o600 });
    const wrapped = await first.wrap(secret);
    const error = await rejection((await openFileKeyring(otherPath)).unwrap(wrapped));
    expect(error.code).toBe('decryption-failed');
    expect(error.message).toContain(first.activeKekId);
  });

  it('answers decryption-failed for a changed or malformed wrapped key', async () => {
    const keyring = await createFileKeyring(join(dir, KEYRING_FILE));
    const wrapped = await keyring.wrap(secret);
    for (const bad of [flipLastByte(wrapped), { ...wrapped, wrapped: `${wrapped.wrapped}!` }, { ...wrapped, wrapped: '' }, { ...wrapped, wrapped: wrapped.wrapped.slice(0, 30) }]) {
      expect((await rejection(keyring.unwrap(bad))).code).toBe('decryption-failed');
    }
  });
});

describe('the passphrase keyring', () => {
  const secret = randomBytes(48);

  it('wraps and unwraps across create and open with the same passphrase', async () => {
    const path = join(dir, PASSPHRASE_KEYRING_FILE);
    const created = await createPassphraseKeyring(path, 'correct horse battery staple');
    expect(created.kind).toBe('passphrase');
    expect(created.activeKekId).toMatch(/^kek-pass-[0-9a-f]{8}$/);
    const wrapped = await created.wrap(secret);
    const opened = await openPassphraseKeyring(path, 'correct horse battery staple');
    expect(opened.activeKekId).toBe(created.activeKekId);
    expect(await opened.unwrap(wrapped)).toEqual(secret);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ format: 1, kdf: 'scrypt', N: 32768, r: 8, p: 1, kekId: created.activeKekId });
    expect(Buffer.from(String(file.salt), 'base64')).toHaveLength(16);
  });

  it('normalizes the passphrase with NFKC', async () => {
    const path = join(dir, PASSPHRASE_KEYRING_FILE);
    const wrapped = await (await createPassphraseKeyring(path, 'ﬁsh Å')).wrap(secret);
    expect(await (await openPassphraseKeyring(path, 'fish Å')).unwrap(wrapped)).toEqual(secret);
  });

  it('refuses a wrong passphrase at open with keyring-unavailable', async () => {
    const path = join(dir, PASSPHRASE_KEYRING_FILE);
    await createPassphraseKeyring(path, 'correct horse battery staple');
    const error = await rejection(openPassphraseKeyring(path, 'correct horse battery stapler'));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toBe(`wrong passphrase for ${path}`);
  });

  it('refuses to create over an existing file', async () => {
    const path = join(dir, PASSPHRASE_KEYRING_FILE);
    await createPassphraseKeyring(path, 'one passphrase');
    expect((await rejection(createPassphraseKeyring(path, 'another passphrase'))).code).toBe('conflict');
  });
});

describe('the command keyring', () => {
  const fakeKms = fileURLToPath(new URL('./fixtures/fake-kms.mjs', import.meta.url));
  const node = JSON.stringify(process.execPath);
  const kms = (mode: string): string => `${node} ${JSON.stringify(fakeKms)} ${mode}`;
  const secret = randomBytes(32);
  let savedSecret: string | undefined;

  beforeAll(() => {
    savedSecret = process.env.FAKE_KMS_SECRET;
    process.env.FAKE_KMS_SECRET = 'fake kms secret for tests';
  });
  afterAll(() => {
    if (savedSecret === undefined) delete process.env.FAKE_KMS_SECRET;
    else process.env.FAKE_KMS_SECRET = savedSecret;
  });

  it('wraps and unwraps through the external command', async () => {
    const keyring = commandKeyring({ wrap: kms('wrap'), unwrap: kms('unwrap'), kekId: 'kms:test-key' });
    expect(keyring.kind).toBe('command');
    expect(keyring.activeKekId).toBe('kms:test-key');
    const wrapped = await keyring.wrap(secret);
    expect(wrapped.kekId).toBe('kms:test-key');
    expect(Buffer.from(wrapped.wrapped, 'base64url')).toHaveLength(12 + 32 + 16);
    expect(await keyring.unwrap(wrapped)).toEqual(secret);
  });

  it('answers keyring-unavailable with the stderr line when the command refuses to unwrap', async () => {
    const wrapped = await commandKeyring({ wrap: kms('wrap'), unwrap: kms('unwrap'), kekId: 'kms:test-key' }).wrap(secret);
    const wrongSecret = commandKeyring({ wrap: kms('wrap'), unwrap: `FAKE_KMS_SECRET=wrong ${kms('unwrap')}`, kekId: 'kms:test-key' });
    const error = await rejection(wrongSecret.unwrap(wrapped));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain('fake-kms: unwrap refused: wrong FAKE_KMS_SECRET or a changed key');
    expect(error.message).toContain(process.execPath);
    expect(error.message).not.toContain('FAKE_KMS_SECRET=wrong');
  });

  it('kills a command that does not answer in time', async () => {
    const keyring = commandKeyring({ wrap: 'sleep 5', unwrap: 'sleep 5', kekId: 'kms:slow', timeoutMs: 200 });
    const started = Date.now();
    const error = await rejection(keyring.wrap(secret));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain('sleep');
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('kills the whole command, not only the shell, on timeout', async () => {
    const marker = join(dir, 'still-running');
    const keyring = commandKeyring({ wrap: `(sleep 1; touch ${JSON.stringify(marker)}); true`, unwrap: 'true', kekId: 'kms:slow', timeoutMs: 200 });
    expect((await rejection(keyring.wrap(secret))).code).toBe('keyring-unavailable');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ['prints something that is not base64', 'echo "this is not base64!"'],
    ['prints nothing', 'cat > /dev/null'],
    ['prints two lines', 'printf "QUJD\\nREVG\\n"'],
    ['exits non-zero', 'echo "boom: no such key" >&2; exit 3'],
  ])('answers keyring-unavailable when the command %s', async (_name, command) => {
    const error = await rejection(commandKeyring({ wrap: command, unwrap: command, kekId: 'kms:broken' }).wrap(secret));
    expect(error.code).toBe('keyring-unavailable');
  });

  it('names the program and its first stderr line when it fails', async () => {
    const error = await rejection(commandKeyring({ wrap: 'sh -c \'echo "first line" >&2; echo second >&2; exit 4\'', unwrap: 'true', kekId: 'kms:x' }).wrap(secret));
    expect(error.message).toBe('the keyring command sh failed with exit code 4 (stderr: first line)');
  });

  it('answers keyring-unavailable for a wrapped key of another KEK', async () => {
    const keyring = commandKeyring({ wrap: kms('wrap'), unwrap: kms('unwrap'), kekId: 'kms:test-key' });
    const wrapped = await keyring.wrap(secret);
    const error = await rejection(keyring.unwrap({ ...wrapped, kekId: 'kms:other-key' }));
    expect(error.code).toBe('keyring-unavailable');
    expect(error.message).toContain('kms:other-key');
  });
});
