/**
 * The demo's shop floor chapter (issue 6 point 6): an edge agent and a simulated machine per work
 * center, half over HTTPS and half over MQTT, one order each from release to completed driven only
 * by what the machines report, and a tampered copy of a delivered order refused by its agent.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOpcuaJobControl } from '../agent/index.js';
import { NO_RATE_LIMITS, serveForgeline } from '../server/index.js';
import { act, orderPath, type OrderView } from './demo-api.js';
import { DemoClient } from './demo-client.js';
import { DemoError } from './demo-error.js';
import { floorLine, machineLine, mqttLine, tamperLine } from './demo-report.js';
import type { DemoServer, DemoWorld } from './demo-setup.js';
import { startDemoBroker, type DemoBroker } from './shop-floor-broker.js';
import type { Closers } from './shop-floor-closers.js';
import { enrolStationDevice } from './shop-floor-enrolment.js';
import { shopFloorOrderInput, SHOP_FLOOR_QUANTITY, tamperQuantity } from './shop-floor-orders.js';
import { FloorStation, poll, prepareStationCertificates, stationFolders, type FloorTransport } from './shop-floor-station.js';

/** What the chapter needs from the demo around it. */
export interface ShopFloorContext {
  /** The demo's temporary folder: the stations' folders and the broker's go to `<root>/shop-floor`. */
  readonly root: string;
  /** The data folder the server serves (served again with the MQTT bridge when a broker runs). */
  readonly dataDir: string;
  readonly demo: DemoServer;
  readonly world: DemoWorld;
  /** The Mosquitto executable, or undefined to run every work center over HTTPS. */
  readonly mosquitto: string | undefined;
  readonly out: (line: string) => void;
  /** Where everything started is registered to be stopped, also when the chapter fails. */
  readonly closers: Closers;
}

/** One work center's order on the machine. */
export interface WorkCenterRun {
  readonly workCenter: string;
  readonly transport: FloorTransport;
  readonly number: string;
  /** From the dispatch request to the agent's verdict being on its disk. */
  readonly acceptedMs: number;
  /** From the dispatch request to the order seen completed on the server. */
  readonly completedMs: number;
  readonly good: string;
  readonly scrap: string;
  readonly unit: string;
  /** The agent's OPC UA job control endpoint the machine used. */
  readonly opcuaEndpoint: string;
  /** Progress entries on the server, each reported by the work center's device. */
  readonly progressReports: number;
}

/** What the chapter showed. */
export interface ShopFloorSummary {
  /** Orders completed on the server from the machines' reports. */
  readonly completed: number;
  /** Tampered deliveries the agents refused. */
  readonly refused: number;
  /** The code the agent refused the tampered copy with. */
  readonly refusedCode: string;
  /** Work centers per transport. */
  readonly transports: Readonly<Record<FloorTransport, number>>;
  /** Whether a real Mosquitto carried the MQTT work centers (false: they ran over HTTPS). */
  readonly broker: boolean;
  readonly workCenters: readonly WorkCenterRun[];
  readonly seconds: number;
}

/** How long the simulated machine runs a job. */
const JOB_DURATION_MS = 300;
/** How long an agent may take to accept a dispatched order, and a machine to complete it. */
const ACCEPT_TIMEOUT_MS = 15_000;
const COMPLETE_TIMEOUT_MS = 30_000;

/** An order as the shop floor reads it back: with its progress entries and who reported them. */
interface FloorOrderView extends OrderView {
  readonly progress?: readonly { readonly reportedBy: string }[];
}

