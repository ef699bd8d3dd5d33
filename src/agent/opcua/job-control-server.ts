/**
 * The agent's OPC UA job control server (issue 6 point 5): shows the jobs the agent verified to
 * the machine's controller and takes its commands and results, modelled on ISA-95 Job Control
 * (OPC 10031-4 v2). Security: SignAndEncrypt only with Basic256Sha256 or Aes256_Sha256_RsaPss,
 * no discovery endpoint with SecurityPolicy None, client certificates trusted only when an
 * operator placed them in the trust list, and X509 user identities only (the machine's
 * application certificate doubles as its identity): anonymous and user-name tokens are refused.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname as osHostname } from 'node:os';
import {
  DataType, MessageSecurityMode, OPCUAServer, SecurityPolicy, StatusCodes, UserTokenType, X509IdentityToken,
  type CallMethodResultOptions, type ISessionContext, type OPCUACertificateManager, type StatusCode, Variant, VariantArrayType,
} from 'node-opcua';
import './opcua-logging.js';
import { buildJobControlNodes, JOB_CONTROL_NAMESPACE_URI, type JobControlMethod, type JobControlNodes } from './job-control-address-space.js';
import { JobOrderBook, type JobEvent, type JobOffer, type JobOrder, type JobPlan, type RefusalReason } from './job-order-book.js';
import { ensureApplicationCertificate, openCertificateStore, opcuaPkiPaths, type ApplicationCertificate } from './opcua-certificates.js';

/** Called for every accepted transition or result; the machine is answered only after it settles. */
export type JobEventListener = (event: JobEvent) => void | Promise<void>;

/** How to run the server. */
export interface JobControlServerOptions {
  /** The TCP port; 0 picks a free one (see {@link JobControlServer.endpointUrl}). */
  readonly port: number;
  /** The address to listen on; all interfaces when left out. */
  readonly host?: string;
  /** The host name in the endpoint URL and the certificate; the machine's host name by default. */
  readonly hostname?: string;
  /** The PKI folder under the agent's data directory (see `opcuaPkiPaths`). */
  readonly pkiDir: string;
  /** This agent's ApplicationUri, e.g. `urn:forgeline:agent:<work center>`. */
  readonly applicationUri: string;
  readonly applicationName?: string;
  /** Watch the trust lists so a machine trusted while running can connect at once (default true). */
  readonly watchTrustList?: boolean;
}

const REFUSAL_STATUS: Readonly<Record<RefusalReason, StatusCode>> = {
  'unknown-job': StatusCodes.BadInvalidArgument,
  'illegal-transition': StatusCodes.BadInvalidState,
  'invalid-argument': StatusCodes.BadInvalidArgument,
  'out-of-range': StatusCodes.BadOutOfRange,
};

