/**
 * Runs `serveForgeline` in a worker thread, so the server has an event loop
 * (and a core) of its own while the benchmark's clients load it, as a
 * separate server process would. Posts `{ url }` when listening (or
 * `{ error }`), and closes on any message from the parent, then posts `{ closed }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NO_RATE_LIMITS, serveForgeline } from '../src/server/index.js';

/** What the parent hands the worker. */
export interface ServerWorkerData {
  readonly dataDir: string;
}

const port = parentPort;
if (port === null) throw new Error('https-server-worker runs only as a worker thread');
const { dataDir } = workerData as ServerWorkerData;
try {
  // The clients all come from 127.0.0.1 and measure throughput: the per-source rate limits would measure themselves.
  const server = await serveForgeline({ dataDir, host: '127.0.0.1', port: 0, log: false, rateLimits: NO_RATE_LIMITS });
  port.once('message', () => {
    server.close().then(
      () => port.postMessage({ closed: true }),
      (error: unknown) => port.postMessage({ closed: true, error: String(error) }),
    );
  });
  port.postMessage({ url: server.url });
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
}
