import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { resolveConnection, type ConnectionFlags } from '../connection.js';
import { usageError } from '../cli-error.js';
import { parsePort } from '../option-parsers.js';
import { waitForStopSignal } from '../stop-signal.js';

/** The options of `agent run`, as commander parses them. */
interface AgentRunOptions {
  readonly dir: string;
  readonly transport: 'https' | 'mqtt';
  readonly mqttUrl?: string;
  readonly opcuaPort?: number;
  readonly machine: boolean;
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
    .option('--mqtt-url <url>', 'the broker, e.g. mqtts://broker.plant.local:8883 (with --transport mqtt)')
    .option('--opcua-port <n>', 'serve the job to the machine\'s controller over OPC UA on this port (0: any free port)', (value: string) => parsePort(value, true))
    .option('--no-machine', 'no OPC UA server: accept and report orders only')
    .action(async (options: AgentRunOptions, command: Command) => {
      if (options.transport === 'mqtt' && options.mqttUrl === undefined) throw usageError('--transport mqtt needs --mqtt-url');
      const stopSignal = waitForStopSignal();
      const flags = command.optsWithGlobals<ConnectionFlags>();
      const { baseUrl } = resolveConnection(context.config, flags, null);
      const { startAgentProcess } = await import('../../agent/index.js');
      const running = await startAgentProcess({
        dir: resolve(options.dir),
        serverUrl: baseUrl,
        log: (line) => io.err(`${new Date().toISOString()} ${line}`),
      });
      io.err(`agent of device ${running.identity.deviceId} is following ${baseUrl} over ${options.transport}; Ctrl-C to stop`);
      const signal = await stopSignal;
      io.err(`${signal}: stopping (journals kept in ${resolve(options.dir)})`);
      await running.close();
    });
}
