import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { resolveConnection, type ConnectionFlags } from '../connection.js';
import { CliError, usageError } from '../cli-error.js';
import { parseMqttUrl, parsePort } from '../option-parsers.js';
import { waitForStopSignal } from '../stop-signal.js';

/** The options of `agent run`, as commander parses them. */
interface AgentRunOptions {
  readonly dir: string;
  readonly transport: 'https' | 'mqtt';
  readonly mqttUrl?: string;
  readonly opcuaPort?: number;
  readonly opcuaHost?: string;
}

function parseTransport(value: string): 'https' | 'mqtt' {
  if (value !== 'https' && value !== 'mqtt') throw new InvalidArgumentError('must be https or mqtt');
  return value;
}

/** Registers `agent run`: the edge agent beside the machines of a work center. */
export function registerAgentCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const agent = program.command('agent').description('the edge agent beside the machines of a work center: receives and verifies orders, reports what the machines do');

  agent.command('run')
    .description('run the agent until SIGINT or SIGTERM, with the device folder `forgeline device enrol` wrote (the server: --server or FORGELINE_SERVER)')
    .requiredOption('--dir <dir>', 'the device folder: device-key.pem, device-cert.pem, ca.pem; the agent keeps its journals there too')
    .option('--transport <kind>', 'how orders arrive: https (server-sent events, mutual TLS) or mqtt', parseTransport, 'https')
    .option('--mqtt-url <url>', 'the broker, e.g. mqtts://broker.plant.local:8883 (with --transport mqtt)', parseMqttUrl)
    .option('--opcua-port <n>', 'serve the job to the machine\'s controller over OPC UA on this port (0: any free port); without it orders are accepted and reported only', (value: string) => parsePort(value, true))
    .option('--opcua-host <host>', 'the address and host name of the OPC UA endpoint (default: all interfaces, this machine\'s name)')
    .action(async (options: AgentRunOptions, command: Command) => {
      if (options.transport === 'mqtt' && options.mqttUrl === undefined) throw usageError('--transport mqtt needs --mqtt-url');
      const stopSignal = waitForStopSignal();
      const flags = command.optsWithGlobals<ConnectionFlags>();
      const { baseUrl } = resolveConnection(context.config, flags, null);
      const { startAgentProcess, mqttTransport, opcuaMachine } = await import('../../agent/index.js');
      const dir = resolve(options.dir);
      const running = await startAgentProcess({
        dir,
        serverUrl: baseUrl,
        ...(options.transport === 'mqtt' && options.mqttUrl !== undefined ? { transport: mqttTransport(options.mqttUrl) } : {}),
        ...(options.opcuaPort === undefined ? {} : { machine: opcuaMachine(dir, options.opcuaPort, options.opcuaHost) }),
        log: (line) => io.err(`${new Date().toISOString()} ${line}`),
      });
      io.err(`agent of device ${running.identity.deviceId} is following ${baseUrl} over ${options.transport}; Ctrl-C to stop`);
      const signal = await stopSignal;
      io.err(`${signal}: stopping (journals kept in ${resolve(options.dir)})`);
      await running.close();
    });

  agent.command('trust-machine')
    .description('trust a machine controller\'s OPC UA application certificate (PEM or DER file): it may then connect with SignAndEncrypt and log in with it')
    .requiredOption('--dir <dir>', 'the agent\'s device folder')
    .argument('<certificate>', 'the controller\'s application instance certificate')
    .action(async (certificate: string, options: { dir: string }) => {
      const { loadOpcuaJobControl, agentOpcuaPkiDir } = await import('../../agent/index.js');
      const { trustClientCertificate } = await loadOpcuaJobControl();
      const pem = await readCertificateFile(certificate);
      const trusted = await trustClientCertificate(agentOpcuaPkiDir(resolve(options.dir)), pem).catch((error: unknown) => {
        throw new CliError('invalid-file', `${certificate}: ${error instanceof Error ? error.message : String(error)}`);
      });
      io.out(`trusted ${trusted.subject} (${trusted.applicationUri ?? 'no ApplicationUri'}), SHA-1 thumbprint ${trusted.thumbprint}`);
    });

  agent.command('opcua-certificate')
    .description('print the agent\'s OPC UA application certificate (PEM), for the machine controller to trust; made on first use')
    .requiredOption('--dir <dir>', 'the agent\'s device folder')
    .option('--opcua-host <host>', 'the host name `agent run --opcua-host` will use (default: this machine\'s name)')
    .action(async (options: { dir: string; opcuaHost?: string }) => {
      const { loadOpcuaJobControl, agentOpcuaIdentity, agentOpcuaPkiDir, loadDeviceIdentity } = await import('../../agent/index.js');
      const dir = resolve(options.dir);
      const identity = await loadDeviceIdentity(dir);
      const { ensureApplicationCertificate } = await loadOpcuaJobControl();
      const certificate = await ensureApplicationCertificate(agentOpcuaPkiDir(dir), agentOpcuaIdentity(identity.deviceId, options.opcuaHost));
      io.out(certificate.certificatePem.trim());
    });
}

/** A certificate file as PEM text (DER is converted), or one clear error. */
async function readCertificateFile(path: string): Promise<string> {
  const bytes = await readFile(resolve(path)).catch(() => {
    throw new CliError('file-unreadable', `${path}: cannot read it`);
  });
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
  try {
    return new X509Certificate(bytes).toString();
  } catch {
    throw new CliError('invalid-file', `${path}: not a certificate (PEM or DER)`);
  }
}
