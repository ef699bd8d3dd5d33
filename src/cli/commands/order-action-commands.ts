import type { Command } from 'commander';
import type { OrderDetail } from '../api-types.js';
import { segment, type ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { collect, parseDecimal, parseLot, parsePositiveInt } from '../option-parsers.js';
import { orderSummary } from '../order-format.js';
import {
  REASONED_ORDER_ACTIONS,
  SIMPLE_ORDER_ACTIONS,
  progressBody,
  reasonedActionBody,
  releaseBody,
  simpleActionBody,
  type ProgressOptions,
} from '../order-requests.js';
import { printJson } from '../output.js';
import { readSecret } from '../secret-input.js';
import { currentVersion } from './order-version.js';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  submit: 'submit a draft for approval',
  dispatch: 'dispatch a released order to its work center',
  start: 'start a dispatched order',
  pause: 'pause a running order',
  resume: 'resume a paused order',
  complete: 'complete a running or paused order',
  close: 'close a completed order',
  unhold: 'release a quality hold (a running order comes back paused)',
  hold: 'put an order on quality hold',
  cancel: 'cancel an order (after release only by an approver)',
};

const VERSION_HELP = 'the version your change was made against; when left out, the order is read first and its current version used';

interface VersionOption {
  readonly version?: number;
  readonly json?: boolean;
}

/** Declares the arguments every action shares: the order id, `--version` and `--json`. */
function actionCommand(order: Command, name: string, description: string): Command {
  return order
    .command(name)
    .description(description)
    .argument('<id>', 'order id')
    .option('--version <n>', VERSION_HELP, parsePositiveInt)
    .option('--json', "print the API's JSON answer as is");
}

/** Registers the lifecycle actions of an order: submit, release, dispatch, ..., progress, hold, cancel. */
export function registerOrderActionCommands(order: Command, context: CliContext): void {
  const { io } = context;

  const send = async (api: ApiClient, id: string, action: string, body: unknown, json: boolean | undefined): Promise<void> => {
    const result = await api.post<OrderDetail>(`/api/v1/orders/${segment(id)}/${action}`, body);
    if (json) return printJson(io, result);
    io.out(orderSummary(result ?? {}));
  };
  const versionOf = async (api: ApiClient, id: string, version: number | undefined): Promise<number> => version ?? (await currentVersion(api, id)).version;

  for (const action of SIMPLE_ORDER_ACTIONS) {
    actionCommand(order, action, DESCRIPTIONS[action] ?? action)
      .option('--note <text>', 'a note for the record')
      .action(async (id: string, options: VersionOption & { note?: string }, command: Command) => {
        const { api } = await context.connect(command);
        await send(api, id, action, simpleActionBody(await versionOf(api, id, options.version), options.note), options.json);
      });
  }

  for (const action of REASONED_ORDER_ACTIONS) {
    actionCommand(order, action, DESCRIPTIONS[action] ?? action)
      .requiredOption('--reason <text>', 'why (kept in the audit log)')
      .action(async (id: string, options: VersionOption & { reason: string }, command: Command) => {
        const { api } = await context.connect(command);
        await send(api, id, action, reasonedActionBody(await versionOf(api, id, options.version), options.reason), options.json);
      });
  }

  actionCommand(order, 'release', 'approve and release a submitted order with your electronic signature (you re-enter your password)')
    .option('--meaning <text>', 'what your signature means (server default: "approved for production")')
    .option('--password-file <file>', 'read your password from a file; else prompted without echo on a terminal, else read from stdin')
    .action(async (id: string, options: VersionOption & { meaning?: string; passwordFile?: string }, command: Command) => {
      const { api, connection } = await context.connect(command);
      // Show what is being signed before asking for the signature.
      const current = await currentVersion(api, id);
      io.err(`signing order ${current.number} revision ${current.revision} (content ${current.contentHash}) as ${connection.login?.username ?? 'you'}`);
      const password = await readSecret(io, options.passwordFile, 'password (electronic signature): ');
      await send(api, id, 'release', releaseBody(options.version ?? current.version, password, options.meaning), options.json);
    });

  actionCommand(order, 'progress', 'report quantities for an operation of a running order, with material lots consumed')
    .requiredOption('--operation <seq>', 'the operation seq', parsePositiveInt)
    .requiredOption('--good <qty>', 'good quantity (decimal)', parseDecimal)
    .option('--scrap <qty>', 'scrap quantity (decimal)', parseDecimal)
    .option('--lot <line:lot:qty>', 'a material lot consumed, e.g. 1:LOT-7:2.5; repeat for several', collect(parseLot))
    .action(async (id: string, options: VersionOption & ProgressOptions, command: Command) => {
      const { api } = await context.connect(command);
      await send(api, id, 'progress', progressBody(await versionOf(api, id, options.version), options), options.json);
    });
}
