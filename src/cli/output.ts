import type { Command } from 'commander';
import type { RoleView } from './api-types.js';
import type { CliIo } from './cli-io.js';

/** Adds `--json` to a read command: print the API's JSON verbatim instead of a table. */
export function withJsonOption(command: Command): Command {
  return command.option('--json', "print the API's JSON answer as is, for scripts");
}

/** Prints a value as indented JSON on standard output. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Prints lines on standard output. */
export function printLines(io: CliIo, lines: readonly string[]): void {
  for (const line of lines) io.out(line);
}

/** Shows roles as `approver@<node id>, planner`. */
export function formatRoles(roles: readonly RoleView[]): string {
  return roles.map((role) => (role.scopeNodeId ? `${role.role}@${role.scopeNodeId}` : role.role)).join(', ');
}

/** Shows a yes/no flag. */
export function yesNo(value: boolean | null | undefined): string {
  return value ? 'yes' : 'no';
}
