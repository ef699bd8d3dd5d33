import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithCli, expectOk, fileIn, runCli, startServer } from './cli-harness.js';

const FAKE_KMS = resolve('test/crypto/fixtures/fake-kms.mjs');

describe('the keyring kinds through the real CLI', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-keyring-e2e-'));
    await writeFile(fileIn(dir, 'admin-password'), 'quartz lantern orbit seven meadow');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a passphrase keyring, serves only with the passphrase, changes it while serving, and refuses a wrong one with one line', async () => {
    const data = join(dir, 'passphrase');
    const env = { HOME: dir, FORGELINE_KEYRING_PASSPHRASE: 'correct battery staple for the keys' };
    expectOk(await runCli(['init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password'), '--keyring', 'passphrase'], env));
    const manifest = JSON.parse(await readFile(join(data, 'forgeline.json'), 'utf8')) as { keyring: unknown };
    expect(manifest.keyring).toEqual({ kind: 'passphrase', file: 'keys/keyring-passphrase.json' });
    expect((await stat(join(data, 'keys/keyring-passphrase.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(data, 'keys/keyring-passphrase.json'), 'utf8')).not.toContain('correct battery');

    // The admin replaces the passphrase while the server runs: every key is re-wrapped under the new one.
    const server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    const admin = { ...env, FORGELINE_DATA: data, FORGELINE_SERVER: server.url, FORGELINE_CREDENTIALS: join(dir, 'passphrase-admin.json') };
    expectOk(await runCli(['login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-password')], admin));
    await enrolWithCli((...args) => runCli(args, admin));
    await writeFile(fileIn(dir, 'new-passphrase'), 'a second passphrase for the keys\n');
    expect(expectOk(await runCli(['keys', 'rotate-kek', '--new-passphrase-file', fileIn(dir, 'new-passphrase')], admin)))
      .toMatch(/^key-encryption key kek-pass-\S+ replaced by kek-pass-\S+: \d+ order data keys, 1 signing keys and 1 second-factor secrets re-wrapped; \S+ removed/);
    expect(await server.stop()).toBe(0);
    // From now on only the new passphrase opens the folder.
    const again = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], { HOME: dir, FORGELINE_KEYRING_PASSPHRASE: 'a second passphrase for the keys' });
    expect(await again.stop()).toBe(0);
    const old = await runCli(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    expect(old.stderr.trim()).toMatch(/^forgeline: keyring-unavailable: .*wrong passphrase/);
    const wrong = await runCli(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], { HOME: dir, FORGELINE_KEYRING_PASSPHRASE: 'not the passphrase at all' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^forgeline: keyring-unavailable: .*wrong passphrase/);
    const missing = await runCli(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], { HOME: dir });
    expect(missing.stderr.trim()).toMatch(/^forgeline: keyring-unavailable: .*FORGELINE_KEYRING_PASSPHRASE/);
  }, 60_000);

  it('makes a command keyring that wraps through an external program, and refuses an incomplete one before creating anything', async () => {
    const data = join(dir, 'command');
    const env = { HOME: dir, FAKE_KMS_SECRET: 'the hsm partition secret' };
    expectOk(await runCli([
      'init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password'), '--keyring', 'command',
      '--keyring-wrap-command', `node ${FAKE_KMS} wrap`, '--keyring-unwrap-command', `node ${FAKE_KMS} unwrap`, '--keyring-kek-id', 'plant-hsm-1',
    ], env));
    const manifest = JSON.parse(await readFile(join(data, 'forgeline.json'), 'utf8')) as { keyring: { kind: string; kekId: string } };
    expect(manifest.keyring).toMatchObject({ kind: 'command', kekId: 'plant-hsm-1' });
    const server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    expect(await server.stop()).toBe(0);

    const incomplete = await runCli(['init', '--data', join(dir, 'incomplete'), '--keyring', 'command', '--keyring-wrap-command', 'true'], { HOME: dir });
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr.trim()).toMatch(/^forgeline: validation-failed: .*--keyring-unwrap-command/);
    expect(await stat(join(dir, 'incomplete')).then(() => true, () => false)).toBe(false);
    const badKind = await runCli(['init', '--data', join(dir, 'bad'), '--keyring', 'vault'], { HOME: dir });
    expect(badKind.code).toBe(2);
  }, 60_000);
});
