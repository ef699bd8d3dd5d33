import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ForwardError, systemReason } from './forward-error.js';
import { formatJsonLine, parseJsonLineKey, type ForwardRecord } from './forward-record.js';
import type { ForwardTarget } from './forward-targets.js';
import { syncFolder } from './sync-folder.js';

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;
/** A last line longer than this is not one the forwarder wrote. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const RECORD_START = '{"index":';

/** What a torn write of ours leaves after the last newline: the start of a record, or the zeros some file systems show after a power cut. */
function isTornRecord(fragment: string): boolean {
  return fragment.startsWith(RECORD_START) || RECORD_START.startsWith(fragment) || /^\0+$/.test(fragment);
}

/** Errors opening the file that retrying will not fix: the path itself is wrong. */
const BAD_PATH_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS']);

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(end - start);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
  return buffer.subarray(0, bytesRead);
}

/** The offset just after the last newline before `before`, or 0: where the line holding `before - 1` starts. */
async function lineStart(handle: FileHandle, before: number): Promise<number> {
  for (let end = before; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    const at = (await readRange(handle, start, end)).lastIndexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/**
 * JSON Lines appended to a file, fsynced after each batch. On open it reads back the last
 * complete line, so entries already in the file are never written twice (the forwarder skips
 * to the index after it), and cuts off a torn last line that a crash mid-write left behind:
 * that batch was never confirmed, so it is sent again whole.
 */
export class FileForwardTarget implements ForwardTarget {
  readonly label: string;
  private handle: FileHandle | undefined;

  constructor(private readonly path: string, private readonly origin?: string) {
    this.label = `file ${path}`;
  }

  async open(): Promise<number | null> {
    await this.close();
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'a+', 0o640);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new ForwardError(BAD_PATH_CODES.has(code) ? 'bad-target' : 'target-failed', `cannot open ${this.path}: ${systemReason(error)}`, { cause: error });
    }
    try {
      const last = await this.recoverTail(handle);
      await syncFolder(dirname(this.path));
      this.handle = handle;
      return last;
    } catch (error) {
      await handle.close().catch(() => undefined);
      if (error instanceof ForwardError) throw error;
      throw new ForwardError('target-failed', `cannot read back ${this.path}: ${systemReason(error)}`, { cause: error });
    }
  }

  async deliver(records: readonly ForwardRecord[]): Promise<void> {
    if (this.handle === undefined) throw new Error('FileForwardTarget.deliver before open');
    const text = records.map((record) => `${formatJsonLine(record, this.origin)}\n`).join('');
    try {
      // One append for the batch (O_APPEND), then fsync: the batch is on disk before the state moves.
      await this.handle.writeFile(text, 'utf8');
      await this.handle.sync();
    } catch (error) {
      throw new ForwardError('target-failed', `cannot write ${this.path}: ${systemReason(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  /** Cuts a torn last line and returns the index of the last complete one, or null for an empty file. */
  private async recoverTail(handle: FileHandle): Promise<number | null> {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ForwardError('bad-target', `${this.path} is not a regular file; use --to stdout to write to a pipe`);
    const end = await lineStart(handle, stats.size);
    if (end < stats.size) {
      const torn = (await readRange(handle, end, Math.min(stats.size, end + 64))).toString('latin1');
      if (!isTornRecord(torn)) throw this.mismatch('its last line is not a forwarded audit record');
      await handle.truncate(end);
      await handle.sync();
    }
    if (end === 0) return null;
    const start = await lineStart(handle, end - 1);
    if (end - 1 - start > MAX_LINE_BYTES) throw this.mismatch('its last line is not a forwarded audit record');
    const key = parseJsonLineKey((await readRange(handle, start, end - 1)).toString('utf8'));
    if (key === null) throw this.mismatch('its last line is not a forwarded audit record');
    if (key.origin !== undefined && this.origin !== undefined && key.origin !== this.origin) {
      throw this.mismatch(`it holds the log ${key.origin}, not ${this.origin}`);
    }
    return key.index;
  }

  private mismatch(why: string): ForwardError {
    return new ForwardError('target-mismatch', `${this.path} cannot be appended to: ${why}; forward to a file of its own`);
  }
}
