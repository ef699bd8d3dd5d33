/**
 * Runs the shop-floor section's edge agents in a worker thread, so they have an event loop (and a
 * core) of their own beside the server's, as agents on their own machines would. Starts one HTTPS
 * agent per folder, posts `{ started }` (or `{ error }`), then each verdict as `{ verdict }`; on any
 * message from the parent it closes them all and posts `{ closed }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startAgentProcess, type AgentProcess } from '../src/agent/index.js';
import { startWindowProfile } from './shopfloor-limits.js';

/** What the parent hands the worker. */
export interface AgentsWorkerData {
  readonly dirs: readonly string[];
  readonly serverUrl: string;
  /** Where to write a CPU profile of the agents' thread over its whole life (BENCH_CPU_PROFILE, for development). */
  readonly profilePath?: string;
}

/** What the worker posts. */
export type AgentsWorkerMessage =
  | { readonly started: number }
  | { readonly error: string }
  | { readonly verdict: { readonly orderId: string; readonly accepted: boolean; readonly code?: string } }
  | { readonly closed: true };

const port = parentPort;
if (port === null) throw new Error('shop-floor-agents-worker runs only as a worker thread');
const { dirs, serverUrl, profilePath } = workerData as AgentsWorkerData;
const post = (message: AgentsWorkerMessage): void => port.postMessage(message);
const agents: AgentProcess[] = [];
const profile = await startWindowProfile(profilePath);
port.once('message', () => {
  void Promise.allSettled(agents.map((agent) => agent.close())).then(() => profile.stop()).then(() => post({ closed: true }));
});
try {
  for (const dir of dirs) agents.push(await startAgentProcess({ dir, serverUrl, onVerdict: (verdict) => post({ verdict }) }));
  post({ started: agents.length });
} catch (error) {
  post({ error: error instanceof Error ? error.message : String(error) });
}
