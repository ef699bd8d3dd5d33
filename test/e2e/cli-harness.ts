/** Drives the real `forgeline` command (the compiled bin) as a user would: child processes, files, HTTPS. */
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base32Decode, hotp, totpStep } from '../../src/access/index.js';

const BIN = fileURLToPath(new URL('../../bin/forgeline.js', import.meta.url));

/** What one CLI run printed and how it ended. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `forgeline ...args` to completion with the given environment. */
export async function runCli(args: readonly string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? '/nonexistent', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** A server started with `forgeline serve` (or `start`), and the URL it announced. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts a long-running CLI command and waits for "Forgeline is serving <url>". */
export function startServer(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  return startLongRunning(args, env, /Forgeline is serving (\S+)/);
}

/** Starts a long-running CLI command and waits for its output to match `ready`, whose first group is answered as `url`. */
export async function startLongRunning(args: readonly string[], env: Record<string, string>, ready: RegExp): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0] ?? 'command'} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0] ?? 'command'} exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** The path of a file in `dir`. */
export function fileIn(dir: string, name: string): string {
  return join(dir, name);
}

/**
 * The authenticator app of an e2e user: gives TOTP codes for steps the server has
 * not seen yet (each code is accepted once), waiting for the next 30-second step
 * only when the window of one step either side is used up.
 */
export class TestAuthenticator {
  constructor(
    readonly secret: Buffer,
    private lastStep: number,
    readonly recoveryCodes: readonly string[],
  ) {}

  /** The same authenticator with the recovery codes its enrolment answered. */
  withRecoveryCodes(recoveryCodes: readonly string[]): TestAuthenticator {
    return new TestAuthenticator(this.secret, this.lastStep, recoveryCodes);
  }

  /** A code for a step after every one given before, within the server's window of now. */
  async nextCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const step = Math.max(this.lastStep + 1, totpStep(now) - 1);
      if (step <= totpStep(now) + 1) {
        this.lastStep = step;
        return hotp(this.secret, step);
      }
      await new Promise((resolve) => setTimeout(resolve, 30_000 - (now % 30_000) + 50));
    }
  }
}

/**
 * Enrols the signed-in user's second factor with the real CLI, as a person without
 * a terminal would: `mfa enroll` prints the secret, `mfa enroll --code` confirms it
 * with the first code and prints the recovery codes.
 */
export async function enrolWithCli(cli: (...args: string[]) => Promise<CliResult>): Promise<TestAuthenticator> {
  const shown = await cli('mfa', 'enroll');
  const secret = /^secret: ([A-Z2-7]+) /m.exec(shown.stdout)?.[1];
  if (shown.code !== 0 || secret === undefined) throw new Error(`mfa enroll failed:\n${shown.stdout}\n${shown.stderr}`);
  const key = base32Decode(secret);
  const step = totpStep(Date.now());
  const confirmed = await cli('mfa', 'enroll', '--code', hotp(key, step));
  if (confirmed.code !== 0) throw new Error(`mfa enroll --code failed:\n${confirmed.stdout}\n${confirmed.stderr}`);
  const recoveryCodes = confirmed.stdout.split('\n').filter((line) => /^ {2}\S/.test(line)).map((line) => line.trim());
  return new TestAuthenticator(key, step, recoveryCodes);
}

