/**
 * `forgeline serve --mqtt-url`: the MQTT bridge started beside the HTTPS server, with the server's
 * MQTT identity from the broker folder `forgeline mqtt config` wrote.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import { MQTT_BROKER_FILES, MqttBridge, StoreMqttDirectory } from '../devices/index.js';
import type { Services } from './services.js';

/** Where the broker is and where the server's MQTT identity lives. */
export interface MqttServeOptions {
  /** mqtts://host:port */
  readonly url: string;
  /** The broker folder of `forgeline mqtt config` (ca.pem, forgeline-server.pem, forgeline-server-key.pem). */
  readonly dir: string;
  /** The MQTT client id; give each server instance sharing the broker its own. */
  readonly clientId?: string | undefined;
}

/** Why an MQTT URL cannot be used, or undefined: only mqtts (TLS) with a host and no path. */
export function mqttUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL; expected mqtts://host:port`;
  }
  if (parsed.protocol !== 'mqtts:') return `the MQTT URL must use mqtts:// (TLS), not ${parsed.protocol}//`;
  if (parsed.hostname === '' || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.username !== '' || parsed.password !== '') {
    return 'the MQTT URL must be mqtts://host:port, without a path or credentials (the client certificate identifies the server)';
  }
  return undefined;
}

/** Reads the identity files and builds the bridge, not started yet; throws one clear error for a bad URL or a missing file. */
export async function createMqttBridge(services: Services, clock: Clock, options: MqttServeOptions, log: (line: string) => void): Promise<MqttBridge> {
  const problem = mqttUrlProblem(options.url);
  if (problem !== undefined) throw new ForgelineError('validation-failed', problem);
  const read = (name: string): Promise<string> => readFile(join(options.dir, name), 'utf8').catch(() => {
    throw new ForgelineError('validation-failed', `${join(options.dir, name)} is missing: write the broker files with forgeline mqtt config --out ${options.dir}`);
  });
  const [caPem, certificatePem, keyPem] = await Promise.all([read(MQTT_BROKER_FILES.ca), read(MQTT_BROKER_FILES.serverCert), read(MQTT_BROKER_FILES.serverKey)]);
  const bridge = new MqttBridge({
    broker: { url: options.url, caPem, certificatePem, keyPem, clientId: options.clientId },
    store: services.store, clock, directory: new StoreMqttDirectory({ store: services.store, clock }),
    reports: services.reports, zones: services.zones, dispatches: services.dispatches, log,
  });
  return bridge;
}
