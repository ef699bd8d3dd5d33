/**
 * A simulated machine controller: an OPC UA client with its own application certificate that
 * connects to the agent's job control server with SignAndEncrypt and an X509 identity, watches
 * the job order list, and runs each AllowedToStart job: Start, a few ReportResults with growing
 * good counts and some scrap (optionally a Pause and Resume), Stop, Clear. It plays the
 * controller in tests and in the demo.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttributeIds, DataType, MessageSecurityMode, OPCUAClient, SecurityPolicy, StatusCodes, TimestampsToReturn, UserTokenType, VariantArrayType,
  type ClientSession, type ClientSubscription, type DataValue, type OPCUACertificateManager, type StatusCode, type VariantOptions,
} from 'node-opcua';
import './opcua-logging.js';
import { JOB_CONTROL_NAMESPACE_URI, jobVariableNodeId, type JobControlMethod } from './job-control-address-space.js';
import { certificatePemToDer, ensureApplicationCertificate, openCertificateStore, opcuaPkiPaths, trustServerCertificate } from './opcua-certificates.js';

/** How the simulated machine connects and how it runs a job. */
export interface SimulatedMachineOptions {
  readonly endpointUrl: string;
  /** The machine's own PKI folder (its certificate and the agent certificate it trusts). */
  readonly pkiDir: string;
  readonly applicationUri: string;
  readonly applicationName?: string;
  /** The agent's server certificate (PEM): the machine talks only to a server it trusts. */
  readonly serverCertificatePem: string;
  readonly securityPolicy?: 'Basic256Sha256' | 'Aes256_Sha256_RsaPss';
  /** How long one job takes from Start to Stop (default 1000 ms; ~100 ms in tests). */
  readonly jobDurationMs?: number;
  /** ReportResults calls per job (default 3). */
  readonly reportsPerJob?: number;
  /** Pause and Resume once in the middle of each job. */
  readonly pauseOnce?: boolean;
  /** Remove each ended job from the list with Clear (default true). */
  readonly clearWhenDone?: boolean;
  /** Halt like a machine losing power after this many ReportResults in all: no Stop, the connection dropped. */
  readonly haltAfterReports?: number;
}

/** What the machine did, one entry per call or decision. */
export interface MachineAction {
  readonly jobOrderId: string;
  readonly action: 'started' | 'paused' | 'resumed' | 'reported' | 'stopped' | 'cleared' | 'refused' | 'halted' | 'failed';
  readonly good?: string;
  readonly scrap?: string;
  /** The status the server answered, for 'refused'; the error text for 'failed'. */
  readonly detail?: string;
}

/** Listens to the machine's actions. */
export type MachineActionListener = (action: MachineAction) => void;

/** The simulated controller: `start` connects and begins watching, `stop` disconnects (at any time, even mid-job). */
export class SimulatedMachine {
  readonly #options: SimulatedMachineOptions;
  readonly #listeners = new Set<MachineActionListener>();
  readonly #abort = new AbortController();
  readonly #handled = new Set<string>();
  #client: OPCUAClient | null = null;
  #session: ClientSession | null = null;
  #subscription: ClientSubscription | null = null;
  #store: OPCUACertificateManager | null = null;
  #namespace = 0;
  #reports = 0;
  #scan: Promise<void> = Promise.resolve();
  #rescan = false;
  #stopping: Promise<void> | null = null;

  constructor(options: SimulatedMachineOptions) {
    this.#options = options;
  }

  /** Listens to what the machine does. */
  on(_event: 'action', listener: MachineActionListener): this {
    this.#listeners.add(listener);
    return this;
  }

