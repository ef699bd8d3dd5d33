import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNote, parseWitnessKey, verifierKey, verifyCosignatures, witnessKeyLine } from '../../src/audit/index.js';
import { expectOk, enrolWithCli, fileIn, runCli, startServer, type ServerProcess } from './cli-harness.js';

const BIN = fileURLToPath(new URL('../../bin/forgeline.js', import.meta.url));

describe('forgeline audit witness against a real server over HTTPS', () => {
  let dir: string;
  let data: string;
  let state: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  let logKey: string;
  let witnessKey: string;
  const cli = (...args: string[]) => runCli(args, env);
  const witness = (...extra: string[]) => cli('audit', 'witness', '--state', state, '--log-key', logKey, '--once', ...extra);

  // The auditor's saved login, to call the API directly as the witness does.
  const api = async (method: 'GET' | 'POST', path: string): Promise<string> => {
    const { token } = JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')) as { token: string };
    const ca = await readFile(join(data, 'tls/ca.pem'), 'utf8');
    const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, dispatcher: new Agent({ connect: { ca } }) });
    expect(response.status, path).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-witness-e2e-'));
    data = join(dir, 'data');
    state = join(dir, 'witness');
    env = { FORGELINE_DATA: data, FORGELINE_CREDENTIALS: join(dir, 'credentials.json'), HOME: dir };
    const init = expectOk(await cli('init', '--data', data));
    await writeFile(fileIn(dir, 'admin-once'), /admin one-time password: (\S+)/.exec(init)?.[1] ?? '');
    await writeFile(fileIn(dir, 'admin-new'), 'a long plant operations passphrase');
    await writeFile(fileIn(dir, 'pw-auditor'), 'auditor passphrase 1');
    server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
    env.FORGELINE_SERVER = server.url;
    expectOk(await cli('login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-once')));
    expectOk(await cli('passwd', '--current-file', fileIn(dir, 'admin-once'), '--new-file', fileIn(dir, 'admin-new')));
    expectOk(await cli('login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-new')));
    // Admins and auditors need a second factor before they can do anything else.
    await enrolWithCli(cli);
    expectOk(await cli('user', 'add', 'ada', '--role', 'auditor', '--password-file', fileIn(dir, 'pw-auditor'), '--permanent'));
    expectOk(await cli('login', '--username', 'ada', '--password-file', fileIn(dir, 'pw-auditor')));
    await enrolWithCli(cli);
    logKey = (await api('GET', '/api/v1/audit/key')).trim();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes its key on first run, prints its key line, and cosigns the log on first sight', async () => {
    await api('POST', '/api/v1/audit/checkpoint');
    const first = await witness('--name', 'witness.e2e/one');
    const out = expectOk(first);
    witnessKey = /^witness key: (\S+)$/m.exec(out)?.[1] ?? '';
    expect(parseWitnessKey(witnessKey).ok).toBe(true);
    expect(out).toMatch(/^cosigned forgeline\.audit\/\S+ size \d+ root \S+ \(first sight of this log\)$/m);
    expect((await stat(join(state, 'witness-key.pem'))).mode & 0o777).toBe(0o600);
    const key = parseWitnessKey(witnessKey);
    if (!key.ok) throw new Error(key.error.message);
    expect(verifyCosignatures(await api('GET', '/api/v1/audit/checkpoint'), [key.value], 1).ok).toBe(true);
  }, 30_000);

  it('cosigns the grown log once it proves consistency, and keeps its key and name', async () => {
    // Reads are audited, so listing the log grows it.
    expectOk(await cli('audit', 'list', '--limit', '1'));
    expectOk(await cli('audit', 'list', '--limit', '1'));
    await api('POST', '/api/v1/audit/checkpoint');
    const out = expectOk(await witness());
    expect(out).not.toMatch(/witness key:/);
    expect(out).toMatch(/^cosigned \S+ size \d+ root \S+ \(consistent with size \d+\)$/m);
    expect(expectOk(await witness())).toMatch(/^already cosigned \S+ size \d+ .*\(unchanged\)$/m);
    const saved = JSON.parse(await readFile(join(state, 'state.json'), 'utf8')) as { name: string; logs: { size: number }[] };
    expect(saved.name).toBe('witness.e2e/one');
    const key = parseWitnessKey(witnessKey);
    if (!key.ok) throw new Error(key.error.message);
    const served = await api('GET', '/api/v1/audit/checkpoint');
    const cosigned = verifyCosignatures(served, [key.value], 1);
    expect(cosigned.ok && Number(cosigned.value.checkpoint.size)).toBe(saved.logs[0]?.size);
  }, 30_000);

  it('polls until SIGTERM, then stops cleanly', async () => {
    const child = spawn(process.execPath, [BIN, 'audit', 'witness', '--state', state, '--log-key', logKey, '--interval', '1'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the witness exited with ${code}: ${stderr}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // Two rounds: the first, and one after the interval.
        if ((stdout.match(/cosigned/g) ?? []).length >= 2) resolve();
      });
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping the witness/);
  }, 30_000);

  it('refuses a log that forked: one line, exit 1, no cosignature, state kept', async () => {
    // The witness remembers another root at the size it cosigned: to it the log now shows a second tree.
    const file = join(state, 'state.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { logs: { rootHash: string }[] };
    const [log] = saved.logs;
    if (log === undefined) throw new Error('no log in the state');
    log.rootHash = Buffer.alloc(32, 1).toString('base64');
    const forged = JSON.stringify(saved);
    await writeFile(file, forged);
    const before = await api('GET', '/api/v1/audit/checkpoint');
    const refused = await witness();
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^forgeline: witness-inconsistent: the log \S+ shows two trees of \d+ entries/)]);
    expect(refused.stdout).not.toMatch(/cosigned/);
    expect(await readFile(file, 'utf8')).toBe(forged);
    expect(await api('GET', '/api/v1/audit/checkpoint')).toBe(before);
  }, 30_000);

  it('refuses a wrong log key and a missing login with one line each', async () => {
    const other = logKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    const wrong = await cli('audit', 'witness', '--state', state, '--log-key', other, '--once');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toMatch(/^forgeline: usage: --log-key: /);
    const impostor = verifierKey(logKey.split('+')[0] ?? '', generateKeyPairSync('ed25519').publicKey);
    const unknown = await cli('audit', 'witness', '--state', state, '--log-key', impostor, '--once');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^forgeline: audit-verification-failed: note-unknown-key: /);
    const anonymous = await runCli(['audit', 'witness', '--state', state, '--log-key', logKey, '--once'], { ...env, FORGELINE_CREDENTIALS: join(dir, 'none.json') });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim()).toMatch(/^forgeline: not-logged-in: /);
  }, 30_000);

  it('leaves an export that verifies with the log key, cosignatures included', async () => {
    const out = join(dir, 'audit.jsonl');
    expectOk(await cli('audit', 'export', '--data', data, '--out', out));
    const lines = (await readFile(out, 'utf8')).split('\n').filter((line) => line.includes('"checkpoint"'));
    const notes = lines.map((line) => (JSON.parse(line) as { checkpoint: string }).checkpoint);
    expect(notes.some((note) => {
      const parsed = parseNote(note);
      return parsed.ok && parsed.value.signatures.some((s) => s.name === 'witness.e2e/one');
    })).toBe(true);
    expect(expectOk(await cli('audit', 'verify', out, '--key', logKey))).toMatch(/^verified: /);
  }, 30_000);

  it('verifies an export against the witness threshold: met by one witness, not by two', async () => {
    // The export signs a fresh checkpoint no witness has seen yet: the witnesses vouch for the
    // newest checkpoint they cosigned, and the tree carries that to the entries after it.
    const out = join(dir, 'audit-witnessed.jsonl');
    expectOk(await cli('audit', 'export', '--data', data, '--out', out));
    expect(expectOk(await cli('audit', 'verify', out, '--key', logKey, '--witness', witnessKey, '--threshold', '1'))).toMatch(/^verified: /);
    const stranger = witnessKeyLine('witness.e2e/two', generateKeyPairSync('ed25519').publicKey);
    const refused = await cli('audit', 'verify', out, '--key', logKey, '--witness', witnessKey, '--witness', stranger, '--threshold', '2');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^forgeline: audit-verification-failed: witness-threshold-not-met /);
  }, 30_000);
});