/** Asserts a CLI run succeeded (showing its output when not) and answers its stdout. */
export function expectOk(result: CliResult): string {
  expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** A plant of one site with one work center (wc-mill), as YAML for `plant import`. */
export const ONE_WORK_CENTER_PLANT_YAML = `
enterprise:
  code: acme
  name: ACME Components
  sites:
    - code: berlin
      name: Berlin
      children:
        - code: machining
          name: Machining
          children:
            - { code: wc-mill, name: Milling }
`;

/** One zone holding the one-work-center plant's site, reached over HTTPS and MQTT for orders and reports, as YAML for `zone apply`. */
export const ONE_WORK_CENTER_ZONES_YAML = `
zones:
  - code: berlin
    name: Berlin shop floor
    securityLevel: 2
    members: [acme/berlin]
conduits:
  - { code: berlin-https, zone: berlin, transport: https, flows: [orders, reports] }
  - { code: berlin-mqtt, zone: berlin, transport: mqtt, flows: [orders, reports] }
`;

/** Applies {@link ONE_WORK_CENTER_ZONES_YAML} with the admin's CLI: dispatch needs a zone and a conduit carrying orders. */
export async function applyZones(dir: string, admin: Record<string, string>): Promise<void> {
  await writeFile(fileIn(dir, 'zones.yaml'), ONE_WORK_CENTER_ZONES_YAML);
  expectOk(await runCli(['zone', 'apply', fileIn(dir, 'zones.yaml')], admin));
}

/** Asserts a CLI run failed as a user should see it: exit 1, one line `forgeline: <code>: …`, no stack; answers that line. */
export function expectOneLineError(result: CliResult, code: string): string {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^forgeline: ${code}: `));
  return lines[0] ?? '';
}

/** A served data folder with its admin signed in (second factor enrolled) and the one-work-center plant imported. */
export interface PlantServer {
  readonly data: string;
  /** The environment of CLI runs on this machine (data folder, home). */
  readonly env: Record<string, string>;
  readonly server: ServerProcess;
  /** The environment of the admin's CLI runs (signed in). */
  readonly admin: Record<string, string>;
  /** The id of work center wc-mill. */
  readonly workCenterId: string;
}

/**
 * `init` in `dir`/data, `serve` on a free port, the admin signs in and enrols a second factor,
 * and the one-work-center plant is imported: the start most end-to-end tests share.
 */
export async function startPlantServer(dir: string): Promise<PlantServer> {
  const data = join(dir, 'data');
  await writeFile(fileIn(dir, 'admin-password'), 'quartz lantern orbit seven meadow');
  const env = { FORGELINE_DATA: data, HOME: dir };
  expectOk(await runCli(['init', '--data', data, '--admin-password-file', fileIn(dir, 'admin-password')], env));
  const server = await startServer(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], env);
  const admin = { ...env, FORGELINE_SERVER: server.url, FORGELINE_CREDENTIALS: join(dir, 'admin-credentials.json') };
  expectOk(await runCli(['login', '--username', 'admin', '--password-file', fileIn(dir, 'admin-password')], admin));
  await enrolWithCli((...args) => runCli(args, admin));
  await writeFile(fileIn(dir, 'plant.yaml'), ONE_WORK_CENTER_PLANT_YAML);
  expectOk(await runCli(['plant', 'import', fileIn(dir, 'plant.yaml')], admin));
  const nodes = JSON.parse(expectOk(await runCli(['plant', 'list', '--json'], admin))) as { items: { id: string; code: string }[] };
  return { data, env, server, admin, workCenterId: nodes.items.find((node) => node.code === 'wc-mill')?.id ?? '' };
}

/** A planner (pia) and an approver (alan) signed in with the CLI, and a way to have an order created, submitted and released. */
export interface OrderPeople {
  readonly pia: Record<string, string>;
  readonly alan: Record<string, string>;
  /** Creates, submits and releases an order of GEAR-12 at the plant's work center; answers its id. */
  release(number: string, options?: { quantity?: string; recipe?: string; customerReference?: string }): Promise<string>;
}

/** Adds item GEAR-12 and the planner and approver to a {@link startPlantServer} plant, and signs them in. */
export async function orderPeople(dir: string, plant: PlantServer): Promise<OrderPeople> {
  const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, env);
  expectOk(await cli(plant.admin, 'item', 'add', 'GEAR-12', 'A', '--unit', 'pcs', '--description', 'Spur gear'));
  await writeFile(fileIn(dir, 'pia-password'), 'mill orders every morning shift');
  await writeFile(fileIn(dir, 'alan-password'), 'approves with a steady hand');
  expectOk(await cli(plant.admin, 'user', 'add', 'pia', '--role', 'planner', '--password-file', fileIn(dir, 'pia-password'), '--permanent'));
  expectOk(await cli(plant.admin, 'user', 'add', 'alan', '--role', 'approver', '--password-file', fileIn(dir, 'alan-password'), '--permanent'));
  const pia = { ...plant.env, FORGELINE_SERVER: plant.server.url, FORGELINE_CREDENTIALS: join(dir, 'pia-credentials.json') };
  const alan = { ...plant.env, FORGELINE_SERVER: plant.server.url, FORGELINE_CREDENTIALS: join(dir, 'alan-credentials.json') };
  expectOk(await cli(pia, 'login', '--username', 'pia', '--password-file', fileIn(dir, 'pia-password')));
  expectOk(await cli(alan, 'login', '--username', 'alan', '--password-file', fileIn(dir, 'alan-password')));
  const alanCodes = await enrolWithCli((...args) => cli(alan, ...args));
  let signedOnce = false;
  return {
    pia,
    alan,
    async release(number, options = {}) {
      await writeFile(fileIn(dir, `${number}.yaml`), [
        `number: ${number}`,
        'item: { code: GEAR-12, revision: A }',
        `quantity: { value: "${options.quantity ?? '250'}", unit: pcs }`,
        'dueWindow: { start: "2026-12-01T06:00:00Z", end: "2026-12-03T18:00:00Z" }',
        `workCenterId: ${plant.workCenterId}`,
        'operations: [ { seq: 10, code: MILL, description: Mill teeth } ]',
        `parameters: { recipe: ${options.recipe ?? 'GEAR-12-R1'}, setpoints: [ { name: spindle-rpm, value: "2400", unit: rpm } ] }`,
        ...(options.customerReference === undefined ? [] : [`customerReference: ${options.customerReference}`]),
      ].join('\n'));
      const created = JSON.parse(expectOk(await cli(pia, 'order', 'create', fileIn(dir, `${number}.yaml`), '--json'))) as { id: string };
      expectOk(await cli(pia, 'order', 'submit', created.id));
      // The first signature of the session takes a fresh code; for the next minutes the password alone signs (21 CFR 11.200(a)(1)(i)).
      const totp = signedOnce ? [] : ['--totp', await alanCodes.nextCode()];
      expectOk(await cli(alan, 'order', 'release', created.id, '--password-file', fileIn(dir, 'alan-password'), ...totp, '--meaning', 'approved for production'));
      signedOnce = true;
      return created.id;
    },
  };
}