  /** Connects (SignAndEncrypt, X509 identity), then watches the job order list. Rejects when the server refuses the machine. */
  async start(): Promise<void> {
    const options = this.#options;
    const certificate = await ensureApplicationCertificate(options.pkiDir, {
      applicationUri: options.applicationUri,
      applicationName: options.applicationName ?? 'Forgeline simulated machine',
      dnsNames: ['localhost'],
    });
    await trustServerCertificate(options.pkiDir, options.serverCertificatePem);
    this.#store = await openCertificateStore(opcuaPkiPaths(options.pkiDir).applicationStore);
    const client = OPCUAClient.create({
      applicationUri: options.applicationUri,
      applicationName: options.applicationName ?? 'Forgeline simulated machine',
      securityMode: MessageSecurityMode.SignAndEncrypt,
      securityPolicy: options.securityPolicy === 'Aes256_Sha256_RsaPss' ? SecurityPolicy.Aes256_Sha256_RsaPss : SecurityPolicy.Basic256Sha256,
      // The server offers no discovery endpoint; its certificate comes from the operator.
      serverCertificate: certificatePemToDer(options.serverCertificatePem),
      endpointMustExist: false,
      clientCertificateManager: this.#store,
      certificateFile: certificate.certificateFile,
      privateKeyFile: certificate.privateKeyFile,
      // A machine that loses the agent stops; whoever runs it starts a new one.
      connectionStrategy: { maxRetry: 0, initialDelay: 50, maxDelay: 200 },
    });
    this.#client = client;
    try {
      await client.connect(options.endpointUrl);
      this.#session = await client.createSession({
        type: UserTokenType.Certificate,
        certificateData: certificate.certificateDer,
        privateKey: await readFile(certificate.privateKeyFile, 'utf8'),
      });
      this.#namespace = (await this.#session.readNamespaceArray()).indexOf(JOB_CONTROL_NAMESPACE_URI);
      if (this.#namespace < 0) throw new Error('the server has no Forgeline job control namespace');
      this.#subscription = await this.#session.createSubscription2({ requestedPublishingInterval: 50, publishingEnabled: true, maxNotificationsPerPublish: 100 });
      const item = await this.#subscription.monitor(
        { nodeId: this.#nodeId('JobOrderControl.JobOrderList'), attributeId: AttributeIds.Value },
        { samplingInterval: 50, queueSize: 10, discardOldest: true },
        TimestampsToReturn.Neither,
      );
      item.on('changed', (value: DataValue) => this.#onList(value));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops at once, even mid-job (no Stop is sent), and disconnects. Safe to call twice; both calls wait for the end. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutDown();
    return this.#stopping;
  }

  async #shutDown(): Promise<void> {
    this.#abort.abort();
    await this.#scan;
    await this.#subscription?.terminate().catch(() => undefined);
    await this.#session?.close().catch(() => undefined);
    await this.#client?.disconnect().catch(() => undefined);
    await this.#store?.dispose();
  }

