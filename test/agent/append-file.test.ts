import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AppendFile } from '../../src/agent/append-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forgeline-append-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('appends line after line through one handle, owner-only, and again after it was closed', async () => {
  const path = join(dir, 'journal.log');
  const file = new AppendFile(path);
  await file.append('one\n', true);
  await file.append('two\n', false);
  await file.close();
  await file.append('three\n', true);
  await file.close();
  expect(await readFile(path, 'utf8')).toBe('one\ntwo\nthree\n');
  expect((await stat(path)).mode & 0o777).toBe(0o600);
});

it('keeps concurrent appends whole and in the file\'s end', async () => {
  const path = join(dir, 'journal.log');
  const file = new AppendFile(path);
  const lines = Array.from({ length: 50 }, (_, index) => `line ${index} ${'x'.repeat(200)}\n`);
  await Promise.all(lines.map((line) => file.append(line, true)));
  await file.close();
  expect((await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').sort()).toEqual(lines.map((line) => line.trimEnd()).sort());
});

it('throws when the file cannot be opened, and opens it afresh on the next append', async () => {
  const path = join(dir, 'later', 'journal.log');
  const file = new AppendFile(path);
  await expect(file.append('lost\n', true)).rejects.toMatchObject({ code: 'ENOENT' });
  await mkdir(join(dir, 'later'));
  await file.append('kept\n', true);
  await file.close();
  expect(await readFile(path, 'utf8')).toBe('kept\n');
});
