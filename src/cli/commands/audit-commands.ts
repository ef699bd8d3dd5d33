import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import type { AuditEntryView, AuditPage } from '../api-types.js';
import type { CliContext } from '../cli-context.js';
import { parseInteger, parseOutcome, parsePositiveInt, parseTime } from '../option-parsers.js';
import { auditQuery, type AuditListOptions } from '../order-requests.js';
import { printJson, printLines, withJsonOption } from '../output.js';
import { formatTable, printable } from '../text-format.js';
import { registerForwardCommand } from './forward-command.js';
import { registerWitnessCommand } from './witness-command.js';

/** The audit entries as a table, in the order the server answered them. */
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
      .option('--search <text>', 'only entries whose recorded text contains this (reason, number, lot…)')
      .option('--limit <n>', 'entries per page', parsePositiveInt)
      .option('--after <index>', 'continue after this entry index', (value: string) => parseInteger(value, 0))
      .option('--newest-first', 'the latest entries first (page on with --before)')
      .option('--before <index>', 'only entries before this index: continues a --newest-first listing', (value: string) => parseInteger(value, 0)),
  ).action(async (options: AuditListOptions & { json?: boolean }, command: Command) => {
    const { api } = await context.connect(command);
    const page = await api.get<AuditPage>('/api/v1/audit/entries', auditQuery(options));
    if (options.json) return printJson(io, page);
    printLines(io, auditTable(page.items));
    if (page.nextAfter !== null && page.nextAfter !== undefined) io.err(`more entries: --after ${page.nextAfter}`);
    if (page.nextBefore !== null && page.nextBefore !== undefined) io.err(`more entries: --newest-first --before ${page.nextBefore}`);
  });

  audit
    .command('export')
    .description('write the audit log of a data folder as JSON Lines, every entry covered by a signed checkpoint')
    .requiredOption('--out <file>', 'the export file (written whole or not at all)')
    .option('--data <dir>', `the data folder (env FORGELINE_DATA, default ${context.config.dataDir})`)
    .option('--database-url <url>', 'the PostgreSQL database of the data folder (env FORGELINE_DATABASE_URL)')
    .action(async (options: { out: string; data?: string; databaseUrl?: string }) => {
      const { exportAuditLog } = await import('../../server/index.js');
      const result = await exportAuditLog({
        dataDir: resolve(options.data ?? context.config.dataDir),
        databaseUrl: options.databaseUrl ?? context.config.databaseUrl ?? undefined,
        out: options.out,
      });
      io.out(`exported ${result.entries} entries and ${result.checkpoints} checkpoints to ${options.out}`);
      io.out(`verify it anywhere with: forgeline audit verify ${options.out} --key '${result.verifierKey}'`);
    });

  withJsonOption(
    audit
      .command('verify [file]')
      .description('verify an export offline with the log\'s public key, or (with --data) the live log of a data folder')
      .option('--key <keyline>', 'the log\'s verifier key line, from GET /api/v1/audit/key or the export command')
      .option('--witness <keyline>', 'a witness key whose cosignatures count (repeatable)', (value: string, all: string[] = []) => [...all, value])
      .option('--threshold <n>', 'how many witness cosignatures the latest checkpoint needs', parsePositiveInt)
      .option('--data <dir>', 'verify the live log of this data folder instead of a file')
      .option('--database-url <url>', 'the PostgreSQL database of the data folder')
      .option('--checkpoint <file>', 'a checkpoint note kept elsewhere that the live log must still match (repeatable)', (value: string, all: string[] = []) => [...all, value]),
  ).action(async (file: string | undefined, options: { key?: string; witness?: string[]; threshold?: number; data?: string; databaseUrl?: string; checkpoint?: string[]; json?: boolean }) => {
    const server = await import('../../server/index.js');
    let result;
    if (options.data !== undefined) {
      if (file !== undefined) throw usageError('give either an export file or --data, not both');
      result = await server.verifyLiveAuditLog({ dataDir: resolve(options.data), databaseUrl: options.databaseUrl ?? context.config.databaseUrl ?? undefined, checkpointFiles: options.checkpoint ?? [] });
    } else {
      if (file === undefined) throw usageError('name the export file to verify (or --data DIR for a live log)');
      if (options.key === undefined) throw usageError('--key <keyline> is required to verify an export: the file\'s own claims are never trusted');
      result = await server.verifyAuditExport(file, { keyLine: options.key, witnessKeys: options.witness ?? [], ...(options.threshold !== undefined ? { witnessThreshold: options.threshold } : {}) });
    }
    if (options.json) printJson(io, result);
    if (!result.ok) {
      const { failure } = result;
      throw new CliError('audit-verification-failed', `${failure.code} at line ${failure.line}${failure.index !== undefined ? `, entry ${failure.index}` : ''}: ${failure.message}`);
    }
    if (!options.json) {
      io.out(`verified: ${result.entries} entries, ${result.checkpoints} signed checkpoints`);
      if (result.lastCheckpoint) io.out(`latest checkpoint: size ${result.lastCheckpoint.size}, root ${result.lastCheckpoint.rootHashBase64}`);
      if (result.uncoveredEntries > 0) io.out(`note: ${result.uncoveredEntries} entries after the latest checkpoint are not covered by a signature yet`);
    }
  });

  registerWitnessCommand(audit, context);
  registerForwardCommand(audit, context);
}
