import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpcuaJobControl, type SignedReport } from '../../src/agent/index.js';
import { freePort, mosquittoMissing, startMosquitto, type RunningMosquitto } from '../support/mosquitto.js';
import {
  applyZones, expectOk, fileIn, orderPeople, runCli, startLongRunning, startPlantServer, startServer,
  type OrderPeople, type PlantServer, type ServerProcess,
} from './cli-harness.js';

const OPCUA_READY = /OPC UA job control at (opc\.tcp:\/\/\S+)/;

/** Polls `check` until it answers a value, or fails with what it last saw. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface OrderShown {
  state: string;
  progress: { good: string; scrap: string; reportedBy: string }[];
}

describe('the edge agent beside a machine, through the real CLI, server and OPC UA', () => {
  let dir: string;
  let plant: PlantServer;
  let server: ServerProcess;
  let people: OrderPeople;
  let agentDir: string;
  let agentEnv: Record<string, string>;
  let agent: ServerProcess | undefined;
  const machines: { stop(): Promise<void> }[] = [];
  let agentCertificate = '';
  let broker: RunningMosquitto | undefined;
  const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-agent-e2e-'));
    plant = await startPlantServer(dir);
    server = plant.server;
    await applyZones(dir, plant.admin);
    people = await orderPeople(dir, plant);
    // The admin registers the agent; on the agent's machine it enrols with the one-time token.
    const device = JSON.parse(expectOk(await cli(plant.admin, 'device', 'add', '--name', 'Mill agent', '--kind', 'edge-agent', '--work-center', plant.workCenterId, '--json'))) as { id: string };
    const token = expectOk(await cli(plant.admin, 'device', 'token', device.id)).trim();
    agentDir = join(dir, 'agent');
    agentEnv = { ...plant.env, FORGELINE_SERVER: server.url };
    expectOk(await cli(agentEnv, 'device', 'enrol', '--token', token, '--out', agentDir));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(machines.map((machine) => machine.stop()));
    await agent?.stop();
    await server?.stop();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts `forgeline agent run` with its OPC UA server on 127.0.0.1. */
  const startAgent = (...transport: string[]): Promise<ServerProcess> =>
    startLongRunning(['agent', 'run', '--dir', agentDir, '--opcua-port', '0', '--opcua-host', '127.0.0.1', ...transport], agentEnv, OPCUA_READY);

  const machinePki = () => join(dir, 'machine-pki');
  const machineIdentity = { applicationUri: 'urn:acme:mill-3:controller', applicationName: 'Mill 3 controller', dnsNames: ['localhost'] };

  /** The operator introduces the controller and the agent: each trusts the other's certificate. */
  const introduceMachine = async (): Promise<string> => {
    const { ensureApplicationCertificate } = await loadOpcuaJobControl();
    const certificate = await ensureApplicationCertificate(machinePki(), machineIdentity);
    await writeFile(fileIn(dir, 'machine.pem'), certificate.certificatePem);
    expect(expectOk(await cli(agentEnv, 'agent', 'trust-machine', '--dir', agentDir, fileIn(dir, 'machine.pem')))).toMatch(/^trusted .*urn:acme:mill-3:controller/);
    return expectOk(await cli(agentEnv, 'agent', 'opcua-certificate', '--dir', agentDir, '--opcua-host', '127.0.0.1'));
  };

  /** A simulated machine connected to the agent's endpoint. */
  const startMachine = async (endpointUrl: string, serverCertificatePem: string, options: { haltAfterReports?: number } = {}) => {
    const { SimulatedMachine } = await loadOpcuaJobControl();
    const machine = new SimulatedMachine({
      endpointUrl, pkiDir: machinePki(), applicationUri: machineIdentity.applicationUri, applicationName: machineIdentity.applicationName, serverCertificatePem,
      jobDurationMs: 1_500, reportsPerJob: 5, ...options,
    });
    machines.push(machine);
    await machine.start();
    return machine;
  };

  const shown = async (id: string): Promise<OrderShown> => JSON.parse(expectOk(await cli(people.pia, 'order', 'show', id, '--json'))) as OrderShown;

  it('runs an order on the machine and loses or doubles no report when the agent and the server are killed mid-run', async () => {
    // Before the agent first runs, the operator introduces it and the controller to each other.
    agentCertificate = await introduceMachine();
    agent = await startAgent();
    const id = await people.release('PO-AGENT-1', { quantity: '100' });
    expectOk(await cli(people.pia, 'order', 'dispatch', id));

    // The first machine reports twice and then loses power mid-job.
    const first = await startMachine(agent.url, agentCertificate, { haltAfterReports: 2 });
    await eventually('two progress reports on the server', async () => ((await shown(id)).progress.length >= 2 ? true : undefined)).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nagent:\n${agent?.output() ?? ''}\nreports:\n${await readFile(join(agentDir, 'reports.log'), 'utf8').catch(() => '(none)')}\norder: ${JSON.stringify(await shown(id))}`);
    });
    expect((await shown(id)).state).toBe('running');
    await first.stop();

    // The server dies, then the agent (no chance to flush anything).
    const port = new URL(server.url).port;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    agent.child.kill('SIGKILL');
    await new Promise((resolve) => agent?.child.once('exit', resolve));

    // The agent comes back while the server is still away; a new machine runs the job to its end.
    agent = await startAgent();
    const second = await startMachine(agent.url, agentCertificate);
    await eventually('the job completed at the machine', async () => {
      const log = await readFile(join(agentDir, 'reports.log'), 'utf8');
      return log.includes('"kind":"completed"') ? true : undefined;
    });
    await second.stop();

    // The server comes back on the same port: the agent's waiting reports arrive, each once.
    server = await startServer(['serve', '--data', plant.data, '--host', '127.0.0.1', '--port', port], plant.env);
    const done = await eventually('the order completed on the server', async () => {
      const order = await shown(id);
      return order.state === 'completed' ? order : undefined;
    }, 90_000);

    const journal = (await readFile(join(agentDir, 'reports.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as SignedReport);
    const progress = journal.filter((signed) => signed.report.kind === 'progress');
    expect(new Set(journal.map((signed) => signed.report.idempotencyKey)).size).toBe(journal.length);
    expect(journal.map((signed) => signed.report.kind)).toEqual(expect.arrayContaining(['accepted', 'started', 'completed']));
    // Every progress report the agent journaled is on the server exactly once, with its counts.
    expect(done.progress).toHaveLength(progress.length);
    expect(done.progress.map((entry) => [entry.good, entry.scrap])).toEqual(progress.map((signed) => [signed.report.data.good, signed.report.data.scrap]));
    expect(done.progress.every((entry) => entry.reportedBy.startsWith('device:'))).toBe(true);
    expect(progress.length).toBeGreaterThan(2);
  }, 240_000);

  // Without mosquitto here the MQTT run is skipped, except where services are required (CI), where it fails.
  it.skipIf(mosquittoMissing !== undefined && process.env.FORGELINE_REQUIRE_SERVICES !== '1')('runs an order over MQTT: the broker configured from the registry, the server bridging, the agent on its work center\'s topic', async () => {
    await agent?.stop();
    // The broker's files from the device registry (the agent enrolled above), then the broker itself.
    const brokerDir = join(plant.data, 'mqtt');
    const brokerPort = await freePort();
    expectOk(await cli(plant.env, 'mqtt', 'config', '--data', plant.data, '--out', brokerDir, '--port', String(brokerPort), '--host', '127.0.0.1',
      // Started as root (as in CI), Mosquitto would drop to its own user, which cannot read the 0600 files.
      ...(process.getuid?.() === 0 ? ['--run-as-user', 'root'] : [])));
    broker = await startMosquitto(brokerDir, brokerPort);
    const mqttUrl = `mqtts://127.0.0.1:${brokerPort}`;
    const port = new URL(server.url).port;
    await server.stop();
    server = await startServer(['serve', '--data', plant.data, '--host', '127.0.0.1', '--port', port, '--mqtt-url', mqttUrl], plant.env);

    agent = await startAgent('--transport', 'mqtt', '--mqtt-url', mqttUrl);
    const machine = await startMachine(agent.url, agentCertificate);
    const id = await people.release('PO-AGENT-MQTT', { quantity: '40' });
    expectOk(await cli(people.pia, 'order', 'dispatch', id));
    const done = await eventually('the order completed over MQTT', async () => {
      const order = await shown(id);
      return order.state === 'completed' ? order : undefined;
    }, 90_000);
    await machine.stop();
    expect(done.progress.length).toBeGreaterThan(0);
    expect(agent.output()).toMatch(/following \S+ over mqtt/);
    expect(agent.output()).toMatch(/accepted order PO-AGENT-MQTT/);
    // The order travelled through the broker: the server's bridge published it and took the reports back.
    const refused = await cli(agentEnv, 'agent', 'run', '--dir', agentDir, '--transport', 'mqtt');
    expect([refused.code, refused.stderr.trim()]).toEqual([2, 'forgeline: usage: --transport mqtt needs --mqtt-url']);
  }, 180_000);
});
