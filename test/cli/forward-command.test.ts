import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/cli-context.js';
import { registerForwardCommand } from '../../src/cli/commands/forward-command.js';
import { reportError } from '../../src/cli/error-boundary.js';
import { captureIo, testConfig } from './cli-harness.js';

/** Runs `forgeline …` with only the forward command registered, through the CLI's error boundary as runCli does. */
async function forgeline(argv: readonly string[]): Promise<{ exitCode: number; stdout: string[]; stderr: string[] }> {
  const io = captureIo();
  const context = new CliContext({ io, config: testConfig() });
  const program = new Command('forgeline').exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.errRaw(text), outputError: () => undefined })
    .option('--ca <file>', 'the program\'s own --ca, parsed before the subcommand\'s');
  registerForwardCommand(program.command('audit'), context);
  let exitCode = 0;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, false);
  } finally {
    await context.close();
  }
  return { exitCode, stdout: io.stdout, stderr: io.stderr };
}

/** `forgeline audit forward` on a real data folder: what it writes, and its one-line errors. */
describe('forgeline audit forward', () => {
  let home: string;
  let dataDir: string;
  let entries: number;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'forgeline-forward-cli-'));
    dataDir = join(home, 'data');
    const { initDataFolder } = await import('../../src/server/index.js');
    const passwordFile = join(home, 'password');
    await writeFile(passwordFile, 'a long enough plant password\n');
    await initDataFolder({ dataDir, adminPasswordFile: passwordFile });
    const { exportAuditLog } = await import('../../src/server/index.js');
    entries = (await exportAuditLog({ dataDir, out: join(home, 'export.jsonl') })).entries;
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  const run = (...argv: string[]) => forgeline(['audit', 'forward', '--data', dataDir, ...argv]);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('forwards the log to a file once and, run again, adds nothing', async () => {
    const out = join(home, 'once.jsonl');
    const state = join(home, 'once.state');
    const first = await run('--to', `file:${out}`, '--state', state, '--once');
    expect(first).toMatchObject({ exitCode: 0, stdout: [] });
    expect(first.stderr.at(-1)).toBe(`forwarded ${entries} entries to file ${out}; next index ${entries}`);
    const again = await run('--to', `file:${out}`, '--state', state, '--once');
    expect(again.stderr.at(-1)).toBe(`forwarded 0 entries to file ${out}; next index ${entries}`);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { index: number });
    expect(lines.map((line) => line.index)).toEqual(range(entries));
  });

  it('writes JSON Lines to stdout and its messages to stderr', async () => {
    const result = await run('--to', 'stdout', '--state', join(home, 'stdout.state'), '--once');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.map((line) => (JSON.parse(line) as { index: number }).index)).toEqual(range(entries));
    expect(result.stderr.at(-1)).toMatch(/^forwarded \d+ entries to stdout/);
  });

  it('names a bad target in one usage line', async () => {
    const result = await run('--to', 'ftp://siem', '--state', join(home, 'x.state'), '--once');
    expect(result).toMatchObject({ exitCode: 2, stdout: [] });
    expect(result.stderr).toEqual(['forgeline: usage: unknown target "ftp://siem": use stdout, file:PATH or syslog+tls://HOST:PORT']);
  });

  it('refuses TLS options for a file target', async () => {
    const result = await run('--to', `file:${join(home, 'tls.jsonl')}`, '--state', join(home, 'tls.state'), '--ca', join(dataDir, 'tls', 'ca.pem'), '--once');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toEqual(['forgeline: usage: --ca, --cert and --key apply to syslog+tls:// targets only']);
  });

  it('says in one line that the syslog server is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await run('--to', `syslog+tls://127.0.0.1:${port}`, '--ca', join(dataDir, 'tls', 'ca.pem'), '--state', join(home, 'syslog.state'), '--once');
    expect(result.exitCode).toBe(1);
    expect(result.stderr.at(-1)).toMatch(new RegExp(`^forgeline: unreachable: cannot reach syslog\\+tls://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('says in one line that the state file is damaged or unreadable', async () => {
    const damaged = join(home, 'damaged.state');
    await writeFile(damaged, 'not json');
    const result = await run('--to', 'stdout', '--state', damaged, '--once');
    expect(result).toMatchObject({ exitCode: 1, stdout: [] });
    expect(result.stderr.at(-1)).toBe(`forgeline: invalid-file: the state file ${damaged} is not JSON; restore it or remove it to forward again from index 0`);
    const folder = await run('--to', 'stdout', '--state', home, '--once');
    expect(folder.stderr.at(-1)).toMatch(/^forgeline: file-unreadable: cannot read the state file .*: illegal operation on a directory \(EISDIR\)$/);
  });

  it('names a missing CA file', async () => {
    const result = await run('--to', 'syslog+tls://127.0.0.1:6514', '--ca', join(home, 'nope.pem'), '--state', join(home, 'ca.state'), '--once');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toEqual([`forgeline: file-not-found: ${join(home, 'nope.pem')}: no such file`]);
  });

});
