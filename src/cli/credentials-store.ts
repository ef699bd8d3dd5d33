import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CliError } from './cli-error.js';

/** What `forgeline login` saves: the session token and where it is valid. */
export const credentialsSchema = z.object({
  server: z.string().min(1),
  token: z.string().min(1),
  ca: z.string().nullable(),
  username: z.string().min(1),
  expiresAt: z.string(),
});

/** A saved login. */
export type Credentials = z.infer<typeof credentialsSchema>;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The credentials file (`~/.config/forgeline/credentials.json` by default):
 * written owner-only (0600, in a 0700 folder) because the token is as good as
 * the password until it expires.
 */
export class CredentialsStore {
  constructor(readonly file: string) {}

  /** The saved login, or null when there is none. */
  async read(): Promise<Credentials | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = credentialsSchema.safeParse(json);
    if (!parsed.success) throw new CliError('invalid-file', `the credentials file ${this.file} is damaged: run forgeline logout, then login again`);
    return parsed.data;
  }

  /** Saves a login, replacing any other; the file never exists with wider permissions, even briefly. */
  async write(credentials: Credentials): Promise<void> {
    const folder = dirname(this.file);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      // The mode given to writeFile is masked by the umask; set it explicitly.
      await chmod(temporary, 0o600);
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Deletes the saved login; true when there was one. */
  async remove(): Promise<boolean> {
    try {
      await rm(this.file);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}
