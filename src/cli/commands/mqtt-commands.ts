import { mkdir, readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { writeFailure, writeWholeFile } from '../data-file.js';
import { parsePort } from '../option-parsers.js';

/** The options of `mqtt config`, as commander parses them. */
interface MqttConfigOptions {
  readonly data?: string;
  readonly out: string;
  readonly port: number;
  readonly tlsMinVersion: '1.2' | '1.3';
  readonly host?: readonly string[];
  readonly bind?: string;
  readonly persistence?: boolean;
  readonly runAsUser?: string;
  readonly force?: boolean;
}

function parseTlsVersion(value: string): '1.2' | '1.3' {
  if (value !== '1.2' && value !== '1.3') throw new InvalidArgumentError('must be 1.2 or 1.3');
  return value;
}

// RFC 1034 §3.5 preferred name syntax.
const DNS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function collectHost(value: string, previous: readonly string[] | undefined): string[] {
  if (isIP(value) === 0 && (value.length > 253 || !DNS_NAME.test(value))) throw new InvalidArgumentError('must be a DNS name or an IP address');
  return [...(previous ?? []), value];
}


/** Makes `dir` (0700) when missing; refuses a non-empty one unless `force`. */
async function prepareOutDir(dir: string, force: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const present = await readdir(dir);
    if (present.length > 0 && !force) throw new CliError('usage', `${dir} is not empty; pass --force to overwrite the broker files in it`);
  } catch (error) {
    throw writeFailure(error, dir) ?? error;
  }
}


/**
 * Registers `mqtt config`: writes a Mosquitto configuration for the devices of a data folder's
 * registry (TLS with client certificates, per-device ACL, the device CRL) and the certificates
 * the broker and the Forgeline server need. Works on the data folder of this machine, like `init`.
 */
export function registerMqttCommands(program: Command, context: CliContext): void {
  const { io, config } = context;
  const mqtt = program.command('mqtt').description('the MQTT broker that carries orders to devices and reports back');

  mqtt
    .command('config')
    .description('write a Mosquitto configuration, ACL, CRL and certificates for the active devices (regenerate after devices change, and daily)')
    .requiredOption('--out <dir>', 'the folder to write the broker files to (made if missing; must be empty unless --force)')
    .option('--data <dir>', `the data folder (env FORGELINE_DATA, default ${config.dataDir})`)
    .option('--port <n>', 'the TLS port the broker listens on', (value: string) => parsePort(value), 8883)
    .option('--bind <address>', 'the address the broker listens on (default: every interface)')
    .option('--host <name>', 'a DNS name or IP address of the broker for its certificate (repeatable; default localhost and 127.0.0.1)', collectHost)
    .option('--tls-min-version <version>', 'the lowest TLS version accepted: 1.3, or 1.2 for devices that cannot do 1.3', parseTlsVersion, '1.3')
    .option('--persistence', 'keep sessions and queued messages on disk in the folder across broker restarts')
    .option('--run-as-user <user>', 'the user Mosquitto runs as when started as root (its `user` option; default: Mosquitto\'s own, which must then own the folder)')
    .option('--force', 'overwrite the files of an earlier run in --out')
    .action(async (options: MqttConfigOptions) => {
      const hosts = options.host ?? ['localhost', '127.0.0.1'];
      const dataDir = resolve(options.data ?? config.dataDir);
      const outDir = resolve(options.out);
      // Loaded on demand, as for init: the API commands do not need the server.
      const { readManifest, storeOptionsFor } = await import('../../server/index.js');
      const { openDatabase } = await import('../../store/index.js');
      const { buildMqttBrokerFiles } = await import('../../devices/index.js');
      const manifest = await readManifest(dataDir);
      const ca = {
        certificatePem: await readFile(join(dataDir, manifest.tls.ca), 'utf8'),
        privateKeyPem: await readFile(join(dataDir, manifest.tls.caKey), 'utf8'),
      };
      const store = await openDatabase(storeOptionsFor(dataDir, manifest, config.databaseUrl ?? undefined));
      let bundle;
      try {
        bundle = await buildMqttBrokerFiles({
          store, clock: { now: context.now }, ca, outDir, port: options.port, bindAddress: options.bind, tlsMinVersion: options.tlsMinVersion,
          persistence: options.persistence === true,
          runAsUser: options.runAsUser,
          dnsNames: hosts.filter((host) => isIP(host) === 0), ipAddresses: hosts.filter((host) => isIP(host) !== 0),
        });
      } finally {
        await store.close();
      }
      await prepareOutDir(outDir, options.force === true);
      for (const file of bundle.files) {
        await writeWholeFile(join(outDir, file.name), file.content, file.mode);
        io.out(`wrote ${join(outDir, file.name)}: ${file.description}`);
      }
      io.err(`start the broker: mosquitto -c ${join(outDir, 'mosquitto.conf')}  (TLS on port ${options.port}; restart it after regenerating)`);
    });
}
