/**
 * The demo's MQTT broker: a real Mosquitto on a free loopback port, configured exactly as
 * `forgeline mqtt config` would configure it from the data folder's device registry (TLS 1.3,
 * client certificates, the per-device ACL and the CRL), and stopped afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../audit/index.js';
import { buildMqttBrokerFiles, MQTT_BROKER_FILES } from '../devices/index.js';
import { readManifest, storeOptionsFor } from '../server/index.js';
import { openDatabase } from '../store/index.js';

/** Where Mosquitto is installed by Debian and Ubuntu, from source, and by Homebrew. */
export const MOSQUITTO_LOCATIONS = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto', '/opt/homebrew/sbin/mosquitto'] as const;

/** The first of `locations` that exists, or undefined. */
export function findMosquitto(locations: readonly string[] = MOSQUITTO_LOCATIONS): string | undefined {
  return locations.find((location) => existsSync(location));
}

/** A running broker and the folder of its files (the server's MQTT identity among them). */
export interface DemoBroker {
  /** mqtts://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** How many devices the ACL admits. */
  readonly devices: number;
  /** Stops it (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** How long Mosquitto gets to listen, and to exit once told to. */
const START_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 3_000;

/**
 * Writes the broker files for the devices registered in `dataDir` into `dir` and starts
 * `mosquitto -c <dir>/mosquitto.conf`. Run it while no server holds the data folder's database,
 * or beside one (SQLite in WAL mode allows both), after the devices are enrolled: the ACL names
 * only the devices it finds.
 */
export async function startDemoBroker(options: { readonly executable: string; readonly dataDir: string; readonly dir: string }): Promise<DemoBroker> {
  const { dataDir, dir } = options;
  const manifest = await readManifest(dataDir);
  const ca = { certificatePem: await readFile(join(dataDir, manifest.tls.ca), 'utf8'), privateKeyPem: await readFile(join(dataDir, manifest.tls.caKey), 'utf8') };
  const port = await freePort();
  const store = await openDatabase(storeOptionsFor(dataDir, manifest, undefined));
  let bundle;
  try {
    bundle = await buildMqttBrokerFiles({
      store, clock: systemClock, ca, outDir: dir, port, bindAddress: '127.0.0.1', tlsMinVersion: '1.3', persistence: false,
      dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'],
      // Mosquitto started as root drops to its own user, which could not read the 0600 files written here.
      runAsUser: process.getuid?.() === 0 ? 'root' : undefined,
    });
  } finally {
    await store.close();
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const file of bundle.files) {
    await writeFile(join(dir, file.name), file.content, { mode: file.mode });
    await chmod(join(dir, file.name), file.mode);
  }
  const child = spawn(options.executable, ['-c', join(dir, MQTT_BROKER_FILES.conf)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    // Only the tail matters, for the error message of a broker that would not start.
    output = `${output}${chunk.toString()}`.slice(-2_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let ended = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A spawn failure (no such file, not executable) has no exit: it ends the child all the same.
    child.once('error', (error) => {
      collect(Buffer.from(error.message));
      resolve();
    });
  }).then(() => {
    ended = true;
  });
  const stop = async (): Promise<void> => {
    if (ended) return;
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)])) return;
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await listening(port, () => ended, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `mqtts://127.0.0.1:${port}`, port, dir, devices: bundle.devices.length, stop };
}

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}

async function listening(port: number, ended: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (ended()) throw new Error(`mosquitto ended before it listened: ${lastLine(output())}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${lastLine(output())}`);
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? 'no output';
}
