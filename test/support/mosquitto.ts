/**
 * A real Mosquitto for tests: started on a free loopback port with the configuration
 * `forgeline mqtt config` generates, and stopped after. Absent Mosquitto skips the suites that
 * need it, or fails them when FORGELINE_REQUIRE_SERVICES=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { MQTT_BROKER_FILES, type MqttBrokerBundle } from '../../src/devices/index.js';

/** Where Debian and Ubuntu install the broker. */
export const MOSQUITTO = '/usr/sbin/mosquitto';

/** Why the broker cannot run here; undefined when it can. */
export const mosquittoMissing = existsSync(MOSQUITTO) ? undefined : `${MOSQUITTO} not found`;

/**
 * `describe` for suites that need a real broker: skipped with the reason when Mosquitto is
 * missing, or failing when FORGELINE_REQUIRE_SERVICES=1.
 */
export function describeWithMosquitto(title: string, body: () => void): void {
  if (mosquittoMissing === undefined) {
    describe(title, body);
  } else if (process.env.FORGELINE_REQUIRE_SERVICES === '1') {
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`${mosquittoMissing} (required because FORGELINE_REQUIRE_SERVICES=1)`);
      });
      body();
    });
  } else {
    // The default reporter hides skipped titles; say it once.
    console.warn(`${mosquittoMissing}: the real-broker MQTT tests are skipped`);
    describe.skip(`${title} skipped: ${mosquittoMissing} (set FORGELINE_REQUIRE_SERVICES=1 to fail instead)`, body);
  }
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Writes the broker files with their modes (0600 for keys and the ACL). */
export async function writeBrokerFiles(outDir: string, bundle: MqttBrokerBundle): Promise<void> {
  for (const file of bundle.files) {
    await writeFile(join(outDir, file.name), file.content, { mode: file.mode });
    await chmod(join(outDir, file.name), file.mode);
  }
}

/** A running broker. */
export interface RunningMosquitto {
  readonly port: number;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `mosquitto -c <outDir>/mosquitto.conf` and waits until it listens on `port`. */
export async function startMosquitto(outDir: string, port: number): Promise<RunningMosquitto> {
  let output = '';
  const child = spawn(MOSQUITTO, ['-c', join(outDir, MQTT_BROKER_FILES.conf)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await listening(port, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, output: () => output, stop };
}

async function listening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}:\n${output()}`);
}
