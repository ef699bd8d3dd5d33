/**
 * Writing and reading the encrypted body of a backup file: after the header, chunks of
 * `length (32-bit) || nonce || ciphertext || tag`, each holding `chunkBytes` of clear text but
 * the last, which is flagged final in its additional data. A reader refuses a chunk whose tag
 * fails, a file that stops before its final chunk, and any byte after it.
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ForgelineError } from '../domain/index.js';
import {
  BACKUP_SCRYPT, chunkAad, derivePassphraseKey, KEY_BYTES, NONCE_BYTES, openChunk, SALT_BYTES, sealChunk, TAG_BYTES, unwrapDataKey, wrapDataKey, type ScryptParams,
} from './backup-crypto.js';
import {
  DEFAULT_CHUNK_BYTES, decodeHeader, encodeHeader, headerLength, keyBoundFields, newHeaderFields, PREAMBLE_BYTES, type EncodedHeader,
} from './backup-header.js';

const RECORD_HEAD_BYTES = 4 + NONCE_BYTES;

/** How a new backup file is made: the scrypt cost (tests lower it) and the chunk size. */
export interface BackupWriterOptions {
  readonly scrypt?: ScryptParams;
  readonly chunkBytes?: number;
}

/** Writes a backup file: the header at once, then clear text sealed a chunk at a time. */
export class BackupFileWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #index = 0;
  #written = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly header: EncodedHeader,
    private readonly dataKey: Buffer,
  ) {}

  /** Creates `path` (mode 0600, replacing a leftover) and writes the header; the data key is fresh and random. */
  static async create(path: string, passphrase: string, options: BackupWriterOptions = {}): Promise<BackupFileWriter> {
    const salt = randomBytes(SALT_BYTES);
    const fields = newHeaderFields(salt, options.scrypt ?? BACKUP_SCRYPT, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    const passphraseKey = await derivePassphraseKey(passphrase, salt, fields.kdf);
    const dataKey = randomBytes(KEY_BYTES);
    const header = encodeHeader({ ...fields, wrappedKey: wrapDataKey(passphraseKey, dataKey, keyBoundFields(fields)).toString('base64') });
    const handle = await open(path, 'w', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.write(header.bytes);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const writer = new BackupFileWriter(handle, header, dataKey);
    writer.#written = header.bytes.length;
    return writer;
  }

  /** Adds clear text; full chunks are sealed and written, the rest waits for more or for {@link finish}. */
  async write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    this.#pending.push(Buffer.from(data));
    this.#pendingBytes += data.length;
    // Strictly more than a chunk: the last full chunk is held back, since it may be the final one.
    while (this.#pendingBytes > this.header.header.chunkBytes) {
      const all = Buffer.concat(this.#pending);
      const size = this.header.header.chunkBytes;
      await this.#seal(all.subarray(0, size), false);
      this.#pending = [all.subarray(size)];
      this.#pendingBytes = all.length - size;
    }
  }

  /** Seals the final chunk, syncs the file to disk and closes it; answers the file's size. */
  async finish(): Promise<number> {
    await this.#seal(Buffer.concat(this.#pending), true);
    this.#pending = [];
    await this.handle.sync();
    await this.handle.close();
    return this.#written;
  }

  /** Closes the file without finishing it (the caller removes it). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  async #seal(plaintext: Buffer, final: boolean): Promise<void> {
    const { nonce, ciphertext, tag } = sealChunk(this.dataKey, chunkAad(this.header.digest, this.#index, final), plaintext);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(ciphertext.length, 0);
    const record = Buffer.concat([length, nonce, ciphertext, tag]);
    await this.handle.write(record);
    this.#index += 1;
    this.#written += record.length;
  }
}

function invalid(message: string): ForgelineError {
  return new ForgelineError('backup-invalid', message);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** Reads a backup file: checks the header and the passphrase on open, then each chunk as it yields its clear text. */
export class BackupFileReader {
  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly header: EncodedHeader,
    private readonly dataKey: Buffer,
  ) {}

  /**
   * Opens `file` and unwraps its data key with `passphrase`. Not a backup, a damaged header,
   * or a wrong passphrase (which GCM cannot tell from a changed wrapped key) is `backup-invalid`.
   */
  static async open(file: string, passphrase: string): Promise<BackupFileReader> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ForgelineError('not-found', `cannot read the backup file ${file} (${code ?? 'unknown error'})`);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw invalid(`${file} is not a regular file`);
      const preamble = await readAt(handle, 0, PREAMBLE_BYTES);
      const length = headerLength(file, preamble);
      const json = await readAt(handle, PREAMBLE_BYTES, length);
      if (json.length < length) throw invalid(`${file}: the backup header is cut short`);
      const header = decodeHeader(file, preamble, json);
      let passphraseKey: Buffer;
      try {
        passphraseKey = await derivePassphraseKey(passphrase, Buffer.from(header.header.kdf.salt, 'base64'), header.header.kdf);
      } catch {
        throw invalid(`${file}: the key cannot be derived with the header's scrypt parameters`);
      }
      const dataKey = unwrapDataKey(passphraseKey, Buffer.from(header.header.wrappedKey, 'base64'), keyBoundFields(header.header));
      if (dataKey === undefined) throw invalid(`${file}: wrong passphrase, or the backup header was changed (the data key does not unwrap)`);
      return new BackupFileReader(file, handle, stats.size, header, dataKey);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes in the file, for progress. */
  get fileBytes(): number {
    return this.size;
  }

  /**
   * The clear text, a chunk at a time, each authenticated before it is yielded. `onRead` is
   * told how many bytes of the file were read so far. Closes the file when done or abandoned.
   */
  async *plaintext(onRead?: (bytes: number) => void): AsyncGenerator<Buffer> {
    const { chunkBytes } = this.header.header;
    let position = this.header.bytes.length;
    try {
      for (let index = 0; ; index += 1) {
        if (position === this.size) throw invalid(`${this.file} is cut short: it ends after chunk ${index} without its final chunk`);
        const head = await readAt(this.handle, position, RECORD_HEAD_BYTES);
        if (head.length < RECORD_HEAD_BYTES) throw invalid(`${this.file} is cut short inside chunk ${index}`);
        const length = head.readUInt32BE(0);
        if (length > chunkBytes) throw invalid(`${this.file}: chunk ${index} is damaged (it claims ${length} bytes, more than a chunk holds)`);
        const body = await readAt(this.handle, position + RECORD_HEAD_BYTES, length + TAG_BYTES);
        if (body.length < length + TAG_BYTES) throw invalid(`${this.file} is cut short inside chunk ${index}`);
        position += RECORD_HEAD_BYTES + length + TAG_BYTES;
        // Only the last record of the file may be the final chunk: one cut off at a chunk
        // boundary then fails here, because its last chunk was sealed as not final.
        const final = position === this.size;
        if (!final && length !== chunkBytes) throw invalid(`${this.file}: chunk ${index} is damaged (a short chunk before the end)`);
        const plaintext = openChunk(this.dataKey, chunkAad(this.header.digest, index, final), head.subarray(4), body.subarray(0, length), body.subarray(length));
        if (plaintext === undefined) {
          throw invalid(final
            ? `${this.file}: chunk ${index}, the last in the file, does not verify: the file was changed, or cut short at a chunk boundary`
            : `${this.file}: chunk ${index} does not verify: the file was changed (bytes ${position - length - TAG_BYTES - RECORD_HEAD_BYTES} to ${position - 1})`);
        }
        onRead?.(position);
        yield plaintext;
        if (final) return;
      }
    } finally {
      await this.handle.close();
    }
  }

  /** Closes the file without reading it (when {@link plaintext} was never started). */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
