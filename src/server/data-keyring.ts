/**
 * A data folder's keyring (issue 5 point 4): where its key-encryption key lives. By default a
 * file in the folder readable by the service user only; or derived from a passphrase the
 * operator supplies at every start; or held by an external command (a KMS or an HSM) that
 * wraps and unwraps. The manifest records which; the secret never goes in it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  commandKeyring, createFileKeyring, createPassphraseKeyring, dropPreviousPassphraseKek, KEYRING_FILE, openFileKeyring, openPassphraseKeyring, PASSPHRASE_KEYRING_FILE,
  retireFileKeyringKek, rotateFileKeyring, rotatePassphraseKeyring, type Keyring,
} from '../crypto/index.js';
import type { KeyringFileRotation } from '../keys/index.js';
import { ForgelineError } from '../domain/index.js';

/** How the manifest names the keyring. */
export const keyringManifestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), file: z.string() }),
  z.strictObject({ kind: z.literal('passphrase'), file: z.string() }),
  z.strictObject({ kind: z.literal('command'), wrap: z.string().min(1), unwrap: z.string().min(1), kekId: z.string().min(1) }),
]);

/** The manifest's keyring part. */
export type KeyringManifest = z.infer<typeof keyringManifestSchema>;

/** What init is told about the keyring. */
export interface KeyringChoice {
  readonly kind?: 'file' | 'passphrase' | 'command' | undefined;
  /** For kind command: the command lines that wrap and unwrap (base64 in on stdin, base64 out on stdout). */
  readonly wrapCommand?: string | undefined;
  readonly unwrapCommand?: string | undefined;
  /** For kind command: the name of the external key (default `kek-command`). */
  readonly kekId?: string | undefined;
}

/** Where the passphrase comes from: FORGELINE_KEYRING_PASSPHRASE, or the file FORGELINE_KEYRING_PASSPHRASE_FILE names. */
export async function keyringPassphrase(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.FORGELINE_KEYRING_PASSPHRASE !== undefined && env.FORGELINE_KEYRING_PASSPHRASE !== '') return env.FORGELINE_KEYRING_PASSPHRASE;
  const file = env.FORGELINE_KEYRING_PASSPHRASE_FILE;
  if (file !== undefined && file !== '') {
    const text = await readFile(file, 'utf8').catch(() => {
      throw new ForgelineError('keyring-unavailable', `cannot read the keyring passphrase file ${file}`);
    });
    return text.replace(/\r?\n$/, '');
  }
  throw new ForgelineError('keyring-unavailable', 'this data folder\'s keyring is passphrase-protected: set FORGELINE_KEYRING_PASSPHRASE or FORGELINE_KEYRING_PASSPHRASE_FILE');
}

/** Refuses a keyring choice that cannot work (a command keyring without both commands, a passphrase keyring without a passphrase) before init creates anything. */
export async function checkKeyringChoice(choice: KeyringChoice = {}, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (choice.kind === 'command' && (!choice.wrapCommand || !choice.unwrapCommand)) {
    throw new ForgelineError('validation-failed', 'a command keyring needs both --keyring-wrap-command and --keyring-unwrap-command');
  }
  if (choice.kind === 'passphrase') await keyringPassphrase(env);
}

