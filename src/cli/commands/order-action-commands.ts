import type { Command } from 'commander';
import type { OrderDetail } from '../api-types.js';
import { segment, type ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { collect, parseDecimal, parseLot, parsePositiveInt } from '../option-parsers.js';
import { orderSummary } from '../order-format.js';
import {
  RELEASED_ORDER_STATES,
  SIGNED_ORDER_ACTIONS,
  SIMPLE_ORDER_ACTIONS,
  progressBody,
  reasonedActionBody,
  releaseBody,
  signatureFields,
  simpleActionBody,
  type ProgressOptions,
  type SignatureInput,
} from '../order-requests.js';
import { CliError } from '../cli-error.js';
import { printJson } from '../output.js';
import { printable } from '../text-format.js';
import { promptLine, readSecret } from '../secret-input.js';
import { currentVersion } from './order-version.js';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  submit: 'submit a draft for approval',
  dispatch: 'dispatch a released order to its work center',
  start: 'start a dispatched order',
  pause: 'pause a running order',
  resume: 'resume a paused order',
  complete: 'complete a running or paused order',
  close: 'close a completed order with your electronic signature',
  unhold: 'release a quality hold with your electronic signature (a running order comes back paused)',
  hold: 'put an order on quality hold',
  cancel: 'cancel an order (after release only by an approver, with an electronic signature)',
};

/** The most orders one dispatch call takes (the server's limit). */
const DISPATCH_CALL_LIMIT = 100;

/** One order of a dispatch of several, as the server answers it. */
interface DispatchResult {
  readonly id: string;
  readonly ok: boolean;
  readonly version?: number;
  readonly code?: string;
  readonly detail?: string;
}

const VERSION_HELP = 'the version your change was made against; when left out, the order is read first and its current version used';

interface VersionOption {
  readonly version?: number;
  readonly json?: boolean;
}

/** The options of a signed action. */
interface SignatureOptions extends VersionOption {
  readonly meaning?: string;
  readonly passwordFile?: string;
  readonly totp?: string;
}

