import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { TlsMinVersion } from '../../server/index.js';
import type { CliContext } from '../cli-context.js';
import { usageError } from '../cli-error.js';
import { parseInteger, parseMqttUrl, parsePort } from '../option-parsers.js';
import { waitForStopSignal } from '../stop-signal.js';

/** The options `init`, `serve` and `start` share. */
interface DataOptions {
  readonly data?: string;
  readonly databaseUrl?: string;
}

interface InitOptions extends DataOptions {
  readonly adminPasswordFile?: string;
  readonly keyring?: 'file' | 'passphrase' | 'command';
  readonly keyringWrapCommand?: string;
  readonly keyringUnwrapCommand?: string;
  readonly keyringKekId?: string;
}

interface ServeOptions extends DataOptions {
  readonly host?: string;
  readonly port?: number;
  readonly insecureHttp?: boolean;
  readonly witness?: string[];
  readonly rateLimit?: number;
  readonly signInLimit?: number;
  readonly trustProxy?: string[];
  readonly tlsMinVersion?: TlsMinVersion;
  readonly mqttUrl?: string;
  readonly mqttDir?: string;
  readonly mqttClientId?: string;
}

/** The file whose presence marks an initialized data folder (the server's DATA_MANIFEST). */
const MANIFEST_FILE = 'forgeline.json';

/** The kind of keyring `init --keyring` makes. */
function parseKeyringKind(value: string): 'file' | 'passphrase' | 'command' {
  if (value === 'file' || value === 'passphrase' || value === 'command') return value;
  throw new InvalidArgumentError('must be file, passphrase or command');
}

/** A proxy address for `--trust-proxy`: an IP address, optionally with a CIDR prefix length. */
function parseProxy(value: string, all: string[] = []): string[] {
  const [address = '', prefix, extra] = value.split('/');
  const version = isIP(address);
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
  if (version === 0 || !prefixOk || extra !== undefined) throw new InvalidArgumentError('must be an IP address or CIDR, e.g. 10.0.0.5 or 10.0.0.0/24');
  return [...all, value];
}

/** `--tls-min-version`: 1.3 (the default) or 1.2; older versions are never offered. */
function parseTlsMinVersion(value: string): TlsMinVersion {
  if (value !== '1.2' && value !== '1.3') throw new InvalidArgumentError('must be 1.2 or 1.3');
  return value;
}

/** Refuses option combinations that make no sense, before anything is created or started. */
function checkServeOptions(options: ServeOptions): void {
  if (options.insecureHttp && options.tlsMinVersion) throw usageError('--tls-min-version applies to HTTPS; it cannot be combined with --insecure-http');
  if (options.mqttUrl === undefined && (options.mqttDir !== undefined || options.mqttClientId !== undefined)) throw usageError('--mqtt-dir and --mqtt-client-id need --mqtt-url');
}