  #onList(value: DataValue): void {
    const ids: unknown = value.value.value;
    if (!Array.isArray(ids) || this.#abort.signal.aborted) return;
    // One scan at a time; a change during a scan asks for one more.
    this.#rescan = true;
    this.#scan = this.#scan.then(async () => {
      while (this.#rescan && !this.#abort.signal.aborted) {
        this.#rescan = false;
        await this.#runWaitingJobs().catch((error: unknown) => this.#emit({ jobOrderId: '', action: 'failed', detail: messageOf(error) }));
      }
    });
  }

  async #runWaitingJobs(): Promise<void> {
    const session = this.#requireSession();
    const list = await session.read({ nodeId: this.#nodeId('JobOrderControl.JobOrderList'), attributeId: AttributeIds.Value });
    const ids = (Array.isArray(list.value.value) ? list.value.value : []) as string[];
    for (const jobOrderId of ids.filter((id) => !this.#handled.has(id))) {
      if (this.#abort.signal.aborted) return;
      const [state, quantity] = await session.read([
        { nodeId: this.#nodeId(jobVariableNodeId(jobOrderId, 'State')), attributeId: AttributeIds.Value },
        { nodeId: this.#nodeId(jobVariableNodeId(jobOrderId, 'Quantity')), attributeId: AttributeIds.Value },
      ]);
      if (state?.value.value !== 'AllowedToStart') continue;
      this.#handled.add(jobOrderId);
      await this.#runJob(jobOrderId, wholeUnits(quantity?.value.value));
    }
  }

  async #runJob(jobOrderId: string, total: number): Promise<void> {
    const options = this.#options;
    const reports = Math.max(1, options.reportsPerJob ?? 3);
    const step = Math.max(1, Math.floor((options.jobDurationMs ?? 1000) / (reports + 1)));
    if (!(await this.#command('Start', jobOrderId))) return;
    this.#emit({ jobOrderId, action: 'started' });
    for (let index = 1; index <= reports; index += 1) {
      if (!(await this.#wait(step))) return;
      // Cumulative counts: the good count grows to the order quantity; one part in each later report is scrap.
      const good = String(Math.floor((total * index) / reports));
      const scrap = String(index - 1);
      const lots = [`LOT-${jobOrderId.slice(0, 24)}-${index}`];
      if (!(await this.#call('ReportResults', jobOrderId, [text(good), text(scrap), { dataType: DataType.String, arrayType: VariantArrayType.Array, value: lots }]))) return;
      this.#emit({ jobOrderId, action: 'reported', good, scrap });
      this.#reports += 1;
      if (options.haltAfterReports !== undefined && this.#reports >= options.haltAfterReports) {
        this.#emit({ jobOrderId, action: 'halted' });
        // Not awaited: stopping waits for this very scan to end.
        void this.stop();
        return;
      }
      if (options.pauseOnce && index === Math.ceil(reports / 2)) {
        if (!(await this.#command('Pause', jobOrderId))) return;
        this.#emit({ jobOrderId, action: 'paused' });
        if (!(await this.#wait(step)) || !(await this.#command('Resume', jobOrderId))) return;
        this.#emit({ jobOrderId, action: 'resumed' });
      }
    }
    if (!(await this.#wait(step)) || !(await this.#command('Stop', jobOrderId))) return;
    this.#emit({ jobOrderId, action: 'stopped' });
    if ((options.clearWhenDone ?? true) && (await this.#command('Clear', jobOrderId))) this.#emit({ jobOrderId, action: 'cleared' });
  }

  #command(method: JobControlMethod, jobOrderId: string): Promise<boolean> {
    return this.#call(method, jobOrderId, [{ dataType: DataType.LocalizedText, arrayType: VariantArrayType.Array, value: [] }]);
  }

  /** Calls a method; answers false (and reports 'refused') when the server does not answer Good. */
  async #call(method: JobControlMethod, jobOrderId: string, rest: VariantOptions[]): Promise<boolean> {
    if (this.#abort.signal.aborted) return false;
    const result = await this.#requireSession().call({
      objectId: this.#nodeId('JobOrderControl'),
      methodId: this.#nodeId(`JobOrderControl.${method}`),
      inputArguments: [text(jobOrderId), ...rest],
    });
    if (result.statusCode.isGood()) return true;
    this.#emit({ jobOrderId, action: 'refused', detail: `${method}: ${statusName(result.statusCode)}` });
    return false;
  }

  async #wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.#abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  #requireSession(): ClientSession {
    if (!this.#session) throw new Error('the simulated machine is not connected');
    return this.#session;
  }

  #nodeId(identifier: string): string {
    return `ns=${this.#namespace};s=${identifier}`;
  }

  #emit(action: MachineAction): void {
    for (const listener of this.#listeners) listener(action);
  }
}

function text(value: string): VariantOptions {
  return { dataType: DataType.String, value };
}

/** The whole units of an order quantity ("100" -> 100); 10 when the quantity is not a plain number. */
function wholeUnits(value: unknown): number {
  const parsed = typeof value === 'string' ? Math.floor(Number(value)) : Number.NaN;
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : 10;
}

function statusName(status: StatusCode): string {
  return status.name || StatusCodes.Bad.name;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
