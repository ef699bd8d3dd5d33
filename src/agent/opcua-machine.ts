/**
 * The agent's machine side over OPC UA: the job-control server (src/agent/opcua) behind the
 * agent's {@link MachineJobs} interface. The machine reports cumulative counts per job; the server
 * books increments, so each progress report carries what was made since the one before. After a
 * restart the machine's counts for a job start again from zero (it runs the job anew).
 */
import { fromScaled, toScaled } from '../domain/index.js';
import type { TrackedJob } from './accepted-jobs.js';
import type { MachineEvent, MachineJobs } from './edge-agent.js';
import type { JobControlServer, JobEvent } from './opcua/index.js';

/** Adapts a started {@link JobControlServer} to the agent. */
export class OpcuaMachineJobs implements MachineJobs {
  readonly #server: JobControlServer;
  /** The cumulative counts last booked per job in this run. */
  readonly #booked = new Map<string, { good: string; scrap: string; lots: number }>();

  constructor(server: JobControlServer) {
    this.#server = server;
  }

  offer(job: TrackedJob): Promise<void> {
    this.#server.offer({ jobOrderId: job.orderId, orderNumber: job.number, content: job.content });
    return Promise.resolve();
  }

  onEvent(handler: (event: MachineEvent) => Promise<void>): void {
    this.#server.on('job', async (event) => {
      const translated = this.#translate(event);
      if (translated !== null) await handler(translated);
    });
  }

  /** Stops the OPC UA server. */
  close(): Promise<void> {
    return this.#server.stop();
  }

  #translate(event: JobEvent): MachineEvent | null {
    switch (event.kind) {
      case 'progress': {
        const before = this.#booked.get(event.jobOrderId) ?? { good: '0', scrap: '0', lots: 0 };
        this.#booked.set(event.jobOrderId, { good: event.good, scrap: event.scrap, lots: event.lots.length });
        return { jobOrderId: event.jobOrderId, kind: 'progress', good: difference(event.good, before.good), scrap: difference(event.scrap, before.scrap), machineLots: event.lots.slice(before.lots) };
      }
      case 'start-revoked':
        return null;
      case 'started':
      case 'paused':
      case 'resumed':
      case 'completed':
      case 'aborted':
      case 'cancelled':
      case 'cleared':
        return { jobOrderId: event.jobOrderId, kind: event.kind };
      default:
        return null;
    }
  }
}

function difference(after: string, before: string): string {
  return fromScaled(toScaled(after) - toScaled(before));
}