/** Creates the keyring init was asked for; returns it and the manifest part to record. */
export async function createDataKeyring(dataDir: string, choice: KeyringChoice = {}, env: NodeJS.ProcessEnv = process.env): Promise<{ keyring: Keyring; manifest: KeyringManifest }> {
  switch (choice.kind ?? 'file') {
    case 'file':
      return { keyring: await createFileKeyring(join(dataDir, KEYRING_FILE)), manifest: { kind: 'file', file: KEYRING_FILE } };
    case 'passphrase':
      return { keyring: await createPassphraseKeyring(join(dataDir, PASSPHRASE_KEYRING_FILE), await keyringPassphrase(env)), manifest: { kind: 'passphrase', file: PASSPHRASE_KEYRING_FILE } };
    case 'command': {
      if (!choice.wrapCommand || !choice.unwrapCommand) {
        throw new ForgelineError('validation-failed', 'a command keyring needs both --keyring-wrap-command and --keyring-unwrap-command');
      }
      const manifest: KeyringManifest = { kind: 'command', wrap: choice.wrapCommand, unwrap: choice.unwrapCommand, kekId: choice.kekId ?? 'kek-command' };
      const keyring = commandKeyring({ wrap: manifest.wrap, unwrap: manifest.unwrap, kekId: manifest.kekId });
      // Fail at init, not at the first release: the command must round-trip a key now.
      const probe = Buffer.alloc(32, 7);
      const back = await keyring.unwrap(await keyring.wrap(probe));
      if (!back.equals(probe)) throw new ForgelineError('keyring-unavailable', 'the keyring commands do not give back what they wrapped');
      return { keyring, manifest };
    }
  }
}

/** Opens the keyring a manifest names. */
export async function openDataKeyring(dataDir: string, manifest: KeyringManifest, env: NodeJS.ProcessEnv = process.env): Promise<Keyring> {
  switch (manifest.kind) {
    case 'file':
      return openFileKeyring(join(dataDir, manifest.file));
    case 'passphrase':
      return openPassphraseKeyring(join(dataDir, manifest.file), await keyringPassphrase(env));
    case 'command':
      return commandKeyring({ wrap: manifest.wrap, unwrap: manifest.unwrap, kekId: manifest.kekId });
  }
}

/**
 * The keyring of a data folder; one made before keyrings existed gets a file keyring now,
 * recorded in the manifest (written to a temporary file, then renamed).
 */
export async function loadDataKeyring(dataDir: string, manifestPath: string, manifest: { readonly keyring?: KeyringManifest | undefined }): Promise<Keyring> {
  if (manifest.keyring !== undefined) return openDataKeyring(dataDir, manifest.keyring);
  const made = await createDataKeyring(dataDir);
  // The manifest as it is on disk now (another upgrade may have just added its own part).
  const current = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  const next = `${manifestPath}.new`;
  await writeFile(next, `${JSON.stringify({ ...current, keyring: made.manifest }, null, 2)}\n`, { mode: 0o600 });
  await rename(next, manifestPath);
  return made.keyring;
}

/**
 * The rotation of a data folder's keyring, for `keys rotate-kek`: a file keyring adds a new KEK;
 * a passphrase keyring derives one from the new passphrase given (the server must be started
 * with it from then on); undefined for a command keyring, whose KEK the KMS rotates.
 */
export function keyringFileRotation(dataDir: string, manifest: { readonly keyring?: KeyringManifest | undefined }, env: NodeJS.ProcessEnv = process.env): KeyringFileRotation | undefined {
  const keyring = manifest.keyring ?? { kind: 'file', file: KEYRING_FILE };
  if (keyring.kind === 'command') return undefined;
  const path = join(dataDir, keyring.file);
  if (keyring.kind === 'file') {
    return {
      rotate: (request) => {
        if (request.newPassphrase !== undefined) throw new ForgelineError('validation-failed', 'this data folder\'s keyring is a file: it takes no passphrase');
        return rotateFileKeyring(path);
      },
      retire: async (kekId) => {
        await retireFileKeyringKek(path, kekId);
        return openFileKeyring(path);
      },
    };
  }
  // The passphrase in use: the one the server started with, then each new one given.
  let current: string | undefined;
  return {
    rotate: async (request) => {
      if (request.newPassphrase === undefined) throw new ForgelineError('validation-failed', 'this data folder\'s keyring is passphrase-protected: give the new passphrase (forgeline keys rotate-kek --new-passphrase-file FILE)');
      const rotated = await rotatePassphraseKeyring(path, current ?? await keyringPassphrase(env), request.newPassphrase);
      current = request.newPassphrase;
      return rotated;
    },
    retire: async () => dropPreviousPassphraseKek(path, current ?? await keyringPassphrase(env)),
  };
}
