/**
 * `forgeline agent run`: the edge agent as a process. It reads the device folder, links to the
 * server over mutual TLS, receives orders over HTTPS (server-sent events) or MQTT, hands verified
 * jobs to the machine's controller over OPC UA, and renews its certificate before it expires.
 */
import { createDeviceCsr } from '../crypto/index.js';
import { loadDeviceIdentity, renewalDue, writeDeviceFolder, type DeviceIdentity } from './device-identity.js';
import { EdgeAgent, type EdgeAgentOptions, type MachineJobs, type OrderSource, type ReportSink } from './edge-agent.js';
import { HttpsOrderSource, HttpsReportSink } from './https-transport.js';
import { ServerLink } from './server-link.js';

/** How the agent reaches the server and the machine. */
export interface AgentProcessOptions {
  /** The device folder (`forgeline device enrol --out`): keys, certificate, CA, and the agent's journals. */
  readonly dir: string;
  /** The Forgeline server's base URL. */
  readonly serverUrl: string;
  /** Builds the transport (the HTTPS one when absent); MQTT plugs in here. */
  readonly transport?: (context: { identity: DeviceIdentity; link: ServerLink; log: (line: string) => void }) => Promise<AgentTransport>;
  /** Builds the machine side (OPC UA job control); none: orders are accepted and reported only. */
  readonly machine?: (context: { identity: DeviceIdentity; log: (line: string) => void }) => Promise<MachineJobs & { close(): Promise<void> }>;
  readonly log?: (line: string) => void;
  /** Told of each order's verdict once it is on disk (benchmarks, the demo). */
  readonly onVerdict?: EdgeAgentOptions['onVerdict'];
}

/** What carries orders and reports; one with its own TLS client identity (MQTT) is told of a renewed certificate. */
export interface AgentTransport {
  readonly orders: OrderSource;
  readonly reports: ReportSink;
  readonly close?: () => Promise<void>;
  readonly useIdentity?: (identity: DeviceIdentity) => void;
}

/** The running agent process. */
export interface AgentProcess {
  readonly agent: EdgeAgent;
  readonly identity: DeviceIdentity;
  /** Stops everything; the journals stay for the next start. */
  close(): Promise<void>;
}

/** The longest a timer may wait (Node's setTimeout limit is about 24.8 days). */
const MAX_TIMER_MS = 2_000_000_000;

/** Starts the agent. */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  const log = options.log ?? (() => undefined);
  let identity = await loadDeviceIdentity(options.dir);
  const link = new ServerLink({ baseUrl: options.serverUrl, chainPem: identity.chainPem, keyPem: identity.keyPem, caPem: identity.caPem });
  let transport: AgentTransport | undefined;
  let machine: (MachineJobs & { close(): Promise<void> }) | undefined;
  let agent: EdgeAgent;
  try {
    transport = options.transport === undefined
      ? { orders: new HttpsOrderSource(link, log), reports: new HttpsReportSink(link) }
      : await options.transport({ identity, link, log });
    machine = options.machine === undefined ? undefined : await options.machine({ identity, log });
    agent = new EdgeAgent({
      dir: options.dir, identity, orders: transport.orders, reports: transport.reports, machine, log, onVerdict: options.onVerdict,
      keys: () => link.verificationKeys(),
    });
    await agent.start();
  } catch (error) {
    // What started before the failure is closed, so a failed start leaves no socket or server behind.
    await transport?.orders.stop().catch(() => undefined);
    await transport?.close?.().catch(() => undefined);
    await machine?.close().catch(() => undefined);
    await link.close().catch(() => undefined);
    throw error;
  }
  log(`agent of device ${identity.deviceId} (work center ${identity.workCenterId}) running; certificate valid until ${identity.notAfter.toISOString()}`);

  let renewalTimer: NodeJS.Timeout | null = null;
  const scheduleRenewal = (): void => {
    const wait = Math.max(0, renewalDue(identity).getTime() - Date.now());
    renewalTimer = setTimeout(() => {
      renewDeviceFolder(options.dir, identity.deviceId, link)
        .then(async (notAfter) => {
          identity = await loadDeviceIdentity(options.dir);
          link.useCertificate(identity.chainPem, identity.keyPem);
          agent.useIdentity(identity);
          transport?.useIdentity?.(identity);
          log(`certificate renewed, valid until ${notAfter}`);
          scheduleRenewal();
        })
        .catch((error: unknown) => {
          log(`certificate renewal failed (${error instanceof Error ? error.message : String(error)}); trying again in an hour`);
          renewalTimer = setTimeout(scheduleRenewal, 3_600_000);
          renewalTimer.unref();
        });
    }, Math.min(wait, MAX_TIMER_MS));
    renewalTimer.unref();
  };
  scheduleRenewal();

  return {
    agent,
    get identity() {
      return identity;
    },
    async close() {
      if (renewalTimer !== null) clearTimeout(renewalTimer);
      await agent.stop();
      await transport?.close?.();
      await machine?.close();
      await link.close();
    },
  };
}

/**
 * Renews the device certificate in place: a new key made here, a CSR sent over mutual TLS with the
 * current certificate, then key and certificate each replaced whole. Answers the new expiry.
 */
export async function renewDeviceFolder(dir: string, deviceId: string, link: ServerLink): Promise<string> {
  const { csrPem, privateKeyPem } = await createDeviceCsr(deviceId);
  const renewed = await link.renew(csrPem);
  await writeDeviceFolder(dir, { keyPem: privateKeyPem, chainPem: renewed.chain, caPem: renewed.ca });
  return renewed.notAfter;
}
