import type { Command } from 'commander';
import type { PolicyChangeView, SitePolicyView } from '../api-types.js';
import { usageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatKeyValues, printable } from '../text-format.js';

/** Shows a setting: role pairs as `admin+auditor`, other values as JSON. */
function formatSetting(value: unknown): string {
  if (Array.isArray(value) && value.every((pair) => Array.isArray(pair))) {
    return value.length === 0 ? 'none' : value.map((pair: unknown[]) => pair.join('+')).join(', ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function printPolicy(io: CliIo, policy: SitePolicyView): void {
  printLines(io, formatKeyValues(Object.entries(policy).map(([key, value]) => [key, formatSetting(value)] as const)));
}

/**
 * Parses `KEY=VALUE` of `policy set`. The value is JSON (`true`, `15`,
 * `[["planner","approver"]]`), or for role pairs the short form
 * `planner+approver,admin+auditor` (`none` for no pairs).
 */
export function parseSetting(text: string): [string, unknown] {
  const equals = text.indexOf('=');
  if (equals <= 0) throw usageError(`"${text}" is not KEY=VALUE, e.g. sessionIdleMinutes=15`);
  const key = text.slice(0, equals).trim();
  const raw = text.slice(equals + 1).trim();
  if (key === 'conflictingRoles' && !raw.startsWith('[')) {
    if (raw === 'none' || raw === '') return [key, []];
    return [key, raw.split(',').map((pair) => pair.trim().split('+').map((role) => role.trim()))];
  }
  try {
    return [key, JSON.parse(raw) as unknown];
  } catch {
    return [key, raw];
  }
}

/** Registers `policy show|set`: the site's access policy (admins change it; auditors read it). */
export function registerPolicyCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const policy = program.command('policy').description('the site access policy: MFA for everyone, conflicting roles, session lifetimes, lockout');

  withJsonOption(policy.command('show').description('show the policy in force (admins, auditors)')).action(async (options: { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const current = await api.get<SitePolicyView>('/api/v1/policy');
    if (options.json) return printJson(io, current);
    printPolicy(io, current);
  });

  withJsonOption(
    policy
      .command('set')
      .description('change settings (admins), all at once or none: e.g. mfaRequiredForAll=true sessionIdleMinutes=15 conflictingRoles=planner+approver,admin+auditor')
      .argument('<setting...>', 'KEY=VALUE pairs'),
  ).action(async (settings: string[], options: { json?: boolean }, command: Command) => {
    const patch = Object.fromEntries(settings.map(parseSetting));
    const { api } = await context.connect(command);
    const change = await api.patch<PolicyChangeView>('/api/v1/policy', patch);
    if (options.json) return printJson(io, change);
    printPolicy(io, change.policy);
    for (const conflict of change.conflicts) io.err(`warning: ${printable(conflict.username)} now holds conflicting roles: ${printable(conflict.reason)}; change them with forgeline user roles`);
  });
}
