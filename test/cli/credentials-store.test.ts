import { tempFolder } from '../support/temp-folders.js';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialsStore } from '../../src/cli/credentials-store.js';
import { fakeFetch, run, testConfig } from './cli-harness.js';

const saved = { server: 'https://plant.example:8443', token: 'tok', ca: null, username: 'paula', expiresAt: '2030-01-01T00:00:00.000Z' };

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('the credentials file', () => {
  it('is written owner-only (0600) in an owner-only folder, even under a permissive umask', async () => {
    const folder = tempFolder('forgeline-cred-');
    const file = join(folder, 'config', 'forgeline', 'credentials.json');
    const previous = process.umask(0o000);
    try {
      await new CredentialsStore(file).write(saved);
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(file)).toBe(0o600);
    expect(await modeOf(join(folder, 'config', 'forgeline'))).toBe(0o700);
    expect(await new CredentialsStore(file).read()).toEqual(saved);
  });

  it('replaces a world-readable file with an owner-only one', async () => {
    const folder = tempFolder('forgeline-cred-');
    const file = join(folder, 'credentials.json');
    await writeFile(file, '{}', { mode: 0o644 });
    await new CredentialsStore(file).write(saved);
    expect(await modeOf(file)).toBe(0o600);
  });

  it('reads nothing when there is no file, and refuses a damaged one with a hint', async () => {
    const folder = tempFolder('forgeline-cred-');
    const store = new CredentialsStore(join(folder, 'credentials.json'));
    expect(await store.read()).toBeNull();
    await writeFile(store.file, 'not json');
    await expect(store.read()).rejects.toThrow(/damaged: run forgeline logout/);
    expect(await store.remove()).toBe(true);
    expect(await store.remove()).toBe(false);
  });

  it('is written by login with the server, token, CA, username and expiry', async () => {
    const config = testConfig({ FORGELINE_TOKEN: '' });
    const folder = tempFolder('forgeline-login-');
    await writeFile(join(folder, 'pw'), 'the-password\n');
    const server = fakeFetch(() => ({ status: 201, body: { token: 'session-token', expiresAt: '2030-01-01T08:00:00.000Z', passwordChangeRequired: false } }));
    const result = await run(['login', '--username', 'paula', '--password-file', join(folder, 'pw')], { fetch: server.fetch, config });
    expect(result.exitCode).toBe(0);
    expect(server.requests[0]?.body).toEqual({ username: 'paula', password: 'the-password' });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(await modeOf(config.credentialsFile)).toBe(0o600);
    expect(JSON.parse(await readFile(config.credentialsFile, 'utf8'))).toEqual({
      server: 'https://forgeline.test',
      token: 'session-token',
      ca: null,
      username: 'paula',
      expiresAt: '2030-01-01T08:00:00.000Z',
    });

    // The saved token is then used, and logout deletes it.
    const me = fakeFetch(() => ({ status: 204 }));
    await run(['logout'], { fetch: me.fetch, config });
    expect(me.requests[0]?.headers.authorization).toBe('Bearer session-token');
    expect(me.requests[0]?.method).toBe('DELETE');
    await expect(stat(config.credentialsFile)).rejects.toThrow();
  });

  it('refuses an expired saved login before sending anything', async () => {
    const config = testConfig({ FORGELINE_TOKEN: '' });
    await new CredentialsStore(config.credentialsFile).write({ ...saved, server: 'https://forgeline.test', expiresAt: '2000-01-01T00:00:00.000Z' });
    const server = fakeFetch(() => ({ status: 200, body: {} }));
    const result = await run(['whoami'], { fetch: server.fetch, config });
    expect(result.stderr).toEqual(['forgeline: not-logged-in: your session at https://forgeline.test expired at 2000-01-01T00:00:00.000Z: run forgeline login']);
    expect(server.requests).toHaveLength(0);
  });
});
