import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import { expect, it } from 'vitest';
import { DEFAULT_TEST_DATABASE_URL, describeEachEngine } from '../support/engines.js';
import { enrolWithCli, runCli, startServer } from './cli-harness.js';

// The real server on PostgreSQL: init and serve with FORGELINE_DATABASE_URL, in a database of its own.
describeEachEngine('forgeline serve on the configured engine', (engine) => {
  it('initializes, serves and signs in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'forgeline-engine-'));
    const baseUrl = process.env.FORGELINE_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    const database = `forgeline_e2e_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    const env: Record<string, string> = { FORGELINE_DATA: join(dir, 'data'), FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
    if (engine.kind === 'postgres') {
      await admin.connect();
      await admin.query(`create database ${database}`);
      const url = new URL(baseUrl);
      url.pathname = `/${database}`;
      env.FORGELINE_DATABASE_URL = url.toString();
    }
    try {
      await writeFile(join(dir, 'admin-pw'), 'the plant operations passphrase');
      const init = await runCli(['init', '--admin-password-file', join(dir, 'admin-pw')], env);
      expect(init.code, init.stderr).toBe(0);
      const server = await startServer(['serve', '--host', '127.0.0.1', '--port', '0'], env);
      try {
        const ca = await readFile(join(dir, 'data/tls/ca.pem'), 'utf8');
        const health = await fetch(`${server.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
        expect(await health.json()).toEqual({ status: 'ok', database: engine.kind });
        const login = await runCli(['login', '--server', server.url, '--username', 'admin', '--password-file', join(dir, 'admin-pw')], env);
        expect(login.code, login.stderr).toBe(0);
        await enrolWithCli((...args: string[]) => runCli(args, env));
        const users = await runCli(['user', 'list', '--json'], env);
        expect(JSON.parse(users.stdout).items.map((user: { username: string }) => user.username)).toEqual(['admin']);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      if (engine.kind === 'postgres') {
        await admin.query(`drop database if exists ${database}`);
        await admin.end();
      }
    }
  });
});
