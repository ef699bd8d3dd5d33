import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_MAGIC, BackupFileReader, BackupFileWriter } from '../../src/backup/index.js';
import { tempFolder } from '../support/temp-folders.js';
import { FAST_SCRYPT, PASSPHRASE } from './backup-kit.js';

const CHUNK = 4096;
const RECORD = 4 + 12 + CHUNK + 16;

async function write(path: string, data: Buffer, passphrase = PASSPHRASE): Promise<number> {
  const writer = await BackupFileWriter.create(path, passphrase, { scrypt: FAST_SCRYPT, chunkBytes: CHUNK });
  // Uneven pieces, so chunking does not follow the writes.
  for (let at = 0; at < data.length; at += 1000) await writer.write(data.subarray(at, at + 1000));
  return writer.finish();
}

async function read(path: string, passphrase = PASSPHRASE): Promise<Buffer> {
  const reader = await BackupFileReader.open(path, passphrase);
  const pieces: Buffer[] = [];
  for await (const piece of reader.plaintext()) pieces.push(piece);
  return Buffer.concat(pieces);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error, 'the file was accepted').toMatchObject({ name: 'ForgelineError', code: 'backup-invalid' });
  return (error as Error).message;
}

/** The header's size in a file: magic, length, JSON. */
function headerBytes(file: Buffer): number {
  return BACKUP_MAGIC.length + 4 + file.readUInt32BE(BACKUP_MAGIC.length);
}

describe('the backup file format', () => {
  const dir = tempFolder('forgeline-backup-file-');

  it('gives back exactly what was written, for sizes around the chunk size', async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
      const path = join(dir, `size-${size}.flb`);
      const data = randomBytes(size);
      const bytes = await write(path, data);
      expect((await stat(path)).size).toBe(bytes);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await read(path)).equals(data), `size ${size}`).toBe(true);
    }
  });

  it('refuses a wrong passphrase, a file that is not a backup, and a backup of a newer format', async () => {
    const path = join(dir, 'sealed.flb');
    await write(path, randomBytes(100));
    expect(await refusal(read(path, 'another passphrase entirely'))).toMatch(/wrong passphrase, or the backup header was changed/);
    await writeFile(join(dir, 'notes.txt'), 'these are not the backups you are looking for\n');
    expect(await refusal(read(join(dir, 'notes.txt')))).toMatch(/is not a Forgeline backup/);
    await writeFile(join(dir, 'empty'), '');
    expect(await refusal(read(join(dir, 'empty')))).toMatch(/is not a Forgeline backup/);
    const file = await readFile(path);
    const newer = Buffer.from(file.subarray(BACKUP_MAGIC.length + 4, headerBytes(file)).toString('utf8').replace('"format":1', '"format":2'));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(newer.length, 0);
    await writeFile(join(dir, 'newer.flb'), Buffer.concat([BACKUP_MAGIC, length, newer, file.subarray(headerBytes(file))]));
    expect(await refusal(read(join(dir, 'newer.flb')))).toMatch(/format 2; this Forgeline reads format 1/);
  });

  it('refuses a file cut short anywhere, at a chunk boundary too, and bytes after the final chunk', async () => {
    const path = join(dir, 'whole.flb');
    await write(path, randomBytes(3 * CHUNK + 500));
    const file = await readFile(path);
    const header = headerBytes(file);
    const cuts = [5, header - 3, header, header + 10, header + RECORD, header + 2 * RECORD, header + 3 * RECORD, file.length - 1];
    for (const cut of cuts) {
      await writeFile(join(dir, 'cut.flb'), file.subarray(0, cut));
      expect(await refusal(read(join(dir, 'cut.flb'))), `cut at ${cut}`).toMatch(/cut short|not a Forgeline backup|does not verify/);
    }
    await writeFile(join(dir, 'longer.flb'), Buffer.concat([file, Buffer.from([0])]));
    await refusal(read(join(dir, 'longer.flb')));
    await writeFile(join(dir, 'longer.flb'), Buffer.concat([file, file.subarray(header, header + RECORD)]));
    await refusal(read(join(dir, 'longer.flb')));
  });

  it('refuses chunks reordered, dropped, or swapped in from another backup under the same passphrase', async () => {
    const data = randomBytes(4 * CHUNK + 10);
    await write(join(dir, 'a.flb'), data);
    await write(join(dir, 'b.flb'), data);
    const a = await readFile(join(dir, 'a.flb'));
    const b = await readFile(join(dir, 'b.flb'));
    const header = headerBytes(a);
    const record = (file: Buffer, index: number) => file.subarray(headerBytes(file) + index * RECORD, headerBytes(file) + (index + 1) * RECORD);
    const tail = a.subarray(header + 4 * RECORD);
    const variants = {
      reordered: Buffer.concat([a.subarray(0, header), record(a, 1), record(a, 0), record(a, 2), record(a, 3), tail]),
      dropped: Buffer.concat([a.subarray(0, header), record(a, 0), record(a, 2), record(a, 3), tail]),
      swapped: Buffer.concat([a.subarray(0, header), record(a, 0), record(b, 1), record(a, 2), record(a, 3), tail]),
    };
    for (const [name, bytes] of Object.entries(variants)) {
      await writeFile(join(dir, `${name}.flb`), bytes);
      expect(await refusal(read(join(dir, `${name}.flb`))), name).toMatch(/: chunk [01] does not verify: the file was changed/);
    }
  });

  it('refuses a single flipped bit in the header, in any field, and across the chunks', async () => {
    const path = join(dir, 'flip.flb');
    await write(path, randomBytes(2 * CHUNK + 100));
    const file = await readFile(path);
    const header = headerBytes(file);
    const positions = new Set<number>();
    for (let at = 0; at < header; at += 7) positions.add(at);
    for (let at = header; at < file.length; at += 257) positions.add(at);
    positions.add(header - 1);
    positions.add(file.length - 1);
    for (const position of positions) {
      const flipped = Buffer.from(file);
      flipped[position] = (flipped[position] ?? 0) ^ 0x01;
      await writeFile(join(dir, 'flipped.flb'), flipped);
      await refusal(read(join(dir, 'flipped.flb')));
    }
  });
});
