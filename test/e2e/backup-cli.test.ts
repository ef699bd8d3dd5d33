import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_DATABASE_URL, engines } from '../support/engines.js';
import { tempFolder } from '../support/temp-folders.js';
import { expectOk, expectOneLineError, runCli, startServer, type ServerProcess } from './cli-harness.js';

const PASSPHRASE = 'kept in the plant safe, not on this disk';

describe('forgeline backup and restore through the real command', () => {
  const dir = tempFolder('forgeline-e2e-backup-');
  const source = join(dir, 'data');
  const restored = join(dir, 'restored');
  const backupFile = join(dir, 'forgeline.flb');
  const passphraseFile = join(dir, 'passphrase');
  const env: Record<string, string> = { FORGELINE_DATA: source, FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  const login = async (server: ServerProcess, data: string) =>
    runCli(['login', '--server', server.url, '--username', 'admin', '--password-file', join(dir, 'admin-password')], { ...env, FORGELINE_DATA: data });

  it('backs up a serving data folder and restores it into a folder that serves', async () => {
    await writeFile(join(dir, 'admin-password'), 'the plant operations passphrase');
    await writeFile(passphraseFile, `${PASSPHRASE}\n`);
    expectOk(await runCli(['init', '--admin-password-file', join(dir, 'admin-password')], env));
    const live = await startServer(['serve', '--host', '127.0.0.1', '--port', '0'], env);
    servers.push(live);
    expectOk(await login(live, source));

    const out = expectOk(await runCli(['backup', '--out', backupFile], { ...env, FORGELINE_BACKUP_PASSPHRASE: PASSPHRASE }));
    expect(out).toMatch(/^backed up sqlite data folder to .*forgeline\.flb \(\d+\.\d MiB, \d+ parts\)$/m);
    expect(out).toMatch(/^audit log: \d+ entries/m);
    expect((await stat(backupFile)).mode & 0o777).toBe(0o600);
    // The server kept serving (and writing) through the backup.
    expectOk(await login(live, source));

    const done = expectOk(await runCli(['restore', backupFile, '--data', restored, '--passphrase-file', passphraseFile], env));
    expect(done).toMatch(/^restored the backup of \S+ into .*restored$/m);
    expect(done).toMatch(/^audit log verified: \d+ entries, \d+ signed checkpoints/m);
    expect(expectOk(await runCli(['audit', 'verify', '--data', restored], env))).toMatch(/^verified: \d+ entries/m);
    expect(await readFile(join(restored, 'tls/ca.pem'), 'utf8')).toBe(await readFile(join(source, 'tls/ca.pem'), 'utf8'));

    await live.stop();
    const again = await startServer(['serve', '--host', '127.0.0.1', '--port', '0', '--data', restored], env);
    servers.push(again);
    const ca = await readFile(join(restored, 'tls/ca.pem'), 'utf8');
    const health = await fetch(`${again.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    expectOk(await login(again, restored));
    await again.stop();
  });

  it('refuses a damaged file, a wrong passphrase and a file that is not a backup with one line, changing nothing', async () => {
    const bytes = await readFile(backupFile);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100] = (flipped[bytes.length - 100] ?? 0) ^ 0x01;
    await writeFile(join(dir, 'flipped.flb'), flipped);
    await writeFile(join(dir, 'cut.flb'), bytes.subarray(0, bytes.length - 5000));
    const target = join(dir, 'never');
    const attempts: [string[], Record<string, string>, RegExp][] = [
      [['restore', join(dir, 'flipped.flb'), '--data', target, '--passphrase-file', passphraseFile], env, /does not verify/],
      [['restore', join(dir, 'cut.flb'), '--data', target, '--passphrase-file', passphraseFile], env, /cut short|does not verify/],
      [['restore', backupFile, '--data', target], { ...env, FORGELINE_BACKUP_PASSPHRASE: 'a guess at the passphrase' }, /wrong passphrase/],
      [['restore', join(dir, 'admin-password'), '--data', target, '--passphrase-file', passphraseFile], env, /is not a Forgeline backup/],
    ];
    for (const [args, environment, message] of attempts) {
      expect(expectOneLineError(await runCli(args, environment), 'backup-invalid')).toMatch(message);
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expectOneLineError(await runCli(['restore', backupFile, '--data', target], env), 'validation-failed');
    expectOneLineError(await runCli(['backup', '--out', join(dir, 'weak.flb')], { ...env, FORGELINE_BACKUP_PASSPHRASE: 'short' }), 'validation-failed');
  });

  it('replaces an initialized folder only with --force, keeping the old one', async () => {
    expect(expectOneLineError(await runCli(['restore', backupFile, '--data', restored, '--passphrase-file', passphraseFile], env), 'conflict')).toMatch(/--force/);
    const forced = expectOk(await runCli(['restore', backupFile, '--data', restored, '--passphrase-file', passphraseFile, '--force'], env));
    const kept = /^the previous data folder is kept at (\S+)$/m.exec(forced)?.[1];
    expect(kept).toMatch(/restored\.before-restore-\d{8}t\d{6}z$/);
    expect((await stat(join(kept ?? '', 'forgeline.json'))).isFile()).toBe(true);
    expect(expectOk(await runCli(['audit', 'verify', '--data', restored], env))).toMatch(/^verified/m);
  });
});

const postgres = engines().find((engine) => engine.kind === 'postgres');
const postgresMissing = postgres === undefined ? 'PostgreSQL is not among FORGELINE_TEST_ENGINES' : postgres.unavailable;

describe('forgeline backup and restore of a PostgreSQL data folder', () => {
  const baseUrl = process.env.FORGELINE_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const databases: string[] = [];
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const freshDatabase = async (): Promise<string> => {
    const name = `forgeline_e2e_${randomBytes(5).toString('hex')}`;
    await admin(`create database ${name}`);
    databases.push(name);
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  afterAll(async () => {
    for (const name of databases) await admin(`drop database if exists ${name} with (force)`);
  });

  it.skipIf(postgresMissing !== undefined && process.env.FORGELINE_REQUIRE_SERVICES !== '1')('dumps a serving store with pg_dump and restores it into another database that serves', async () => {
    if (postgresMissing !== undefined) throw new Error(`${postgresMissing} (required because FORGELINE_REQUIRE_SERVICES=1)`);
    const dir = tempFolder('forgeline-e2e-pg-backup-');
    const env: Record<string, string> = {
      FORGELINE_DATA: join(dir, 'data'), FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir, FORGELINE_DATABASE_URL: await freshDatabase(),
    };
    await writeFile(join(dir, 'admin-password'), 'the plant operations passphrase');
    await writeFile(join(dir, 'passphrase'), PASSPHRASE);
    expectOk(await runCli(['init', '--admin-password-file', join(dir, 'admin-password')], env));
    const live = await startServer(['serve', '--host', '127.0.0.1', '--port', '0'], env);
    try {
      expect(expectOk(await runCli(['backup', '--out', join(dir, 'pg.flb'), '--passphrase-file', join(dir, 'passphrase')], env))).toMatch(/^backed up postgres data folder/m);
    } finally {
      await live.stop();
    }
    const target = { ...env, FORGELINE_DATA: join(dir, 'restored'), FORGELINE_DATABASE_URL: await freshDatabase() };
    expectOneLineError(await runCli(['restore', join(dir, 'pg.flb'), '--passphrase-file', join(dir, 'passphrase'), '--database-url', env.FORGELINE_DATABASE_URL ?? ''], target), 'conflict');
    expect(expectOk(await runCli(['restore', join(dir, 'pg.flb'), '--passphrase-file', join(dir, 'passphrase')], target))).toMatch(/^restored the backup of \S+ into .*restored \(PostgreSQL schema public\)$/m);
    const again = await startServer(['serve', '--host', '127.0.0.1', '--port', '0'], target);
    try {
      const ca = await readFile(join(dir, 'restored/tls/ca.pem'), 'utf8');
      const health = await fetch(`${again.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
      expect(await health.json()).toEqual({ status: 'ok', database: 'postgres' });
      expectOk(await runCli(['login', '--server', again.url, '--username', 'admin', '--password-file', join(dir, 'admin-password')], target));
    } finally {
      await again.stop();
    }
  });
});
