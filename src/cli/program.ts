import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { ForgelineCommand } from './forgeline-command.js';
import { registerAuditCommands } from './commands/audit-commands.js';
import { registerBackupCommands } from './commands/backup-commands.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerMfaCommands } from './commands/mfa-commands.js';
import { registerOrderActionCommands } from './commands/order-action-commands.js';
import { registerOrderCommands } from './commands/order-commands.js';
import { registerPlantCommands } from './commands/plant-commands.js';
import { registerPolicyCommands } from './commands/policy-commands.js';
import { registerServerCommands } from './commands/server-commands.js';
import { registerSessionCommands } from './commands/session-commands.js';
import { registerSessionListCommands } from './commands/session-list-commands.js';
import { registerTlsCommands } from './commands/tls-commands.js';
import { registerTokenCommands } from './commands/token-commands.js';
import { registerKeyCommands } from './commands/key-commands.js';
import { registerUserCommands } from './commands/user-commands.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerMqttCommands } from './commands/mqtt-commands.js';
import { registerZoneCommands } from './commands/zone-commands.js';
import { registerAgentCommands } from './commands/agent-commands.js';

/**
 * Builds the `forgeline` command tree. Commander never exits the process or
 * prints errors itself: it throws, and the run's error boundary reports.
 */
export function buildProgram(context: CliContext): Command {
  const { io } = context;
  const program = new ForgelineCommand('forgeline')
    .description('Forgeline: the system of record for production orders, from planning to the machines')
    // Settings that subcommands copy must come before any subcommand is added.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.errRaw(text),
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .option('--server <url>', 'the Forgeline server (env FORGELINE_SERVER; default: where you logged in, else https://localhost:8443)')
    .option('--ca <file>', 'trust this PEM certificate authority (env FORGELINE_CA; default: <data>/tls/ca.pem when present)');

  registerServerCommands(program, context);
  registerTlsCommands(program, context);
  registerDemoCommand(program, context);
  registerSessionCommands(program, context);
  registerMfaCommands(program, context);
  registerSessionListCommands(program, context);
  registerUserCommands(program, context);
  registerPolicyCommands(program, context);
  registerTokenCommands(program, context);
  registerKeyCommands(program, context);
  registerDeviceCommands(program, context);
  registerMqttCommands(program, context);
  registerAgentCommands(program, context);
  registerPlantCommands(program, context);
  registerZoneCommands(program, context);
  const order = program.command('order').description('production orders: create, list, show, and move them through their lifecycle');
  registerOrderCommands(order, context);
  registerOrderActionCommands(order, context);
  registerAuditCommands(program, context);
  registerBackupCommands(program, context);
  return program;
}
