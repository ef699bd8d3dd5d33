import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ForwardError, systemReason } from './forward-error.js';
import { syncFolder } from './sync-folder.js';

/** How far the forwarder got: every entry below `nextIndex` reached the target; `origin` names the log. */
export interface ForwardState {
  readonly origin?: string;
  readonly nextIndex: number;
}

/** Where the forwarder keeps its {@link ForwardState}; tests wrap it to simulate a crash. */
export interface ForwardStateStore {
  /** The saved state, or null before the first save. */
  read(): Promise<ForwardState | null>;
  /** Replaces the state all at once: after a crash the old or the new state is there, never a mix. */
  write(state: ForwardState): Promise<void>;
}

const stateSchema = z.strictObject({
  origin: z.string().min(1).optional(),
  nextIndex: z.int().nonnegative(),
});

/**
 * The state as a small JSON file, `{"origin":…,"nextIndex":…}`, replaced atomically: written to
 * a temporary file, fsynced, renamed over the old one, and the folder fsynced (POSIX rename is
 * atomic; the folder sync makes the rename itself survive a power cut).
 */
export class ForwardStateFile implements ForwardStateStore {
  constructor(readonly path: string) {}

  async read(): Promise<ForwardState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ForwardError('state-unreadable', `cannot read the state file ${this.path}: ${systemReason(error)}`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new ForwardError('state-invalid', `the state file ${this.path} is not JSON; restore it or remove it to forward again from index 0`);
    }
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ForwardError('state-invalid', `the state file ${this.path} is not a forwarder state (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})`);
    }
    return parsed.data;
  }

  async write(state: ForwardState): Promise<void> {
    const temporary = `${this.path}.tmp`;
    try {
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(stateSchema.parse(state))}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      throw new ForwardError('state-unwritable', `cannot write the state file ${this.path}: ${systemReason(error)}`, { cause: error });
    }
    await syncFolder(dirname(this.path));
  }
}
