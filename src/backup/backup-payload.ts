/**
 * The clear text of a backup: the manifest's length (32-bit big-endian), the manifest as JSON,
 * then each part's bytes in the manifest's order. Written from files and buffers; read back
 * into files, each part's SHA-256 and size checked against the manifest, and nothing after
 * the last part allowed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ForgelineError } from '../domain/index.js';
import type { BackupFileReader, BackupFileWriter } from './backup-file.js';
import { parseBackupManifest, type BackupManifest, type BackupPart } from './backup-manifest.js';

const MAX_MANIFEST_BYTES = 1024 * 1024;
const READ_BYTES = 1024 * 1024;

/** Where a part's bytes come from when a backup is written. */
export type PartSource = { readonly kind: 'bytes'; readonly data: Buffer } | { readonly kind: 'file'; readonly path: string };

/** A part's manifest entry and its bytes' source. */
export interface SourcedPart {
  readonly part: BackupPart;
  readonly source: PartSource;
}

/** Describes a part held in memory. */
export function bytesPart(name: string, data: Buffer, mode: number): SourcedPart {
  return { part: { name, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), mode: mode & 0o777 }, source: { kind: 'bytes', data } };
}

/** Describes a part in a file that no longer changes (a snapshot): hashes it now. */
export async function filePart(name: string, path: string, mode: number): Promise<SourcedPart> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { part: { name, size, sha256: hash.digest('hex'), mode: mode & 0o777 }, source: { kind: 'file', path } };
}

/** Writes the manifest and then every part; `onBytes` hears how much of the parts is written. */
export async function writePayload(writer: BackupFileWriter, manifest: BackupManifest, parts: readonly SourcedPart[], onBytes?: (bytes: number) => void): Promise<void> {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  await writer.write(Buffer.concat([length, json]));
  let done = 0;
  for (const { part, source } of parts) {
    if (source.kind === 'bytes') {
      await writer.write(source.data);
      done += source.data.length;
      onBytes?.(done);
      continue;
    }
    // The manifest promised this size and hash: a snapshot file that changed since is a bug, not a backup.
    if ((await stat(source.path)).size !== part.size) throw new Error(`${source.path} changed while it was being backed up`);
    for await (const chunk of createReadStream(source.path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
      await writer.write(chunk);
      done += chunk.length;
      onBytes?.(done);
    }
  }
}

function invalid(message: string): ForgelineError {
  return new ForgelineError('backup-invalid', message);
}

/** Takes exact byte counts from a stream of decrypted chunks. */
class Cursor {
  #buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly file: string,
  ) {}

  /** Up to `max` bytes (at least one), or undefined at the end. */
  async next(max: number): Promise<Buffer | undefined> {
    if (this.#buffered.length === 0) {
      const step = await this.source.next();
      if (step.done) return undefined;
      this.#buffered = step.value;
      if (this.#buffered.length === 0) return this.next(max);
    }
    const taken = this.#buffered.subarray(0, max);
    this.#buffered = this.#buffered.subarray(taken.length);
    return taken;
  }

  async exactly(length: number, what: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let have = 0;
    while (have < length) {
      const piece = await this.next(length - have);
      if (piece === undefined) throw invalid(`${this.file} is incomplete: it ends inside ${what}`);
      pieces.push(piece);
      have += piece.length;
    }
    return Buffer.concat(pieces);
  }

  async atEnd(): Promise<boolean> {
    return (await this.next(1)) === undefined;
  }
}

/**
 * Decrypts a whole backup, writing each part to the file `pathOf(part)` names (mode 0600 until
 * the caller sets it) and checking its size and SHA-256. Resolves to the manifest only when
 * every chunk, every part and the end of the file checked out; throws `backup-invalid` naming
 * the first thing that did not.
 */
export async function extractPayload(reader: BackupFileReader, file: string, pathOf: (part: BackupPart) => string, onRead?: (bytes: number) => void): Promise<BackupManifest> {
  const chunks = reader.plaintext(onRead);
  const cursor = new Cursor(chunks[Symbol.asyncIterator](), file);
  try {
    const length = (await cursor.exactly(4, 'the manifest')).readUInt32BE(0);
    if (length === 0 || length > MAX_MANIFEST_BYTES) throw invalid(`${file}: the manifest inside is damaged (its length ${length} is impossible)`);
    let value: unknown;
    try {
      value = JSON.parse((await cursor.exactly(length, 'the manifest')).toString('utf8'));
    } catch (error) {
      if (error instanceof ForgelineError) throw error;
      throw invalid(`${file}: the manifest inside is not valid JSON`);
    }
    const parsed = parseBackupManifest(value);
    if (!parsed.ok) throw invalid(`${file}: the manifest inside is damaged at ${parsed.problem}`);
    for (const part of parsed.manifest.parts) await extractPart(cursor, file, part, pathOf(part));
    if (!(await cursor.atEnd())) throw invalid(`${file}: there are bytes after the last part the manifest lists`);
    return parsed.manifest;
  } finally {
    // Closes the file when the reading stopped early.
    await chunks.return(undefined);
  }
}

async function extractPart(cursor: Cursor, file: string, part: BackupPart, path: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  try {
    let left = part.size;
    while (left > 0) {
      const piece = await cursor.next(Math.min(left, READ_BYTES));
      if (piece === undefined) throw invalid(`${file} is incomplete: it ends inside the part ${part.name}`);
      hash.update(piece);
      await handle.write(piece);
      left -= piece.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (hash.digest('hex') !== part.sha256) throw invalid(`${file}: the part ${part.name} does not match its SHA-256 in the manifest`);
}
