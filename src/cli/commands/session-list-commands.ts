import type { Command } from 'commander';
import { segment } from '../api-client.js';
import type { ItemsPage, SessionView } from '../api-types.js';
import { usageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable } from '../text-format.js';

interface RevokeOptions {
  readonly others?: boolean;
  readonly user?: string;
}

/** Registers `session list|revoke`: live sign-in sessions, your own or (admins) anyone's. */
export function registerSessionListCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const session = program.command('session').description('live sign-in sessions: list them, end one or all (yours; admins: anyone\'s)');

  withJsonOption(
    session
      .command('list')
      .description('list your live sessions (* marks this one), or a user\'s with --user (admins, auditors)')
      .option('--user <user>', 'username or id of another user'),
  ).action(async (options: { json?: boolean; user?: string }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<ItemsPage<SessionView>>(options.user === undefined ? '/api/v1/sessions' : `/api/v1/users/${segment(options.user)}/sessions`);
    if (options.json) return printJson(io, page);
    printLines(
      io,
      formatTable<SessionView>(
        [
          { heading: 'id', value: (row) => `${row.id}${row.current ? ' *' : ''}` },
          { heading: 'user', value: (row) => row.username },
          { heading: 'from', value: (row) => row.source ?? '' },
          { heading: 'signed in', value: (row) => row.createdAt },
          { heading: 'last seen', value: (row) => row.lastSeenAt },
          { heading: 'idle until', value: (row) => row.idleExpiresAt },
          { heading: 'expires', value: (row) => row.expiresAt },
        ],
        page.items,
      ),
    );
  });

  session
    .command('revoke')
    .description('end a session of yours by id, all your others (--others), or every session of a user (--user, admins)')
    .argument('[id]', 'the session id, from forgeline session list')
    .option('--others', 'end all your sessions except this one (sign out everywhere else)')
    .option('--user <user>', "end every session of this user (admins)")
    .action(async (id: string | undefined, options: RevokeOptions, command: Command) => {
      const chosen = [id !== undefined, options.others === true, options.user !== undefined].filter(Boolean).length;
      if (chosen !== 1) throw usageError('name exactly one of: a session id, --others, --user USER');
      const { api } = await context.connect(command);
      if (id !== undefined) {
        await api.delete(`/api/v1/sessions/${segment(id)}`);
        io.out(`revoked session ${id}`);
        return;
      }
      const path = options.user === undefined ? '/api/v1/sessions' : `/api/v1/users/${segment(options.user)}/sessions`;
      const { revoked } = await api.request<{ revoked: number }>('DELETE', path, {});
      io.out(`revoked ${revoked} session${revoked === 1 ? '' : 's'}${options.user === undefined ? ' (this one stays)' : ` of ${options.user}`}`);
    });
}
