/**
 * One work center's station on the demo's shop floor: the edge agent (its device folder, its
 * transport to the server, its OPC UA job control server on 127.0.0.1) and a simulated machine
 * controller that trusts the agent and is trusted by it, each with its own RSA application
 * certificate. What the agent receives and decides is kept for the demo to show and tamper with.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  agentOpcuaIdentity, agentOpcuaPkiDir, HttpsOrderSource, HttpsReportSink, loadDeviceIdentity, loadOpcuaJobControl, MqttOrderSource, mqttTransport, opcuaMachine, startAgentProcess,
  type AgentProcess, type AgentProcessOptions, type EdgeAgent, type MachineAction, type OrderDelivery,
} from '../agent/index.js';
import type { PlantNodeView } from './demo-api.js';

/** How a station's agent receives orders and sends reports. */
export type FloorTransport = 'https' | 'mqtt';

/** What the agent decided about one order, and when (performance.now()). */
export interface StationVerdict {
  readonly orderId: string;
  readonly accepted: boolean;
  readonly code?: string;
  readonly at: number;
}

/** What a station is started with. */
export interface StationOptions {
  readonly workCenter: PlantNodeView;
  /** The enrolled device folder (device-key.pem, device-cert.pem, ca.pem); the agent keeps its journals there. */
  readonly deviceDir: string;
  /** The machine controller's own OPC UA PKI folder. */
  readonly machinePkiDir: string;
  readonly serverUrl: string;
  readonly transport: FloorTransport;
  /** mqtts://… of the broker, for the MQTT transport. */
  readonly mqttUrl?: string | undefined;
  /** How long the machine takes per job, Start to Stop. */
  readonly jobDurationMs: number;
}

type Transport = NonNullable<AgentProcessOptions['transport']>;

/** Log lines kept per agent, for the message of a demo that failed. */
const KEPT_LOG_LINES = 20;
/** Where the agents' OPC UA servers listen: the machines are simulated in this process. */
const OPCUA_HOST = '127.0.0.1';
/** How long an MQTT agent gets to connect and subscribe. */
const MQTT_READY_TIMEOUT_MS = 10_000;

/** An agent and its machine, running. */
export class FloorStation {
  readonly #deliveries: OrderDelivery[] = [];
  readonly #verdicts = new Map<string, StationVerdict>();
  readonly #log: string[] = [];
  readonly #machineActions: MachineAction[] = [];
  #process: AgentProcess | null = null;
  #machine: { stop(): Promise<void> } | null = null;
  #mqttSource: MqttOrderSource | null = null;
  #endpointUrl = '';
  #closing: Promise<void> | null = null;

  private constructor(readonly options: StationOptions) {}

  /**
   * Starts the agent and its machine. The machine's certificate is trusted at the agent first
   * (what `forgeline agent trust-machine` does); the machine then trusts the certificate the
   * agent's OPC UA server presents. Whatever started is stopped again when a later step fails.
   */
  static async start(options: StationOptions): Promise<FloorStation> {
    const station = new FloorStation(options);
    try {
      await station.#start();
      return station;
    } catch (error) {
      await station.close();
      throw error;
    }
  }

  /** The device id the agent enrolled as. */
  get deviceId(): string {
    return this.#requireProcess().identity.deviceId;
  }

  /** The running agent (to hand it an order as a transport would). */
  get agent(): EdgeAgent {
    return this.#requireProcess().agent;
  }

  /** The agent's OPC UA job control endpoint (opc.tcp://127.0.0.1:<port>). */
  get endpointUrl(): string {
    return this.#endpointUrl;
  }

  /** Every order the transport delivered, in arrival order. */
  get deliveries(): readonly OrderDelivery[] {
    return this.#deliveries;
  }

  /** The agent's last verdict on `orderId`, if any. */
  verdict(orderId: string): StationVerdict | undefined {
    return this.#verdicts.get(orderId);
  }

