import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ForwardErrorCode, ForwardEvent } from '../../audit/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError, usageError, type CliErrorCode } from '../cli-error.js';
import { readTextFile } from '../data-file.js';
import { parsePositiveInt } from '../option-parsers.js';
import { waitForStopSignal } from '../stop-signal.js';

interface ForwardOptions {
  readonly to: string;
  readonly state: string;
  readonly data?: string;
  readonly databaseUrl?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly interval?: number;
  readonly batchSize?: number;
  readonly once?: boolean;
}

/** The CLI's code for each forwarding failure: what the one error line starts with. */
const CLI_CODES: Readonly<Record<ForwardErrorCode, CliErrorCode>> = {
  'bad-target': 'usage',
  'state-unreadable': 'file-unreadable',
  'state-invalid': 'invalid-file',
  'state-unwritable': 'file-unreadable',
  'state-mismatch': 'invalid-file',
  'target-mismatch': 'invalid-file',
  'target-unreachable': 'unreachable',
  'target-untrusted': 'untrusted-certificate',
  'target-failed': 'unreachable',
  'source-failed': 'unreachable',
  'log-gap': 'audit-verification-failed',
};

/** Seconds between polls: a positive decimal up to a day. */
function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.1 || seconds > 86_400) throw new InvalidArgumentError('must be a number of seconds from 0.1 to 86400');
  return seconds;
}

function describeEvent(event: ForwardEvent, label: string): string {
  switch (event.type) {
    case 'resumed':
      return `forwarding to ${label} from entry ${event.nextIndex}${event.alreadyHeld > 0 ? ` (the target already held ${event.alreadyHeld} entries past the saved state; not sent again)` : ''}`;
    case 'delivered':
      return `forwarded entries ${event.first}..${event.last}`;
    case 'retrying':
      return `warning: ${event.error.message}; retrying from the saved index in ${event.delayMs / 1000} s`;
  }
}

/**
 * Registers `audit forward`: streams the audit log of a data folder to a target, resuming from
 * a state file. Runs until SIGINT or SIGTERM, or with `--once` forwards what exists and exits.
 * Human messages go to standard error, since standard output may be the target.
 */
export function registerForwardCommand(audit: Command, context: CliContext): void {
  const { io, config } = context;
  audit
    .command('forward')
    .description('stream the audit log of a data folder to a SIEM (RFC 5424 syslog over TLS) or as JSON Lines to a file or stdout; resumes where it stopped')
    .requiredOption('--to <target>', 'stdout, file:PATH (JSON Lines) or syslog+tls://HOST:PORT (RFC 5425)')
    .requiredOption('--state <file>', 'where the forwarder keeps its place: one state file per target')
    .option('--data <dir>', `the data folder (env FORGELINE_DATA, default ${config.dataDir})`)
    .option('--database-url <url>', 'the PostgreSQL database of the data folder (env FORGELINE_DATABASE_URL)')
    .option('--ca <file>', 'syslog+tls: PEM certificate authorities to trust (default: the system\'s)')
    .option('--cert <file>', 'syslog+tls: a PEM client certificate, for servers that authenticate senders')
    .option('--key <file>', 'syslog+tls: the PEM private key of --cert')
    .option('--interval <seconds>', 'seconds between polls for new entries (default 5)', parseSeconds)
    .option('--batch-size <n>', 'entries per confirmed batch (default 500)', parsePositiveInt)
    .option('--once', 'forward what the log holds now, then exit (for cron and tests)')
    .action(async (options: ForwardOptions, command: Command) => {
      // Listen for a stop at once, so Ctrl-C during start-up still ends cleanly after the batch in hand.
      const stopSignal = options.once ? undefined : waitForStopSignal();
      // The program's own --ca is parsed before the subcommand's, so read it with the globals.
      const caFile = command.optsWithGlobals<{ ca?: string }>().ca;
      const forwarding = await import('../../audit/index.js');
      try {
        const spec = forwarding.parseTargetSpec(options.to);
        const statePath = resolve(options.state);
        if (spec.kind === 'file' && resolve(spec.path) === statePath) throw usageError('--state must be a file of its own, not the --to file');
        const tls = {
          ...(caFile !== undefined ? { ca: await readTextFile(caFile) } : {}),
          ...(options.cert !== undefined ? { cert: await readTextFile(options.cert) } : {}),
          ...(options.key !== undefined ? { key: await readTextFile(options.key) } : {}),
        };
        const server = await import('../../server/index.js');
        const { openDatabase } = await import('../../store/index.js');
        const dataDir = resolve(options.data ?? config.dataDir);
        const manifest = await server.readManifest(dataDir);
        const origin = manifest.audit?.origin;
        const target = forwarding.createForwardTarget(spec, { writeLine: (line) => io.out(line), origin, hostname: hostname(), tls });
        const store = await openDatabase(server.storeOptionsFor(dataDir, manifest, options.databaseUrl ?? config.databaseUrl ?? undefined));
        try {
          const forwarder = new forwarding.AuditForwarder({
            source: forwarding.storeEntrySource(store),
            target,
            state: new forwarding.ForwardStateFile(statePath),
            origin,
            batchSize: options.batchSize,
            intervalMs: (options.interval ?? 5) * 1000,
            onEvent: (event) => {
              if (!options.once || event.type !== 'delivered') io.err(describeEvent(event, target.label));
            },
          });
          if (stopSignal === undefined) {
            const summary = await forwarder.forwardOnce();
            io.err(`forwarded ${summary.forwarded} entries to ${target.label}; next index ${summary.nextIndex}`);
            return;
          }
          const controller = new AbortController();
          void stopSignal.then((signal) => {
            io.err(`${signal}: stopping after the batch in hand`);
            controller.abort();
          });
          const summary = await forwarder.run(controller.signal);
          io.err(`stopped: forwarded ${summary.forwarded} entries; next index ${summary.nextIndex}`);
        } finally {
          await store.close();
        }
      } catch (error) {
        if (error instanceof forwarding.ForwardError) throw new CliError(CLI_CODES[error.code], error.message);
        throw error;
      }
    });
}