/** Adds the options of an electronic signature to an action. */
function signatureOptions(command: Command): Command {
  return command
    .option('--meaning <text>', 'what your signature means (the server has a default per action, e.g. "approved for production")')
    .option('--password-file <file>', 'read your password from a file; else prompted without echo on a terminal, else read from stdin')
    .option('--totp <code>', 'the current code of your authenticator (prompted on a terminal when left out)');
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

  for (const action of SIMPLE_ORDER_ACTIONS.filter((name) => name !== 'dispatch')) {
    actionCommand(order, action, DESCRIPTIONS[action] ?? action)
      .option('--note <text>', 'a note for the record')
      .action(async (id: string, options: VersionOption & { note?: string }, command: Command) => {
        const { api } = await context.connect(command);
        await send(api, id, action, simpleActionBody(await versionOf(api, id, options.version), options.note), options.json);
      });
  }

  order
    .command('dispatch')
    .description('dispatch released orders to their work centers (several ids: in calls of up to 100, each order checked and audited as its own dispatch)')
    .argument('<id...>', 'order ids')
    .option('--version <n>', `${VERSION_HELP} (one order only)`, parsePositiveInt)
    .option('--note <text>', 'a note for the record')
    .option('--json', "print the API's JSON answer as is")
    .action(async (ids: string[], options: VersionOption & { note?: string }, command: Command) => {
      const { api } = await context.connect(command);
      const [only] = ids;
      if (ids.length === 1 && only !== undefined) {
        await send(api, only, 'dispatch', simpleActionBody(await versionOf(api, only, options.version), options.note), options.json);
        return;
      }
      if (options.version !== undefined) throw new CliError('usage', '--version names the version of one order: leave it out when dispatching several');
      if (new Set(ids).size !== ids.length) throw new CliError('usage', 'an order id is named twice');
      await dispatchSeveral(api, ids, options.note, options.json);
    });

  /** Dispatches several orders through POST /api/v1/orders/dispatch; one line per order, and a failure when any was refused. */
  const dispatchSeveral = async (api: ApiClient, ids: readonly string[], note: string | undefined, json: boolean | undefined): Promise<void> => {
    const numbers = new Map<string, string>();
    const results: DispatchResult[] = [];
    for (let start = 0; start < ids.length; start += DISPATCH_CALL_LIMIT) {
      const orders = [];
      for (const id of ids.slice(start, start + DISPATCH_CALL_LIMIT)) {
        const current = await currentVersion(api, id);
        numbers.set(id, current.number);
        orders.push({ id, version: current.version, ...(note === undefined ? {} : { note }) });
      }
      results.push(...(await api.post<{ results: DispatchResult[] }>('/api/v1/orders/dispatch', { orders })).results);
    }
    if (json) printJson(io, { results });
    else {
      for (const result of results) {
        const name = printable(numbers.get(result.id) ?? result.id);
        io.out(result.ok ? `${name} dispatched (version ${result.version})` : `${name} refused: ${printable(result.code)}: ${printable(result.detail)}`);
      }
    }
    const refused = results.filter((result) => !result.ok).length;
    if (refused > 0) throw new CliError('orders-refused', `${refused} of ${results.length} orders refused; the others were dispatched`);
  };

  /** Shows what is being signed, then asks for the signature: password, and the one-time code when on a terminal. */
  const sign = async (api: ApiClient, id: string, action: string, options: SignatureOptions, who: string | undefined): Promise<{ version: number; signature: SignatureInput }> => {
    const current = await currentVersion(api, id);
    io.err(`signing "${action}" of order ${current.number} revision ${current.revision} (content ${current.contentHash}) as ${who ?? 'you'}`);
    const password = await readSecret(io, options.passwordFile, 'password (electronic signature): ');
    const totp = options.totp ?? (io.stdin.isTTY && options.passwordFile === undefined ? await promptLine(io, 'one-time code from your authenticator (Enter if you have none): ') : undefined);
    return { version: options.version ?? current.version, signature: { password, totp: totp === '' ? undefined : totp, meaning: options.meaning } };
  };

  for (const action of SIGNED_ORDER_ACTIONS) {
    signatureOptions(actionCommand(order, action, DESCRIPTIONS[action] ?? action))
      .option('--note <text>', 'a note for the record')
      .action(async (id: string, options: SignatureOptions & { note?: string }, command: Command) => {
        const { api, connection } = await context.connect(command);
        const { version, signature } = await sign(api, id, action, options, connection.login?.username);
        await send(api, id, action, { ...simpleActionBody(version, options.note), ...signatureFields(signature) }, options.json);
      });
  }

  actionCommand(order, 'hold', DESCRIPTIONS.hold ?? 'hold')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (id: string, options: VersionOption & { reason: string }, command: Command) => {
      const { api } = await context.connect(command);
      await send(api, id, 'hold', reasonedActionBody(await versionOf(api, id, options.version), options.reason), options.json);
    });

  signatureOptions(actionCommand(order, 'cancel', DESCRIPTIONS.cancel ?? 'cancel'))
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (id: string, options: SignatureOptions & { reason: string }, command: Command) => {
      const { api, connection } = await context.connect(command);
      const current = await currentVersion(api, id);
      if (!RELEASED_ORDER_STATES.includes(current.state)) {
        await send(api, id, 'cancel', reasonedActionBody(options.version ?? current.version, options.reason), options.json);
        return;
      }
      const { version, signature } = await sign(api, id, 'cancel', options, connection.login?.username);
      await send(api, id, 'cancel', { ...reasonedActionBody(version, options.reason), ...signatureFields(signature) }, options.json);
    });

  signatureOptions(actionCommand(order, 'release', 'approve and release a submitted order with your electronic signature (you re-enter your password)'))
    .action(async (id: string, options: SignatureOptions, command: Command) => {
      const { api, connection } = await context.connect(command);
      const { version, signature } = await sign(api, id, 'release', options, connection.login?.username);
      await send(api, id, 'release', releaseBody(version, signature), options.json);
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