/** Runs the chapter; everything it starts is registered with `closers`. */
export async function runShopFloor(context: ShopFloorContext): Promise<ShopFloorSummary> {
  const started = performance.now();
  const { demo, world, out, closers } = context;
  const floorDir = join(context.root, 'shop-floor');
  const device = new DemoClient(demo.connection, 'device');
  // Loading node-opcua takes seconds: begun now, it overlaps the enrolments' round trips.
  const opcua = loadOpcuaJobControl();
  // Half the work centers over each transport, alternating, so each zone uses both conduits.
  const plan = world.workCenters.map((workCenter, index) => ({ workCenter, ...stationFolders(floorDir, workCenter), transport: (index % 2 === 0 ? 'https' : 'mqtt') as FloorTransport }));
  const deviceIds = await Promise.all(plan.map((station) => enrolStationDevice(world.admin, device, station.workCenter, station.deviceDir)));
  await opcua;
  // The RSA keys of the OPC UA certificates are made off the main thread, while the broker starts and the server restarts.
  const certificates = Promise.allSettled(plan.map((station, index) => prepareStationCertificates(station, deviceIds[index] ?? '')));
  const brokerStarted = context.mosquitto === undefined ? Promise.resolve(undefined) : startBrokerAndBridge(context, join(floorDir, 'broker'));
  // Settled both before either failure is thrown, so nothing still writes into the folder when it is removed.
  const [brokerResult, certificateResults] = await Promise.all([brokerStarted.then((value) => ({ value }), (error: unknown) => ({ error })), certificates]);
  if ('error' in brokerResult) throw brokerResult.error;
  const failedCertificate = certificateResults.find((result) => result.status === 'rejected');
  if (failedCertificate !== undefined) throw new DemoError('make the OPC UA certificates', messageOf(failedCertificate.reason));
  const broker: DemoBroker | undefined = brokerResult.value?.broker;
  const serverUrl = brokerResult.value?.serverUrl ?? demo.server.url;
  out(mqttLine(broker ?? null));
  const stations = await startStations(plan.map((station) => ({
    ...station, serverUrl, jobDurationMs: JOB_DURATION_MS, transport: broker === undefined ? 'https' : station.transport, mqttUrl: broker?.url,
  })), closers);
  out(floorLine(stations.length, (performance.now() - started) / 1000));

  const runs = await Promise.all(stations.map((station, position) => runOnMachine(world, station, position)));
  runs.forEach((run, index) => out(machineLine(run, index === 0)));

  const tampered = await refuseTamperedCopy(stations.find((station) => station.options.transport === 'https') ?? stations[0], runs);
  out(tamperLine(tampered));
  return {
    completed: runs.length,
    // refuseTamperedCopy throws unless its one copy was refused.
    refused: 1,
    refusedCode: tampered.code,
    transports: { https: stations.filter((station) => station.options.transport === 'https').length, mqtt: stations.filter((station) => station.options.transport === 'mqtt').length },
    broker: broker !== undefined,
    workCenters: runs,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

/**
 * Starts Mosquitto with the files `forgeline mqtt config` would write now that the devices are
 * enrolled, and serves the data folder again on the same port with the MQTT bridge, as an
 * operator restarts `forgeline serve --mqtt-url` after configuring the broker.
 */
async function startBrokerAndBridge(context: ShopFloorContext, brokerDir: string): Promise<{ broker: DemoBroker; serverUrl: string }> {
  const { demo, closers } = context;
  const { dataDir } = context;
  const port = Number(new URL(demo.server.url).port);
  const broker = await startDemoBroker({ executable: context.mosquitto ?? '', dataDir, dir: brokerDir }).catch((error: unknown) => {
    throw new DemoError('start Mosquitto', messageOf(error));
  });
  closers.defer(() => broker.stop());
  // Closed only now, so the port is free for the shortest while before it is taken again.
  await demo.server.close();
  const server = await serveForgeline({ dataDir, host: '127.0.0.1', port, log: false, rateLimits: NO_RATE_LIMITS, mqtt: { url: broker.url, dir: brokerDir } }).catch((error: unknown) => {
    throw new DemoError('serve again with the MQTT bridge', messageOf(error));
  });
  closers.defer(() => server.close());
  if (server.url !== demo.server.url) throw new DemoError('serve again with the MQTT bridge', `expected ${demo.server.url}, the server is at ${server.url}`);
  return { broker, serverUrl: server.url };
}

/** Starts every station side by side (key generation overlaps); each one started is registered to be closed, even when another fails. */
async function startStations(options: readonly Parameters<typeof FloorStation.start>[0][], closers: Closers): Promise<FloorStation[]> {
  const settled = await Promise.allSettled(options.map((option) => FloorStation.start(option)));
  const stations = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  closers.defer(async () => {
    await Promise.all(stations.map((station) => station.close()));
  });
  const failed = settled.findIndex((result) => result.status === 'rejected');
  if (failed >= 0) {
    const reason = (settled[failed] as PromiseRejectedResult).reason as unknown;
    throw new DemoError(`start the agent and machine of ${options[failed]?.workCenter.code ?? '?'}`, messageOf(reason));
  }
  return stations;
}

/**
 * One work center's order: written and released by people, dispatched, then accepted, started,
 * counted and completed by the agent and its machine alone. The server must show the machine's
 * good quantity, and every progress entry must come from the work center's device.
 */
async function runOnMachine(world: DemoWorld, station: FloorStation, position: number): Promise<WorkCenterRun> {
  const { planner, approverA } = world.cast;
  const { workCenter } = station.options;
  const input = shopFloorOrderInput(position, workCenter, new Date());
  let order = await planner.client.expect<OrderView>(`create ${String(input.number)}`, { method: 'POST', path: '/api/v1/orders', body: input }, 201);
  order = await act(planner.client, order, 'submit', 'submitted', { note: `For ${workCenter.name}` });
  order = await approverA.signer.sign('approved for production', (fields) => act(approverA.client, order, 'release', 'released', fields));
  const dispatchedAt = performance.now();
  order = await act(planner.client, order, 'dispatch', 'dispatched');
  const step = `run ${order.number} on the machine of ${workCenter.code}`;
  const verdict = await poll(() => station.verdict(order.id), ACCEPT_TIMEOUT_MS);
  if (verdict === undefined) throw new DemoError(step, `the agent did not receive the order within ${ACCEPT_TIMEOUT_MS / 1000} s (${station.recentLog()})`);
  if (!verdict.accepted) throw new DemoError(step, `the agent refused the order: ${verdict.code ?? 'no code'}`);
  const id = order.id;
  const done = await poll(async () => {
    const seen = await planner.client.expect<FloorOrderView>(step, { method: 'GET', path: orderPath(id) });
    return seen.state === 'completed' ? seen : undefined;
  }, COMPLETE_TIMEOUT_MS, 100);
  if (done === undefined) throw new DemoError(step, `the order was not completed within ${COMPLETE_TIMEOUT_MS / 1000} s (${station.recentLog()})`);
  const completedMs = performance.now() - dispatchedAt;
  if (done.goodQuantity !== SHOP_FLOOR_QUANTITY.value) throw new DemoError(step, `the machine made ${SHOP_FLOOR_QUANTITY.value} good, the server shows ${done.goodQuantity}`);
  const progress = done.progress ?? [];
  const strangers = progress.filter((entry) => entry.reportedBy !== `device:${station.deviceId}`);
  if (progress.length === 0 || strangers.length > 0) throw new DemoError(step, `expected progress reported by device ${station.deviceId} only, found ${JSON.stringify(progress.map((entry) => entry.reportedBy))}`);
  return {
    workCenter: workCenter.code, transport: station.options.transport, number: done.number, acceptedMs: Math.round(verdict.at - dispatchedAt), completedMs: Math.round(completedMs),
    good: done.goodQuantity, scrap: done.scrapQuantity, unit: SHOP_FLOOR_QUANTITY.unit, opcuaEndpoint: station.endpointUrl, progressReports: progress.length,
  };
}

/** The tampered copy shown to the agent and what it did with it. */
export interface TamperOutcome {
  readonly number: string;
  readonly workCenter: string;
  readonly from: string;
  readonly to: string;
  readonly code: string;
}

/**
 * Takes the order `station`'s agent received and completed, changes its quantity in the JWS
 * payload keeping the signature, and hands the copy to the agent as its transport would. The
 * agent must refuse it and report the refusal, which the server audits as device.order-refused.
 */
async function refuseTamperedCopy(station: FloorStation | undefined, runs: readonly WorkCenterRun[]): Promise<TamperOutcome> {
  const step = 'hand an agent a tampered copy of its order';
  const run = runs.find((candidate) => candidate.workCenter === station?.options.workCenter.code);
  const delivered = station?.deliveries.find((delivery) => delivery.number === run?.number);
  if (station === undefined || run === undefined || delivered === undefined) throw new DemoError(step, 'no agent received an order to tamper with');
  const tampered = tamperQuantity(delivered);
  await station.agent.receive(tampered.delivery);
  const verdict = station.verdict(delivered.orderId);
  if (verdict === undefined || verdict.accepted || verdict.code === undefined) throw new DemoError(step, `the agent of ${run.workCenter} did not refuse the copy`);
  // The refusal is reported like any report: sent, and taken by the server, before the chapter ends.
  await station.agent.flush();
  if (station.agent.pendingReports() > 0) throw new DemoError(step, 'the agent could not send its refusal to the server');
  return { number: run.number, workCenter: run.workCenter, from: tampered.from, to: tampered.to, code: verdict.code };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
