/**
 * A journal file the agent appends lines to, its handle kept open between appends: opening and
 * closing the file for every line cost the agent's thread about a tenth of its time per order.
 * Opened in append mode (O_APPEND), so every write lands at the end, whoever else appends.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** One append-only file of the agent's folder. */
export class AppendFile {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Appends `text`; with `sync`, resolves once it is on disk (fdatasync). */
  async append(text: string, sync: boolean): Promise<void> {
    this.#handle ??= open(this.#path, 'a', 0o600);
    const opened = this.#handle;
    try {
      const handle = await opened;
      await handle.write(text);
      if (sync) await handle.datasync();
    } catch (error) {
      // The next append opens the file afresh (a failed open, a handle gone bad).
      if (this.#handle === opened) this.#handle = undefined;
      await opened.then((handle) => handle.close()).catch(() => undefined);
      throw error;
    }
  }

  /** Closes the handle, if open; a later append opens it again. */
  async close(): Promise<void> {
    const opened = this.#handle;
    this.#handle = undefined;
    await opened?.then((handle) => handle.close()).catch(() => undefined);
  }
}
