/**
 * Checkpoints an SQLite file's write-ahead log from a worker thread of its own. SQLite otherwise
 * checkpoints inside the COMMIT that lets the log pass 1,000 pages: the committing connection
 * copies the log into the database file and fsyncs it, and with better-sqlite3 that connection
 * is the server's one JavaScript thread, stopped for as long as the copy takes (tens of
 * milliseconds under load). A second connection in a worker runs a PASSIVE checkpoint every few
 * milliseconds instead: it never blocks the writer or a reader, the log restarts from its start
 * once copied, and so stays far below the point where a COMMIT would checkpoint itself. That
 * automatic checkpoint is left on as the fallback: durability and recovery never depend on the
 * worker (the store's connection still forces the log to disk at every commit).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (a checkpoint with nothing to copy costs microseconds). */
export const CHECKPOINT_INTERVAL_MS = 20;

/** What the worker has done, for tests and diagnostics. */
export interface CheckpointStats {
  /** Checkpoints that copied at least one page. */
  readonly checkpoints: number;
  /** Pages copied from the log into the database file (about: see the worker's note). */
  readonly pagesCopied: number;
  /** The last error a checkpoint met (the COMMIT's own checkpoint still covers for it), if any. */
  readonly lastError: string | undefined;
}

/** The running worker of one SQLite file. */
export interface SqliteCheckpointer {
  stats(): CheckpointStats;
  /** Resolves once the worker closed its connection and ended. */
  stop(): Promise<void>;
}

type WorkerMessage =
  | { readonly copied: number }
  | { readonly error: string }
  | { readonly closed: true };

/*
 * The worker's code, evaluated as a CommonJS script: the store's compiled modules and its
 * TypeScript sources under test then share it, with no second file to build or to find.
 * `wal_checkpoint(PASSIVE)` answers [busy, pages in the log, pages of it copied]; the worker
 * reports the pages copied since its last look (a log restarted in between that grew past its old
 * length is undercounted: the figure is for diagnostics).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let logBefore = 0;
let copiedBefore = 0;
const timer = setInterval(() => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    const log = Number(row.log);
    const copied = Number(row.checkpointed);
    // A shorter log, or fewer pages copied, means the writer restarted the log from its start.
    const restarted = log < logBefore || copied < copiedBefore;
    const fresh = restarted ? copied : copied - copiedBefore;
    if (fresh > 0) parentPort.postMessage({ copied: fresh });
    logBefore = log;
    copiedBefore = copied;
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ closed: true });
  parentPort.close();
});
`;

/** Starts checkpointing `file` (an SQLite database in WAL mode, already open in this process) from a worker thread. */
export function startSqliteCheckpointer(file: string, intervalMs = CHECKPOINT_INTERVAL_MS): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  let checkpoints = 0;
  let pagesCopied = 0;
  let lastError: string | undefined;
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: WorkerMessage) => {
    if ('copied' in message) {
      checkpoints += 1;
      pagesCopied += message.copied;
    } else if ('error' in message) {
      lastError = message.error;
    }
  });
  // A worker that fails to open the file ends; the COMMIT's own checkpoint goes on covering.
  worker.on('error', (error) => {
    lastError = error.message;
  });
  // Never what keeps a process alive: the store's close stops it.
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ checkpoints, pagesCopied, lastError }),
    stop: () => (stopped ??= (async () => {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 5_000);
      await ended;
      clearTimeout(timeout);
    })()),
  };
}