/** Registers `init`, `serve` and `start`: the commands that run the server on this machine, not against its API. */
export function registerServerCommands(program: Command, context: CliContext): void {
  const { io, config } = context;
  const dataDirOf = (options: DataOptions): string => resolve(options.data ?? config.dataDir);

  const init = async (options: InitOptions): Promise<void> => {
    // Loaded on demand: the server (Fastify, SQLite, argon2) is not needed by the API commands.
    const { initDataFolder } = await import('../../server/index.js');
    const dataDir = dataDirOf(options);
    const result = await initDataFolder({
      dataDir, adminPasswordFile: options.adminPasswordFile, databaseUrl: options.databaseUrl ?? config.databaseUrl ?? undefined,
      keyring: { kind: options.keyring, wrapCommand: options.keyringWrapCommand, unwrapCommand: options.keyringUnwrapCommand, kekId: options.keyringKekId },
    });
    if (!result.created) {
      io.out(`${dataDir} is already initialized`);
      return;
    }
    io.out(`initialized ${dataDir}`);
    io.out(`admin user: ${result.adminUsername}`);
    if (result.adminPassword !== null) {
      io.out(`admin one-time password: ${result.adminPassword}`);
      io.err('this password is shown only once; sign in with it and change it (forgeline login, then forgeline passwd)');
    }
    io.out(`CA certificate: ${result.caPath} (the CLI trusts it for this data folder; others need --ca or FORGELINE_CA)`);
  };

  const serve = async (options: ServeOptions): Promise<void> => {
    checkServeOptions(options);
    // Listen for SIGINT/SIGTERM before anything else, so a stop asked for during start-up
    // (or right after the announcement) still closes the server cleanly.
    const stopSignal = waitForStopSignal();
    const { serveForgeline } = await import('../../server/index.js');
    const dataDir = dataDirOf(options);
    if (options.insecureHttp) io.err('warning: serving plain HTTP: passwords and tokens cross the network unencrypted; use only behind a TLS proxy');
    if (options.tlsMinVersion === '1.2') io.err('warning: TLS 1.2 is enabled (ECDHE with AEAD suites only); clients that can should use TLS 1.3');
    const server = await serveForgeline({
      dataDir,
      host: options.host ?? config.host ?? 'localhost',
      port: options.port ?? config.port ?? 8443,
      insecureHttp: options.insecureHttp === true,
      witnessKeys: options.witness ?? [],
      databaseUrl: options.databaseUrl ?? config.databaseUrl ?? undefined,
      rateLimits: { perSource: options.rateLimit, signIn: options.signInLimit },
      trustProxy: options.trustProxy ?? [],
      tlsMinVersion: options.tlsMinVersion ?? '1.3',
      // The broker folder of `forgeline mqtt config`; by default the data folder's mqtt/.
      mqtt: options.mqttUrl === undefined ? undefined : { url: options.mqttUrl, dir: resolve(options.mqttDir ?? join(dataDir, 'mqtt')), clientId: options.mqttClientId },
    });
    io.err(`Forgeline is serving ${server.url} (data ${dataDir}); Ctrl-C to stop`);
    const signal = await stopSignal;
    io.err(`${signal}: stopping`);
    await server.close();
  };

  const dataOption = (command: Command): Command =>
    command
      .option('--data <dir>', `the data folder (env FORGELINE_DATA, default ${config.dataDir})`)
      .option('--database-url <url>', 'keep the data in PostgreSQL (env FORGELINE_DATABASE_URL)');
  const serveOptions = (command: Command): Command =>
    command
      .option('--host <host>', 'the address to listen on (env FORGELINE_HOST, default localhost)')
      .option('--port <n>', 'the port to listen on (env FORGELINE_PORT, default 8443; 0: any free port)', (value: string) => parsePort(value, true))
      .option('--insecure-http', 'serve plain HTTP instead of HTTPS (only behind a TLS-terminating proxy)')
      .option('--tls-min-version <version>', 'the lowest TLS version accepted: 1.3 (default) or 1.2 for older clients (ECDHE with AEAD suites only)', parseTlsMinVersion)
      .option('--witness <keyline>', 'accept cosignatures only from this witness key (repeatable)', (value: string, all: string[] = []) => [...all, value])
      .option('--rate-limit <n>', 'requests a minute per client address, over the whole API (default 600; 0: no limit)', (value: string) => parseInteger(value, 0))
      .option('--sign-in-limit <n>', 'sign-in and password-change attempts a minute per client address (default 20; 0: no limit)', (value: string) => parseInteger(value, 0))
      .option('--mqtt-url <url>', 'also publish dispatched orders to and take reports from this MQTT broker, e.g. mqtts://localhost:8883', parseMqttUrl)
      .option('--mqtt-dir <dir>', 'with --mqtt-url: the folder forgeline mqtt config wrote (the server\'s MQTT certificate and key; default <data>/mqtt)')
      .option('--mqtt-client-id <id>', 'with --mqtt-url: the MQTT client id (default forgeline-server; give each server instance sharing the broker its own)')
      .option('--trust-proxy <address>', "believe X-Forwarded-For from this reverse proxy (address or CIDR, repeatable): the client's address then counts for limits and the audit log", parseProxy);

  dataOption(program.command('init').description('create a data folder: database, TLS certificates, and the first admin (whose one-time password is printed once)'))
    .option('--admin-password-file <file>', "read the admin's password from a file instead of generating a one-time one")
    .option('--keyring <kind>', 'where the key-encryption key lives: file (default, keys/keyring.json), passphrase (FORGELINE_KEYRING_PASSPHRASE or _FILE at every start), command (an external KMS/HSM)', parseKeyringKind)
    .option('--keyring-wrap-command <command>', 'with --keyring command: reads a base64 key on stdin, prints it wrapped (base64)')
    .option('--keyring-unwrap-command <command>', 'with --keyring command: reads a wrapped key (base64) on stdin, prints the key (base64)')
    .option('--keyring-kek-id <name>', 'with --keyring command: the name of the external key (default kek-command)')
    .action((options: InitOptions) => init(options));

  serveOptions(dataOption(program.command('serve').description('serve the API over HTTPS until SIGINT or SIGTERM'))).action((options: ServeOptions) => serve(options));

  serveOptions(dataOption(program.command('start').description('init the data folder if it has none, then serve (what npm start runs)')))
    .option('--admin-password-file <file>', "on first start, read the admin's password from a file")
    .action(async (options: ServeOptions & InitOptions) => {
      checkServeOptions(options);
      if (!existsSync(join(dataDirOf(options), MANIFEST_FILE))) await init(options);
      await serve(options);
    });
}
