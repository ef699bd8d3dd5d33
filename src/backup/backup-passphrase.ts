/**
 * The backup passphrase: from a file the operator names, else from FORGELINE_BACKUP_PASSPHRASE.
 * A passphrase and not the data folder's keyring, because a backup must restore when the
 * folder, and its keyring with it, is lost; the operator keeps the passphrase offline.
 */
import { readFile } from 'node:fs/promises';
import { ForgelineError } from '../domain/index.js';

/** The shortest passphrase a new backup accepts: the file can be attacked offline for as long as it exists. */
export const MIN_PASSPHRASE_LENGTH = 12;

/** Where a passphrase may come from besides the environment. */
export interface PassphraseSources {
  /** `--passphrase-file`: its content without one trailing newline. Wins over the environment. */
  readonly file?: string | undefined;
}

/**
 * Reads the passphrase from `sources.file`, else FORGELINE_BACKUP_PASSPHRASE (read here, like
 * the keyring's passphrase, so the secret never sits in the CLI's printed configuration).
 * None at all, or an empty file, is `validation-failed`.
 */
export async function readBackupPassphrase(sources: PassphraseSources, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (sources.file !== undefined) {
    const text = await readFile(sources.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new ForgelineError('not-found', `cannot read the passphrase file ${sources.file} (${error.code ?? 'unknown error'})`);
    });
    const passphrase = text.replace(/\r?\n$/, '');
    if (passphrase === '') throw new ForgelineError('validation-failed', `the passphrase file ${sources.file} is empty`);
    return passphrase;
  }
  const value = env.FORGELINE_BACKUP_PASSPHRASE;
  if (value !== undefined && value !== '') return value;
  throw new ForgelineError('validation-failed', 'no backup passphrase: set FORGELINE_BACKUP_PASSPHRASE or pass --passphrase-file FILE');
}

/** Refuses a passphrase too short to protect a new backup. */
export function checkNewPassphrase(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new ForgelineError('validation-failed', `a backup passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters: the file can be attacked offline for as long as it exists`);
  }
}
