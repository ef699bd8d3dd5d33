import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { snapshotSqlite } from '../../src/backup/sqlite-backup.js';
import { openSqliteFile } from '../../src/store/sqlite-connection.js';
import { tempFolder } from '../support/temp-folders.js';

describe('the SQLite snapshot', () => {
  it('copies the database as of the instant it began while another connection commits between its steps', async () => {
    const dir = tempFolder('forgeline-snapshot-');
    const source = join(dir, 'live.db');
    const writer = openSqliteFile(source);
    try {
      writer.exec('create table audit_entries (idx integer primary key, body blob); create table audit_queue (seq integer); create table audit_checkpoints (size integer, root_hash text, note text)');
      const insert = writer.prepare('insert into audit_entries (idx, body) values (?, randomblob(3000))');
      for (let idx = 0; idx < 300; idx += 1) insert.run(idx);
      let next = 300;
      let steps = 0;
      // One page a step, and a commit by the writer between every two steps.
      const counts = await snapshotSqlite(source, join(dir, 'copy.db'), () => {
        steps += 1;
        insert.run(next++);
      }, 1);
      expect(steps).toBeGreaterThan(100);
      expect(counts).toEqual({ size: 300, queued: 0, latestCheckpoint: null });
      const copy = new BetterSqlite3(join(dir, 'copy.db'), { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.prepare('select count(*) as n, max(idx) as last from audit_entries').get()).toEqual({ n: 300, last: 299 });
      } finally {
        copy.close();
      }
      expect(writer.prepare('select count(*) as n from audit_entries').get()).toEqual({ n: next });
    } finally {
      writer.close();
    }
  });
});
