import type { Command } from 'commander';
import type { AuditEntryView, AuditPage } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { parseInteger, parseOutcome, parsePositiveInt, parseTime } from '../option-parsers.js';
import { auditQuery, type AuditListOptions } from '../order-requests.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable, printable } from '../text-format.js';

/** The audit entries as a table, oldest first as the log runs. */
export function auditTable(entries: readonly AuditEntryView[]): string[] {
  return formatTable<AuditEntryView>(
    [
      { heading: 'index', value: (row) => row.index, right: true },
      { heading: 'at', value: (row) => row.at },
      { heading: 'actor', value: (row) => row.actor ?? row.actorId ?? '' },
      { heading: 'kind', value: (row) => row.kind },
      { heading: 'outcome', value: (row) => row.outcome },
      { heading: 'order', value: (row) => (row.orderId ? `${row.orderId}${row.revision ? ` r${row.revision}` : ''}` : '') },
      { heading: 'detail', value: (row) => (row.detail === null || row.detail === undefined ? '' : printable(row.detail).slice(0, 80)) },
    ],
    entries,
  );
}

/** Registers `audit list`: the audit log, filtered and paged. */
export function registerAuditCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const audit = program.command('audit').description('the append-only audit log');

  withJsonOption(
    audit
      .command('list')
      .description('list audit entries (auditors and admins)')
      .option('--order <id>', 'only entries about this order')
      .option('--actor <username>', 'only entries by this user')
      .option('--kind <kind>', 'only entries of this kind, e.g. order.release')
      .option('--outcome <ok|denied>', 'only allowed or only denied attempts', parseOutcome)
      .option('--since <time>', 'from this time (date or RFC 3339 timestamp)', parseTime)
      .option('--until <time>', 'up to this time', parseTime)
      .option('--limit <n>', 'entries per page', parsePositiveInt)
      .option('--after <index>', 'continue after this entry index', (value: string) => parseInteger(value, 0)),
  ).action(async (options: AuditListOptions & { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<AuditPage>('/api/v1/audit/entries', auditQuery(options));
    if (options.json) return printJson(io, page);
    printLines(io, auditTable(page.items));
    if (page.nextAfter !== null && page.nextAfter !== undefined) io.err(`more entries: --after ${page.nextAfter}`);
  });
}