/** The agent's OPC UA server: `offer` verified jobs, listen for `job` events, `start` and `stop`. */
export class JobControlServer {
  readonly #options: JobControlServerOptions;
  readonly #book = new JobOrderBook();
  readonly #listeners = new Set<JobEventListener>();
  #server: OPCUAServer | null = null;
  #stores: OPCUACertificateManager[] = [];
  #trustCheck: NodeJS.Timeout | null = null;
  #nodes: JobControlNodes | null = null;
  #certificate: ApplicationCertificate | null = null;
  #endpointUrl: string | null = null;
  // Method calls run one at a time, so each is checked against the state the previous one left.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: JobControlServerOptions) {
    this.#options = options;
  }

  /** `opc.tcp://host:port` once started. */
  get endpointUrl(): string {
    if (this.#endpointUrl === null) throw new Error('the job control server is not started');
    return this.#endpointUrl;
  }

  /** The server's application certificate (PEM), for the machine to trust; available once started. */
  get certificatePem(): string {
    if (this.#certificate === null) throw new Error('the job control server is not started');
    return this.#certificate.certificatePem;
  }

  /** Listens for accepted transitions and results. A listener's rejection makes the machine's call fail and changes nothing. */
  on(_event: 'job', listener: JobEventListener): this {
    this.#listeners.add(listener);
    return this;
  }

  /** Stops listening. */
  off(_event: 'job', listener: JobEventListener): this {
    this.#listeners.delete(listener);
    return this;
  }

  /**
   * Puts a job the agent has verified in the list, AllowedToStart (the agent-side Store). Answers
   * false for an id already in the list. Throws `JobOfferError` for an id that cannot be a NodeId.
   */
  offer(job: JobOffer): boolean {
    const added = this.#book.offer(job);
    if (added) this.#nodes?.render(this.#book.list());
    return added;
  }

  /** The job with this id as the machine sees it, if it is in the list. */
  job(jobOrderId: string): JobOrder | undefined {
    return this.#book.get(jobOrderId);
  }

  /** Every job in the list. */
  jobs(): readonly JobOrder[] {
    return this.#book.list();
  }

  /** Makes or loads the certificate, opens the PKI stores and listens. */
  async start(): Promise<void> {
    if (this.#server) throw new Error('the job control server is already started');
    const options = this.#options;
    const hostname = options.hostname ?? osHostname();
    const paths = opcuaPkiPaths(options.pkiDir);
    this.#certificate = await ensureApplicationCertificate(options.pkiDir, {
      applicationUri: options.applicationUri,
      applicationName: options.applicationName ?? 'Forgeline agent',
      // node-opcua checks the SAN against every name it advertises, the machine's own host name included.
      dnsNames: [...new Set([hostname, osHostname(), 'localhost'])],
    });
    const watchTrustList = options.watchTrustList ?? true;
    const applicationStore = await openCertificateStore(paths.applicationStore, { watchTrustList });
    const userStore = await openCertificateStore(paths.userStore, { watchTrustList });
    this.#stores = [applicationStore, userStore];
    const server = new OPCUAServer({
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      hostname,
      serverCertificateManager: applicationStore,
      userCertificateManager: userStore,
      certificateFile: this.#certificate.certificateFile,
      privateKeyFile: this.#certificate.privateKeyFile,
      securityModes: [MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss],
      allowAnonymous: false,
      // No user-name accounts exist: every user-name token is refused; X509 tokens are checked against users/trusted.
      userManager: { isValidUser: () => false },
      // Discovery would add a SecurityPolicy None endpoint; machines get the server certificate from the operator instead.
      disableDiscovery: true,
      isAuditing: false,
      serverInfo: { applicationUri: options.applicationUri, productUri: 'urn:forgeline', applicationName: { text: options.applicationName ?? 'Forgeline agent' } },
      buildInfo: { productName: 'Forgeline agent', manufacturerName: 'Forgeline' },
    });
    this.#server = server;
    try {
      await server.initialize();
      advertiseX509TokensOnly(server);
      const addressSpace = server.engine.addressSpace;
      if (!addressSpace) throw new Error('the OPC UA address space did not load');
      const namespace = addressSpace.registerNamespace(JOB_CONTROL_NAMESPACE_URI);
      this.#nodes = buildJobControlNodes(namespace, addressSpace.rootFolder.objects);
      for (const [name, method] of this.#nodes.methods) {
        method.bindMethod((inputArguments: Variant[], context: ISessionContext) => this.#call(name, inputArguments, context));
      }
      this.#nodes.render(this.#book.list());
      await server.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (watchTrustList) this.#watchTrustFolders();
    const port = server.endpoints[0]?.port ?? options.port;
    const host = options.host !== undefined && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : hostname;
    this.#endpointUrl = `opc.tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Closes every session and the listening socket, and releases the PKI stores' watchers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#trustCheck !== null) clearInterval(this.#trustCheck);
    this.#trustCheck = null;
    const server = this.#server;
    this.#server = null;
    this.#endpointUrl = null;
    if (server) await server.shutdown(0);
    for (const store of this.#stores.splice(0)) await store.dispose();
    this.#nodes = null;
  }

  /**
   * node-opcua's file watchers can miss a certificate renamed into a trust folder by another process
   * (`agent trust-machine`) for a long time on a busy machine: a folder whose modification time changed
   * is re-read within a second, so a trusted machine gets in without a restart.
   */
  #watchTrustFolders(): void {
    const seen = new Map<string, number>();
    const folders = this.#stores.map((store) => ({ store, folder: join(store.rootDir, 'trusted', 'certs') }));
    let busy = false;
    this.#trustCheck = setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        for (const { store, folder } of folders) {
          const modified = await stat(folder).then((info) => info.mtimeMs, () => 0);
          const before = seen.get(folder);
          seen.set(folder, modified);
          if (before !== undefined && before !== modified) await store.reloadCertificates().catch(() => undefined);
        }
      })().finally(() => {
        busy = false;
      });
    }, 1_000);
    this.#trustCheck.unref();
  }

  #call(method: JobControlMethod, inputArguments: Variant[], context: ISessionContext): Promise<CallMethodResultOptions> {
    const run = this.#queue.then(() => this.#handle(method, inputArguments, context));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #handle(method: JobControlMethod, args: Variant[], context: ISessionContext): Promise<CallMethodResultOptions> {
    // Endpoint and token policies already enforce this; a second check keeps a misconfiguration from opening the door.
    const session = context.session;
    if (session?.channel?.securityMode !== MessageSecurityMode.SignAndEncrypt || !(session.userIdentityToken instanceof X509IdentityToken)) {
      return { statusCode: StatusCodes.BadUserAccessDenied };
    }
    const jobOrderId = args[0]?.value;
    if (typeof jobOrderId !== 'string') return { statusCode: StatusCodes.BadInvalidArgument };
    const plan = method === 'ReportResults' ? this.#planResults(jobOrderId, args) : this.#book.planCommand(method, jobOrderId, firstComment(args[1]));
    if (!plan.ok) return { statusCode: REFUSAL_STATUS[plan.reason] };
    if (plan.event) {
      try {
        for (const listener of this.#listeners) await listener(plan.event);
      } catch {
        // The agent could not record the event (e.g. its journal): the machine is told to try again.
        return { statusCode: StatusCodes.BadInternalError };
      }
    }
    this.#book.commit(plan);
    this.#nodes?.render(this.#book.list());
    // OPC 10031-4 v2 B.2: bit 0 set (UInt64 1, as node-opcua's [high, low] pair) is "no error".
    return { statusCode: StatusCodes.Good, outputArguments: [new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [0, 1] })] };
  }

  #planResults(jobOrderId: string, args: Variant[]): JobPlan {
    const [good, scrap, lots] = [args[1]?.value, args[2]?.value, args[3]?.value];
    const lotList: unknown[] = lots === null || lots === undefined ? [] : Array.isArray(lots) ? lots : [lots];
    if (typeof good !== 'string' || typeof scrap !== 'string' || !lotList.every((lot): lot is string => typeof lot === 'string')) {
      return { ok: false, reason: 'invalid-argument', message: 'ReportResults takes (String, String, String, String[])' };
    }
    return this.#book.planResults(jobOrderId, { good, scrap, lots: lotList });
  }
}

/**
 * node-opcua offers user-name tokens on every secured endpoint and has no option to leave them
 * out; removing them from the descriptions means a user-name token matches no policy and is
 * refused at ActivateSession (OPC 10000-4 §5.6.3), besides the user manager refusing it.
 */
function advertiseX509TokensOnly(server: OPCUAServer): void {
  for (const endpoint of server.endpoints) {
    for (const description of endpoint.endpointDescriptions()) {
      description.userIdentityTokens = (description.userIdentityTokens ?? []).filter((token) => token.tokenType === UserTokenType.Certificate);
    }
  }
}

function firstComment(argument: Variant | undefined): string | null {
  const values: unknown = argument?.value;
  const first: unknown = Array.isArray(values) ? values[0] : values;
  const textValue = typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : undefined;
  return typeof textValue === 'string' && textValue.length > 0 ? textValue.slice(0, 500) : null;
}

