/**
 * The edge agent (issue 6 point 2): beside the machines of one work center it receives orders,
 * verifies each itself before anything runs (acceptOrder), keeps what it accepted on disk, hands
 * the job to the machine, and reports what the machine does, each report signed with the device
 * key and written to disk before the machine is answered. Reports go to the server in order when it
 * is reachable; while it is away the machine keeps working and the reports wait.
 */
import { ForgelineError } from '../domain/index.js';
import type { OrderVerificationKey } from '../crypto/index.js';
import { AcceptedJobs, type TrackedJob } from './accepted-jobs.js';
import type { DeviceIdentity } from './device-identity.js';
import { JtiJournal } from './jti-journal.js';
import { acceptOrder } from './order-acceptance.js';
import { ReportJournal, type DeviceReport, type ReportKind, type ReportOutcome, type SignedReport } from './report-journal.js';
import { TransientFailure, type OrderDelivery } from './server-link.js';

/** Where orders come from (the HTTPS stream or MQTT); it reconnects by itself until stopped. */
export interface OrderSource {
  /** Starts delivering; each order is acknowledged to the transport only after `onOrder` resolved. */
  start(onOrder: (delivery: OrderDelivery) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Where reports go (HTTPS POST or MQTT publish, QoS 1). */
export interface ReportSink {
  /** Resolves once the server (or broker, QoS 1) took the report; throws when it did not. */
  send(signed: SignedReport): Promise<void>;
  /** Whether a failure will repeat however often the report is sent (the server refused it). */
  isPermanent(error: unknown): boolean;
  /**
   * Sends several reports in one request (HTTPS) and answers one outcome per report, in order,
   * fewer when the rest were not tried; rejects when the request as a whole was not taken.
   * Absent (MQTT): reports go one at a time.
   */
  sendBatch?(signed: readonly SignedReport[]): Promise<readonly ReportOutcome[]>;
}

/** What the machine did with a job, as the OPC UA job control tells the agent. */
export interface MachineEvent {
  readonly jobOrderId: string;
  readonly kind: 'started' | 'paused' | 'resumed' | 'progress' | 'completed' | 'aborted' | 'cancelled' | 'cleared';
  /** For progress: the good and scrap quantities made since the last progress report (decimal strings). */
  readonly good?: string;
  readonly scrap?: string;
  readonly lots?: readonly { readonly materialLine: number; readonly lot: string; readonly quantity: string }[];
  /** Lot ids the machine named without quantities (OPC UA MaterialLots), new since the last progress report. */
  readonly machineLots?: readonly string[];
}

/** The machine side (the OPC UA job-control server): offered verified jobs, telling what the machine does. */
export interface MachineJobs {
  /** Makes a verified job available to the machine (AllowedToStart), or restores it after a restart. */
  offer(job: TrackedJob): Promise<void>;
  /** The handler runs before the machine's call is answered: the report is on disk first. */
  onEvent(handler: (event: MachineEvent) => Promise<void>): void;
}

/** Where the trusted order-signing keys come from (the server's JWKS). */
export type KeySource = () => Promise<ReadonlyMap<string, OrderVerificationKey>>;

/** What the agent needs. */
export interface EdgeAgentOptions {
  /** The agent's folder: its journals live here beside the device files. */
  readonly dir: string;
  readonly identity: DeviceIdentity;
  readonly orders: OrderSource;
  readonly reports: ReportSink;
  readonly keys: KeySource;
  readonly machine?: MachineJobs;
  readonly now?: () => Date;
  /** One line per notable event (accepted, refused, reports sent, the server away). */
  readonly log?: (line: string) => void;
  /** Told of each order's verdict once it is on disk (benchmarks, the demo). */
  readonly onVerdict?: (verdict: { readonly orderId: string; readonly accepted: boolean; readonly code?: string }) => void;
}

/** How often waiting reports are tried again while the server is away, at most. */
const DRAIN_RETRY_MAX_MS = 10_000;
/** The keys are fetched again at most this often when an order names an unknown key. */
const KEY_REFRESH_MIN_MS = 5_000;

/** The running agent. */
export class EdgeAgent {
  readonly #options: EdgeAgentOptions;
  #identity: DeviceIdentity;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  #journal!: JtiJournal;
  #reports!: ReportJournal;
  #jobs!: AcceptedJobs;
  #keys: ReadonlyMap<string, OrderVerificationKey> = new Map();
  #keysFetchedAt = 0;
  #keysFetched = false;
  #draining: Promise<void> | null = null;
  #drainAgain = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryDelay = 250;
  #stopped = false;
  /** Orders handled one at a time: two deliveries of one order never race past the replay check. */
  #orderQueue: Promise<unknown> = Promise.resolve();

  constructor(options: EdgeAgentOptions) {
    this.#options = options;
    this.#identity = options.identity;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? (() => undefined);
  }

  /** The device this agent is. */
  get deviceId(): string {
    return this.#identity.deviceId;
  }

  /** Signs reports with a renewed key from now on (the server accepts any valid certificate of the device). */
  useIdentity(identity: DeviceIdentity): void {
    if (identity.deviceId !== this.#identity.deviceId || identity.workCenterId !== this.#identity.workCenterId) {
      throw new ForgelineError('validation-failed', 'a renewed certificate must name the same device and work center');
    }
    this.#identity = identity;
  }

  /** Opens the journals, offers the machine the jobs not ended, and starts receiving and reporting. */
  async start(): Promise<void> {
    const { dir, machine } = this.#options;
    this.#reports = await ReportJournal.open(dir);
    this.#jobs = await AcceptedJobs.open(`${dir}/jobs.log`, this.#reports.all(), this.#now());
    // The jobs file, forced to disk before the jti is remembered, holds every accepted jti: the
    // journal's own lines need no fsync of their own, and one a crash took is put back here.
    this.#journal = await JtiJournal.open(`${dir}/accepted-orders.log`, this.#now(), { syncEachLine: false });
    for (const [jti, exp] of this.#jobs.acceptedJtis()) if (!this.#journal.has(jti)) await this.#journal.remember(jti, exp);
    if (machine !== undefined) {
      machine.onEvent((event) => this.#onMachineEvent(event));
      for (const job of this.#jobs.open()) await machine.offer(job);
    }
    await this.#refreshKeys().catch((error: unknown) => this.#log(`order-signing keys not fetched yet (${messageOf(error)}); trying again when an order arrives`));
    await this.#options.orders.start((delivery) => this.#enqueue(delivery));
    this.#kickDrain();
  }

  /** Stops receiving and reporting; what is on disk stays for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    await this.#options.orders.stop();
    await this.#draining?.catch(() => undefined);
    await this.#orderQueue.catch(() => undefined);
    // Stopped before it started: the journals were never opened.
    const journals: ({ close(): Promise<void> } | undefined)[] = [this.#reports, this.#jobs, this.#journal];
    await Promise.all(journals.map((journal) => journal?.close()));
  }

  /** Reports recorded and not yet confirmed by the server. */
  pendingReports(): number {
    return this.#reports.pending().length;
  }

  /** The job the agent holds for an order, with where it stands. */
  job(orderId: string): TrackedJob | undefined {
    return this.#jobs.get(orderId);
  }

  /** Sends waiting reports now and resolves when the server has taken every one it could. */
  async flush(): Promise<void> {
    this.#kickDrain();
    while (this.#draining !== null) await this.#draining;
  }

  /** Hands the agent an order as a transport would (the demo's tampered copy arrives this way). */
  receive(delivery: OrderDelivery): Promise<void> {
    return this.#enqueue(delivery);
  }

  #enqueue(delivery: OrderDelivery): Promise<void> {
    const handled = this.#orderQueue.then(() => this.#onOrder(delivery));
    this.#orderQueue = handled.catch(() => undefined);
    return handled;
  }

  async #onOrder(delivery: OrderDelivery): Promise<void> {
    const known = this.#jobs.byJti(claimedJti(delivery.jws) ?? '');
    // The same release delivered again (a QoS 1 duplicate, a stream resent before the server had our
    // acceptance): the job is already held; a replay of a finished one is refused below.
    if (known !== undefined && known.phase !== 'ended') return;
    await this.#keysFor(delivery.jws);
    const verdict = await acceptOrder(delivery.jws, {
      workCenterId: this.#identity.workCenterId,
      keys: (kid) => this.#keys.get(kid),
      journal: this.#journal,
      now: this.#now(),
      beforeRemember: async (payload) => {
        await this.#jobs.add({
          orderId: payload.sub, revision: payload.order.revision, number: payload.order.number, jti: payload.jti, exp: payload.exp,
          content: payload.order.content, acceptedAt: this.#now().toISOString(),
        });
      },
    });
    if (!verdict.accepted) {
      this.#log(`refused order ${delivery.number} (${delivery.orderId}): ${verdict.code}: ${verdict.reason}`);
      await this.#record(verdict.orderId ?? delivery.orderId, 'refused', { code: verdict.code, reason: verdict.reason, revision: delivery.revision });
      this.#options.onVerdict?.({ orderId: delivery.orderId, accepted: false, code: verdict.code });
      return;
    }
    const job = this.#jobs.get(verdict.payload.sub) as TrackedJob;
    await this.#record(job.orderId, 'accepted', { revision: job.revision, jti: job.jti });
    this.#log(`accepted order ${job.number} (${job.orderId}) revision ${job.revision}`);
    this.#options.onVerdict?.({ orderId: job.orderId, accepted: true });
    await this.#options.machine?.offer(job);
  }

  async #onMachineEvent(event: MachineEvent): Promise<void> {
    const job = this.#jobs.get(event.jobOrderId);
    if (job === undefined) throw new ForgelineError('not-found', `no accepted job ${event.jobOrderId}`);
    const kind = reportKindOf(event.kind);
    if (kind === null) return;
    // After an agent restart the machine starts a running job again: the server already knows it runs.
    if ((kind === 'started' || kind === 'resumed') && job.phase === 'running') return;
    const data: Record<string, unknown> = event.kind === 'cancelled' ? { stage: 'before-start' } : {};
    if (kind === 'progress') Object.assign(data, { operationSeq: firstOperation(job), good: event.good ?? '0', scrap: event.scrap ?? '0', lots: event.lots ?? [] });
    await this.#record(job.orderId, kind, data);
  }

  async #record(orderId: string, kind: ReportKind, data: Record<string, unknown>): Promise<void> {
    const report: Omit<DeviceReport, 'idempotencyKey'> = { deviceId: this.deviceId, orderId, kind, at: this.#now().toISOString(), data };
    await this.#reports.record(report, this.#identity.privateKey);
    this.#jobs.note(orderId, kind);
    this.#kickDrain();
  }

  /** Starts a drain unless one runs (then it runs once more after it). */
  #kickDrain(): void {
    if (this.#stopped) return;
    if (this.#draining !== null) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = this.#drainLoop();
  }

  /** Drains until nothing more was asked for; the last check and the reset happen with no await between. */
  async #drainLoop(): Promise<void> {
    try {
      for (;;) {
        this.#drainAgain = false;
        const { reports } = this.#options;
        const before = this.#reports.pending().length;
        const sent = await this.#reports.drain((signed) => reports.send(signed), (error) => reports.isPermanent(error), { sendBatch: reports.sendBatch?.bind(reports) });
        const all = sent === before;
        if (all) this.#retryDelay = 250;
        // Asked again meanwhile (a new report, a flush): go round once more before waiting.
        if (!this.#drainAgain || this.#stopped) {
          if (!all) this.#scheduleRetry();
          return;
        }
      }
    } finally {
      this.#draining = null;
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#kickDrain();
    }, this.#retryDelay);
    this.#retryTimer.unref();
    this.#retryDelay = Math.min(this.#retryDelay * 2, DRAIN_RETRY_MAX_MS);
  }

  /**
   * Fetches the keys again when the order names a kid not known (a rotation since the last fetch).
   * When they cannot be fetched the order is not judged: the transport delivers it again later,
   * rather than an order refused as signed by an unknown key only because the server was away.
   */
  async #keysFor(jws: string): Promise<void> {
    const kid = claimedKid(jws);
    if (kid === undefined || this.#keys.has(kid)) return;
    if (Date.now() - this.#keysFetchedAt < KEY_REFRESH_MIN_MS && this.#keysFetched) return;
    try {
      await this.#refreshKeys();
    } catch (error) {
      throw new TransientFailure(`order-signing keys not fetched (${messageOf(error)}): the order waits`);
    }
  }

  async #refreshKeys(): Promise<void> {
    this.#keysFetchedAt = Date.now();
    this.#keys = await this.#options.keys();
    this.#keysFetched = true;
  }
}

/** The report kind for what the machine did; a job cleared from the list is no report. */
function reportKindOf(kind: MachineEvent['kind']): ReportKind | null {
  switch (kind) {
    case 'cleared':
      return null;
    case 'cancelled':
      return 'aborted';
    default:
      return kind;
  }
}

/** A claim of an unverified JWS, for routing only (which key to fetch, which job it may repeat). */
function claim(jws: string, part: 0 | 1, name: string): string | undefined {
  try {
    const value = (JSON.parse(Buffer.from(jws.split('.')[part] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>)[name];
    return typeof value === 'string' && value.length <= 128 ? value : undefined;
  } catch {
    return undefined;
  }
}

function claimedKid(jws: string): string | undefined {
  return claim(jws, 0, 'kid');
}

function claimedJti(jws: string): string | undefined {
  return claim(jws, 1, 'jti');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The routing operation a machine's counts are booked to: the job's first (a work center runs one operation of it). */
function firstOperation(job: TrackedJob): number {
  const operations = (job.content as { operations?: readonly { seq?: unknown }[] }).operations;
  const seq = operations?.[0]?.seq;
  return typeof seq === 'number' ? seq : 1;
}
