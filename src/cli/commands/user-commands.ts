import type { Command } from 'commander';
import type { ItemsPage, UserView } from '../api-types.js';
import { segment } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { collect, parseRole, type RoleAssignmentInput } from '../option-parsers.js';
import { formatRoles, printJson, printLines, withJsonOption, yesNo } from '../output.js';
import { readSecretFile } from '../secret-input.js';
import { formatTable } from '../text-format.js';

/** The options of `user add`. */
export interface UserAddOptions {
  readonly role: readonly RoleAssignmentInput[];
  readonly displayName?: string;
  readonly permanent?: boolean;
}

/** The body of `POST /api/v1/users` from `user add`'s arguments: the password is temporary unless `--permanent`. */
export function newUserBody(username: string, options: UserAddOptions, password: string) {
  return {
    username,
    displayName: options.displayName ?? username,
    password,
    roles: options.role.map((assignment) => ({ role: assignment.role, scopeNodeId: assignment.scopeNodeId })),
    temporaryPassword: !options.permanent,
  };
}

/** Registers `user add|list|roles|disable`: accounts and their roles (admins). */
export function registerUserCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const user = program.command('user').description('manage user accounts and their roles (admins)');

  user
    .command('add')
    .description('create a user; the password is temporary (to be changed at first sign-in) unless --permanent')
    .argument('<username>', 'lowercase login name')
    .requiredOption('--role <role[@scopeNodeId]>', 'a role, optionally limited to a plant node; repeat for several', collect(parseRole))
    .requiredOption('--password-file <file>', 'a file holding the initial password')
    .option('--display-name <name>', 'the full name shown in the audit log (default: the username)')
    .option('--permanent', 'the password need not be changed at first sign-in')
    .action(async (username: string, options: UserAddOptions & { passwordFile: string }, command: Command) => {
      const { api } = await context.connect(command);
      const password = await readSecretFile(options.passwordFile);
      const created = await api.post<UserView>('/api/v1/users', newUserBody(username, options, password));
      io.out(`created user ${created.username} (${created.id}) with roles ${formatRoles(created.roles)}`);
    });

  withJsonOption(user.command('list').description('list users and their roles')).action(async (options: { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<ItemsPage<UserView>>('/api/v1/users');
    if (options.json) return printJson(io, page);
    printLines(
      io,
      formatTable<UserView>(
        [
          { heading: 'username', value: (row) => row.username },
          { heading: 'name', value: (row) => row.displayName },
          { heading: 'roles', value: (row) => formatRoles(row.roles) },
          { heading: 'disabled', value: (row) => yesNo(row.disabled) },
          { heading: 'must change', value: (row) => yesNo(row.passwordMustChange) },
          { heading: 'mfa', value: (row) => (row.mfaEnabled === undefined ? '' : yesNo(row.mfaEnabled)) },
          { heading: 'created', value: (row) => row.createdAt },
        ],
        page.items,
      ),
    );
  });

  user
    .command('roles')
    .description("replace a user's roles (not your own): checked against the site policy's conflicting roles; their sessions end")
    .argument('<user>', 'username or id')
    .requiredOption('--role <role[@scopeNodeId]>', 'a role, optionally limited to a plant node; repeat for several (the full new set)', collect(parseRole))
    .action(async (who: string, options: { role: readonly RoleAssignmentInput[] }, command: Command) => {
      const { api } = await context.connect(command);
      const changed = await api.put<UserView>(`/api/v1/users/${segment(who)}/roles`, { roles: options.role.map((a) => ({ role: a.role, scopeNodeId: a.scopeNodeId })) });
      io.out(`${changed.username} now has the roles ${formatRoles(changed.roles)}; their sessions have ended`);
    });

  user
    .command('disable')
    .description('disable a user: their sessions end and they can no longer sign in')
    .argument('<user>', 'username or id')
    .action(async (who: string, _options: unknown, command: Command) => {
      const { api } = await context.connect(command);
      await api.post(`/api/v1/users/${segment(who)}/disable`);
      io.out(`disabled user ${who}`);
    });

  user
    .command('enable')
    .description('let a disabled user sign in again, with the roles they had (their unexpired API tokens work again too)')
    .argument('<user>', 'username or id')
    .action(async (who: string, _options: unknown, command: Command) => {
      const { api } = await context.connect(command);
      await api.post(`/api/v1/users/${segment(who)}/enable`);
      io.out(`enabled user ${who}`);
    });
}
