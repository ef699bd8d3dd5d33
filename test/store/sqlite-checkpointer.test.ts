import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase, withWriteTransaction } from '../../src/store/index.js';
import { startSqliteCheckpointer, type CheckpointStats } from '../../src/store/sqlite-checkpointer.js';
import { CHECKPOINT_WORKER_AFTER_COMMITS, sqliteCheckpointStats } from '../../src/store/sqlite-driver.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function freshFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'forgeline-checkpoint-'));
  folders.push(folder);
  return join(folder, 'test.db');
}

async function until(what: string, read: () => CheckpointStats | undefined, done: (stats: CheckpointStats) => boolean): Promise<CheckpointStats> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = read();
    if (stats !== undefined && done(stats)) return stats;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('copies the log into the database file from its worker, so the writer\'s COMMIT has nothing left to copy', async () => {
  const file = freshFile();
  const writer = new BetterSqlite3(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = FULL');
  // Only the worker checkpoints here.
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('create table t (x text)');
  const insert = writer.prepare('insert into t values (?)');
  for (let i = 0; i < 50; i += 1) insert.run('x'.repeat(2000));
  const checkpointer = startSqliteCheckpointer(file, 5);
  try {
    const stats = await until('the worker\'s checkpoint', () => checkpointer.stats(), (seen) => seen.pagesCopied > 0);
    expect(stats.checkpoints).toBeGreaterThan(0);
    expect(stats.lastError).toBeUndefined();
    // Everything in the log was copied already: a checkpoint by the writer finds nothing to do.
    const [row] = writer.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(row?.checkpointed).toBe(row?.log);
  } finally {
    await checkpointer.stop();
    writer.close();
  }
  // The worker's connection is closed: the writer's was the last, so the log is gone.
  expect(existsSync(`${file}-wal`)).toBe(false);
});

it('reports why it cannot checkpoint a file it cannot open, and stops all the same', async () => {
  const checkpointer = startSqliteCheckpointer(join(freshFile(), 'missing', 'test.db'), 5);
  const stats = await until('the worker\'s failure', () => checkpointer.stats(), (seen) => seen.lastError !== undefined);
  expect(stats.lastError).toMatch(/directory does not exist|unable to open/i);
  await checkpointer.stop();
});

it('starts a Store\'s checkpoint worker only after it committed often, and stops it when the Store closes', async () => {
  const file = freshFile();
  const store = await openDatabase({ kind: 'sqlite', file });
  const fileKey = realpathSync(file);
  const item = (i: number) => ({ id: `item-${i}`, code: `item-${i}`, revision: 'A', description: 'd'.repeat(500), unit: 'pcs', created_at: '2026-01-01T00:00:00.000Z' });
  let i = 0;
  try {
    // The migrations committed a few times; fewer writes than the threshold leave no worker.
    while (sqliteCheckpointStats(fileKey) === undefined && i < CHECKPOINT_WORKER_AFTER_COMMITS) {
      await withWriteTransaction(store, (trx) => trx.insertInto('items').values(item(i)).execute());
      i += 1;
    }
    expect(i).toBeGreaterThan(CHECKPOINT_WORKER_AFTER_COMMITS / 2);
    expect(i).toBeLessThan(CHECKPOINT_WORKER_AFTER_COMMITS);
    for (let more = 0; more < 20; more += 1) await withWriteTransaction(store, (trx) => trx.insertInto('items').values(item(1000 + more)).execute());
    await until('the store\'s worker to copy', () => sqliteCheckpointStats(fileKey), (seen) => seen.pagesCopied > 0);
    expect(await store.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: i + 20 });
  } finally {
    await store.close();
  }
  expect(sqliteCheckpointStats(fileKey)).toBeUndefined();
  expect(existsSync(`${file}-wal`)).toBe(false);
  // What was written is in the database file itself.
  const reader = new BetterSqlite3(file, { readonly: true });
  try {
    expect(reader.prepare('select count(*) as n from items').get()).toEqual({ n: i + 20 });
  } finally {
    reader.close();
  }
});
