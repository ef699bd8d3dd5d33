/**
 * A journal file the agent appends lines to, its descriptor kept open between appends: opening
 * and closing the file for every line cost the agent's thread about a tenth of its time per
 * order. Opened in append mode (O_APPEND), so every write lands at the end, whoever else appends.
 * A plain descriptor, not a FileHandle: an agent that is never stopped (a crash, a test) leaves
 * it to the process's end instead of to the garbage collector, which Node warns about.
 */
import { close, fdatasync, open, write } from 'node:fs';
import { promisify } from 'node:util';

const openFile = promisify(open);
const writeFile = promisify(write);
const syncFile = promisify(fdatasync);
const closeFile = promisify(close);

/** One append-only file of the agent's folder. */
export class AppendFile {
  readonly #path: string;
  #fd: Promise<number> | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Appends `text`; with `sync`, resolves once it is on disk (fdatasync). */
  async append(text: string, sync: boolean): Promise<void> {
    this.#fd ??= openFile(this.#path, 'a', 0o600);
    const opened = this.#fd;
    try {
      const fd = await opened;
      const bytes = Buffer.from(text, 'utf8');
      // A regular file takes a short write rarely, but it may: the rest follows.
      for (let done = 0; done < bytes.length;) done += (await writeFile(fd, bytes, done, bytes.length - done)).bytesWritten;
      if (sync) await syncFile(fd);
    } catch (error) {
      // The next append opens the file afresh (a failed open, a descriptor gone bad).
      if (this.#fd === opened) this.#fd = undefined;
      await opened.then((fd) => closeFile(fd)).catch(() => undefined);
      throw error;
    }
  }

  /** Closes the descriptor, if open; a later append opens the file again. */
  async close(): Promise<void> {
    const opened = this.#fd;
    this.#fd = undefined;
    await opened?.then((fd) => closeFile(fd)).catch(() => undefined);
  }
}