  /** The agent's and the machine's last lines, for a failure message. */
  recentLog(): string {
    const actions = this.#machineActions.slice(-3).map((action) => `machine ${action.action}${action.detail ? ` (${action.detail})` : ''}`);
    return [...this.#log.slice(-3), ...actions].join('; ') || 'nothing logged';
  }

  /** Stops the machine, then the agent (its transport, OPC UA server and server link). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#machine?.stop().catch(() => undefined);
      await this.#process?.close();
    })();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { workCenter, deviceDir, machinePkiDir } = this.options;
    const { SimulatedMachine } = await loadOpcuaJobControl();
    const { controller } = await prepareStationCertificates(this.options, await loadDeviceIdentity(deviceDir).then((identity) => identity.deviceId));
    let endpoint: { url: string; certificatePem: string } | undefined;
    this.#process = await startAgentProcess({
      dir: deviceDir,
      serverUrl: this.options.serverUrl,
      transport: this.#tappedTransport(),
      machine: opcuaMachine(deviceDir, 0, OPCUA_HOST, (url, certificatePem) => (endpoint = { url, certificatePem })),
      log: (line) => this.#remember(line),
      onVerdict: (verdict) => this.#verdicts.set(verdict.orderId, { ...verdict, at: performance.now() }),
    });
    if (endpoint === undefined) throw new Error(`the agent of ${workCenter.code} did not start its OPC UA server`);
    this.#endpointUrl = endpoint.url;
    // An MQTT order published before the agent's first subscription would reach no one (a new session
    // holds nothing yet): wait until it is subscribed. Waited here, not in the transport's start, so a
    // broker that never answers fails a station that close() can still stop whole.
    await this.#mqttSource?.channel?.whenConnected(MQTT_READY_TIMEOUT_MS);
    const machine = new SimulatedMachine({
      endpointUrl: endpoint.url, pkiDir: machinePkiDir, applicationUri: controller.applicationUri, applicationName: controller.applicationName,
      serverCertificatePem: endpoint.certificatePem, jobDurationMs: this.options.jobDurationMs, reportsPerJob: 3,
    });
    machine.on('action', (action) => this.#machineActions.push(action));
    this.#machine = machine;
    await machine.start();
  }

  /** The agent's transport, with every delivery noted before the agent sees it. */
  #tappedTransport(): Transport {
    const { transport, mqttUrl } = this.options;
    if (transport === 'mqtt' && mqttUrl === undefined) throw new Error('an MQTT station needs the broker URL');
    const build: Transport = transport === 'mqtt' && mqttUrl !== undefined
      ? mqttTransport(mqttUrl)
      : ({ link, log }) => Promise.resolve({ orders: new HttpsOrderSource(link, log), reports: new HttpsReportSink(link) });
    return async (context) => {
      const built = await build(context);
      const source = built.orders;
      return {
        ...built,
        orders: {
          start: async (onOrder) => {
            await source.start((delivery) => {
              this.#deliveries.push(delivery);
              return onOrder(delivery);
            });
            if (source instanceof MqttOrderSource) this.#mqttSource = source;
          },
          stop: () => source.stop(),
        },
      };
    };
  }

  #remember(line: string): void {
    this.#log.push(line);
    if (this.#log.length > KEPT_LOG_LINES) this.#log.shift();
  }

  #requireProcess(): AgentProcess {
    if (this.#process === null) throw new Error(`the agent of ${this.options.workCenter.code} is not running`);
    return this.#process;
  }
}

/**
 * Makes the station's OPC UA certificates (RSA 2048 keys, the slow part, so the demo makes them
 * while it does other things): the machine controller's, trusted at the agent as `forgeline agent
 * trust-machine` does, and the agent's own, as `forgeline agent opcua-certificate` makes it. The
 * agent's OPC UA server then finds its certificate made. Making them again finds them made.
 */
export async function prepareStationCertificates(options: Pick<StationOptions, 'workCenter' | 'deviceDir' | 'machinePkiDir'>, deviceId: string): Promise<{ controller: { readonly applicationUri: string; readonly applicationName: string } }> {
  const { ensureApplicationCertificate, trustClientCertificate } = await loadOpcuaJobControl();
  const { workCenter, deviceDir, machinePkiDir } = options;
  const controller = { applicationUri: `urn:northwind:${workCenter.code}:controller`, applicationName: `${workCenter.name} controller`, dnsNames: ['localhost'] };
  const [machineCertificate] = await Promise.all([
    ensureApplicationCertificate(machinePkiDir, controller),
    // The names the agent's server would give its certificate for an endpoint on OPCUA_HOST.
    ensureApplicationCertificate(agentOpcuaPkiDir(deviceDir), agentOpcuaIdentity(deviceId, OPCUA_HOST)),
  ]);
  await trustClientCertificate(agentOpcuaPkiDir(deviceDir), machineCertificate.certificatePem);
  return { controller };
}

/** Polls `check` every `intervalMs` until it answers a value, or answers undefined after `timeoutMs`. */
export async function poll<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 20): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || performance.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

/** The station folders under the demo's shop floor folder. */
export function stationFolders(root: string, workCenter: PlantNodeView): { readonly deviceDir: string; readonly machinePkiDir: string } {
  return { deviceDir: join(root, workCenter.code, 'agent'), machinePkiDir: join(root, workCenter.code, 'machine-pki') };
}
