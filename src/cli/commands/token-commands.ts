import type { Command } from 'commander';
import { segment } from '../api-client.js';
import type { ApiTokenCreated, ApiTokenView, ItemsPage } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { usageError } from '../cli-error.js';
import { collect, parseExpiresInDays } from '../option-parsers.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable } from '../text-format.js';

/** The options of `token create`. */
export interface TokenCreateOptions {
  readonly name: string;
  readonly action: readonly string[];
  readonly scope?: string;
  readonly expiresIn?: number;
  readonly user?: string;
  readonly json?: boolean;
}

/** The body of `POST /api/v1/tokens` from `token create`'s options. */
export function newTokenBody(options: TokenCreateOptions) {
  return {
    name: options.name,
    actions: [...options.action],
    scopeNodeId: options.scope ?? null,
    ...(options.expiresIn !== undefined ? { expiresInDays: options.expiresIn } : {}),
    ...(options.user !== undefined ? { user: options.user } : {}),
  };
}

/** Shows when and from where a token was last used. */
function lastUse(token: ApiTokenView): string {
  if (token.lastUsedAt === null) return 'never';
  return token.lastUsedSource ? `${token.lastUsedAt} from ${token.lastUsedSource}` : token.lastUsedAt;
}

/** Registers `token create|list|revoke`: API tokens for integrations, such as an ERP creating draft orders. */
export function registerTokenCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const token = program.command('token').description('API tokens for integrations: scoped to actions and a plant node, expiring, revocable');

  withJsonOption(
    token
      .command('create')
      .description('mint an API token; it is printed once on standard output (store it in the integration\'s secret store), never again')
      .requiredOption('--name <name>', 'what the token is for, e.g. "SAP production"')
      .requiredOption('--action <action>', 'an action the token may do, e.g. order.create (repeatable)', collect((value: string) => value))
      .option('--scope <nodeId>', 'confine the token to this plant node and below (default: wherever the user\'s roles reach)')
      .option('--expires-in <days>', 'lifetime in days, e.g. 90d (default 90, at most 365)', parseExpiresInDays)
      .option('--user <user>', 'mint it for this user, e.g. a service account (admins)'),
  ).action(async (options: TokenCreateOptions, command: Command) => {
    if (options.scope === '') throw usageError('--scope is empty; give a plant node id');
    const { api } = await context.connect(command);
    const created = await api.post<ApiTokenCreated>('/api/v1/tokens', newTokenBody(options));
    if (options.json) return printJson(io, created);
    io.err(`created API token "${created.name}" (${created.id}) for ${created.username}: ${created.actions.join(', ')}` +
      `${created.scopeNodeId ? ` within ${created.scopeNodeId}` : ''}, expires ${created.expiresAt}`);
    io.err('the token follows on standard output; it is shown only this once');
    io.out(created.token);
  });

  withJsonOption(
    token
      .command('list')
      .description('list API tokens with their status and last use: yours, or another user\'s or everyone\'s (admins, auditors)')
      .option('--user <user>', 'the tokens of this user')
      .option('--all', 'the tokens of every user'),
  ).action(async (options: { user?: string; all?: boolean; json?: boolean }, command: Command) => {
    if (options.user !== undefined && options.all) throw usageError('give --user or --all, not both');
    const { api } = await context.connect(command);
    const page = await api.get<ItemsPage<ApiTokenView>>('/api/v1/tokens', { user: options.user, all: options.all ? 'true' : undefined });
    if (options.json) return printJson(io, page);
    printLines(
      io,
      formatTable<ApiTokenView>(
        [
          { heading: 'id', value: (row) => row.id },
          { heading: 'name', value: (row) => row.name },
          { heading: 'user', value: (row) => row.username },
          { heading: 'actions', value: (row) => row.actions.join(',') },
          { heading: 'scope', value: (row) => row.scopeNodeId ?? '-' },
          { heading: 'status', value: (row) => row.status },
          { heading: 'expires', value: (row) => row.expiresAt },
          { heading: 'last used', value: lastUse },
        ],
        page.items,
      ),
    );
  });

  token
    .command('revoke')
    .description('revoke an API token at once (yours; admins: anyone\'s)')
    .argument('<id>', 'the token\'s id (forgeline token list)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api } = await context.connect(command);
      await api.delete(`/api/v1/tokens/${segment(id)}`);
      io.out(`revoked API token ${id}`);
    });
}
