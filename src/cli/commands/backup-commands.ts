import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { BackupPhase, BackupProgress } from '../../backup/index.js';
import type { CliContext } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { ProgressBar } from '../progress-bar.js';

interface BackupCommandOptions {
  readonly out: string;
  readonly data?: string;
  readonly databaseUrl?: string;
  readonly passphraseFile?: string;
}

interface RestoreCommandOptions {
  readonly data?: string;
  readonly databaseUrl?: string;
  readonly passphraseFile?: string;
  readonly force?: boolean;
  readonly auditKey?: string;
}

const PHASE_LABELS: Record<BackupPhase, string> = {
  snapshot: 'copying the database (pages)',
  dump: 'pg_dump (bytes)',
  encrypt: 'encrypting (bytes)',
  decrypt: 'decrypting and checking (bytes)',
  load: 'loading into a temporary schema',
  verify: 'verifying the audit log (entries)',
};

/** A progress bar per phase on standard error (drawn only on a terminal). */
function progressBars(io: CliIo): { listener: (progress: BackupProgress) => void; finish(): void } {
  let phase: BackupPhase | undefined;
  let bar: ProgressBar | undefined;
  return {
    listener(progress) {
      if (progress.phase !== phase) {
        bar?.finish();
        phase = progress.phase;
        bar = new ProgressBar(io, PHASE_LABELS[progress.phase], progress.total);
      }
      bar?.update(progress.done, progress.total ?? undefined);
    },
    finish: () => bar?.finish(),
  };
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Registers `backup` and `restore`: encrypted backups of a data folder, taken while it serves, and checked restores. */
export function registerBackupCommands(program: Command, context: CliContext): void {
  const { io, config } = context;
  const passphraseHelp = 'a file holding the backup passphrase (else env FORGELINE_BACKUP_PASSPHRASE)';

  program
    .command('backup')
    .description('write a consistent, encrypted backup of a data folder while its server runs (database, manifest, TLS and keys)')
    .requiredOption('--out <file>', 'the backup file (written whole or not at all, mode 0600)')
    .option('--data <dir>', `the data folder (env FORGELINE_DATA, default ${config.dataDir})`)
    .option('--database-url <url>', 'the PostgreSQL database of the data folder (env FORGELINE_DATABASE_URL)')
    .option('--passphrase-file <file>', passphraseHelp)
    .action(async (options: BackupCommandOptions) => {
      // Loaded on demand: the API commands need neither SQLite nor pg.
      const { createBackup, readBackupPassphrase } = await import('../../backup/index.js');
      const passphrase = await readBackupPassphrase({ file: options.passphraseFile });
      const bars = progressBars(io);
      try {
        const result = await createBackup({
          dataDir: resolve(options.data ?? config.dataDir),
          out: options.out,
          databaseUrl: options.databaseUrl ?? config.databaseUrl ?? undefined,
          passphrase,
          onProgress: bars.listener,
        });
        bars.finish();
        const { audit } = result.manifest;
        io.out(`backed up ${result.manifest.engine} data folder to ${result.out} (${mebibytes(result.bytes)}, ${result.manifest.parts.length} parts)`);
        io.out(`audit log: ${audit.size} entries${audit.latestCheckpoint ? `, latest checkpoint at size ${audit.latestCheckpoint.size}` : ', no signed checkpoint yet'}`);
      } finally {
        bars.finish();
      }
    });

  program
    .command('restore')
    .description('check a backup (every chunk, part, and the audit log against its checkpoints), then restore it into a data folder')
    .argument('<file>', 'the backup file')
    .option('--data <dir>', `the data folder to restore into (env FORGELINE_DATA, default ${config.dataDir})`)
    .option('--database-url <url>', 'for a PostgreSQL backup: the database to restore into (env FORGELINE_DATABASE_URL)')
    .option('--passphrase-file <file>', passphraseHelp)
    .option('--force', 'replace an initialized data folder (and schema), keeping the old one as DIR.before-restore-<time>')
    .option('--audit-key <keyline>', 'refuse the backup unless its audit log has this verifier key (from GET /api/v1/audit/key)')
    .action(async (file: string, options: RestoreCommandOptions) => {
      const { readBackupPassphrase, restoreBackup } = await import('../../backup/index.js');
      const passphrase = await readBackupPassphrase({ file: options.passphraseFile });
      const bars = progressBars(io);
      try {
        const result = await restoreBackup({
          file,
          dataDir: resolve(options.data ?? config.dataDir),
          databaseUrl: options.databaseUrl ?? config.databaseUrl ?? undefined,
          passphrase,
          force: options.force === true,
          auditKey: options.auditKey,
          onProgress: bars.listener,
        });
        bars.finish();
        const { verification } = result;
        io.out(`restored the backup of ${result.manifest.createdAt} into ${result.dataDir}${result.schema ? ` (PostgreSQL schema ${result.schema})` : ''}`);
        io.out(`audit log verified: ${verification.entries} entries, ${verification.checkpoints} signed checkpoints${verification.uncoveredEntries > 0 ? `, ${verification.uncoveredEntries} after the latest` : ''}`);
        if (result.keptFolder) io.out(`the previous data folder is kept at ${result.keptFolder}`);
        if (result.keptSchema) io.out(`the previous PostgreSQL schema is kept as ${result.keptSchema}`);
      } finally {
        bars.finish();
      }
    });
}
