import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createBackup, restoreBackup, type RestoreOptions } from '../../src/backup/index.js';
import { ephemeralAuditIdentity, verifierKey } from '../../src/audit/index.js';
import type { ErrorCode } from '../../src/domain/index.js';
import { verifyLiveAuditLog } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { tempFolder } from '../support/temp-folders.js';
import { FAST_SCRYPT, folderUrl, makeDataFolder, namesIn, openFolder, PASSPHRASE, RestoreSchemas, seedPlant } from './backup-kit.js';

async function refused(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error, 'the restore was accepted').toMatchObject({ name: 'ForgelineError', code });
  return (error as Error).message;
}

describeEachEngine('backup and restore', (engine) => {
  let schemas: RestoreSchemas;
  afterEach(async () => {
    await schemas?.dropAll();
  });

  /** A data folder on this engine with a plant, a planner and `orders` orders, its log checkpointed. */
  async function folderWithOrders(orders: number) {
    const options = engine.options();
    schemas = new RestoreSchemas(options.kind === 'postgres' ? options.url : undefined);
    const dir = tempFolder('forgeline-backup-');
    const url = folderUrl(engine.options());
    const dataDir = await makeDataFolder(dir, url);
    const folder = await openFolder(dataDir, url);
    const seeded = await seedPlant(folder.services);
    const ids: string[] = [];
    for (let i = 0; i < orders; i += 1) ids.push((await folder.services.orders.create(seeded.planner, seeded.orderInput(`PO-${i}`))).id);
    await folder.services.auditLog.checkpoint();
    return { dir, url, dataDir, folder, ids, ...seeded };
  }

  const restore = (options: Omit<RestoreOptions, 'passphrase'> & { passphrase?: string }) => restoreBackup({ passphrase: PASSPHRASE, ...options });

  it('backs up while orders keep being written, and the restore holds every order committed before it began', async () => {
    const source = await folderWithOrders(3);
    const committed: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i += 1) {
        committed.push((await source.folder.services.orders.create(source.planner, source.orderInput(`PO-live-${i}`))).id);
        if (i % 4 === 3) await source.folder.services.auditLog.checkpoint();
      }
    })();
    while (committed.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    const before = [...source.ids, ...committed];
    const out = join(source.dir, 'nightly.flb');
    const backup = await createBackup({ dataDir: source.dataDir, out, passphrase: PASSPHRASE, databaseUrl: source.url, file: { scrypt: FAST_SCRYPT } });
    const afterBackup = committed.length;
    while (committed.length < afterBackup + 3) await new Promise((resolve) => setTimeout(resolve, 5));
    writing = false;
    await writer;
    await source.folder.close();

    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await namesIn(source.dir)).toEqual(['admin-password', 'data', 'nightly.flb']);
    expect(backup.manifest).toMatchObject({ engine: engine.kind, audit: { origin: expect.stringMatching(/^forgeline\.audit\//) } });
    expect(backup.manifest.audit.latestCheckpoint).not.toBeNull();
    expect(backup.manifest.parts.map((part) => part.name)).toEqual(expect.arrayContaining([
      'forgeline.json', 'keys/audit-log-ed25519.pem', 'keys/keyring.json', 'tls/ca.pem', 'tls/server-key.pem', engine.kind === 'sqlite' ? 'database.sqlite' : 'database.pgdump',
    ]));

    const target = join(tempFolder('forgeline-restored-'), 'plant', 'data');
    const targetUrl = schemas.next();
    const result = await restore({ file: out, dataDir: target, databaseUrl: targetUrl });
    expect(result).toMatchObject({ dataDir: target, keptFolder: null, keptSchema: null, verification: { ok: true } });
    expect(result.verification.entries).toBe(backup.manifest.audit.size + backup.manifest.audit.queued);
    expect((await stat(target)).mode & 0o777).toBe(0o700);
    expect((await stat(join(target, 'keys/keyring.json'))).mode & 0o777).toBe(0o600);

    const live = await verifyLiveAuditLog({ dataDir: target, databaseUrl: targetUrl });
    expect(live.ok).toBe(true);
    const restored = await openFolder(target, targetUrl);
    try {
      const page = await restored.services.orders.queries.list(source.planner, { limit: 200 });
      const restoredIds = new Set(page.items.map((order) => order.id));
      for (const id of before) expect(restoredIds.has(id), `order ${id} committed before the backup`).toBe(true);
      // The backup holds the record of its own making, covered by the checkpoint it carries.
      const made = await restored.services.store.db.selectFrom('audit_entries').select(['actor', 'source', 'detail']).where('kind', '=', 'backup.create').execute();
      expect(made).toEqual([{ actor: expect.stringMatching(/^os:/), source: 'cli', detail: JSON.stringify({ out }) }]);
      // The keyring came along: a confidential field still decrypts.
      const order = await restored.services.orders.queries.get(source.planner, source.ids[0] ?? '', { includeConfidential: true });
      expect(order.content.customerReference).toBe('customer of PO-0');
      // And the restored folder takes new work.
      await restored.services.orders.create(source.planner, source.orderInput('PO-after-restore'));
      expect(await restored.services.auditLog.checkpoint()).not.toBeNull();
    } finally {
      await restored.close();
    }
  });

  it('refuses a wrong passphrase, a cut-off file, a flipped byte and a file that is not a backup, changing nothing', async () => {
    const source = await folderWithOrders(2);
    await source.folder.close();
    const out = join(source.dir, 'b.flb');
    await createBackup({ dataDir: source.dataDir, out, passphrase: PASSPHRASE, databaseUrl: source.url, file: { scrypt: FAST_SCRYPT, chunkBytes: 4096 } });
    const bytes = await readFile(out);
    const other = ephemeralAuditIdentity('forgeline.audit/elsewhere');
    const otherKey = verifierKey(other.origin, other.publicKey);
    const parent = tempFolder('forgeline-refused-');
    const target = join(parent, 'data');
    const targetUrl = schemas.next();
    const tampered = async (name: string, content: Buffer) => {
      await writeFile(join(source.dir, name), content);
      return join(source.dir, name);
    };
    const flip = (at: number) => {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x80;
      return copy;
    };
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['wrong passphrase', async () => restore({ file: out, dataDir: target, databaseUrl: targetUrl, passphrase: 'not the passphrase at all' }), /wrong passphrase/],
      ['cut in half', async () => restore({ file: await tampered('half.flb', bytes.subarray(0, Math.floor(bytes.length / 2))), dataDir: target, databaseUrl: targetUrl }), /cut short/],
      ['last byte gone', async () => restore({ file: await tampered('short.flb', bytes.subarray(0, bytes.length - 1)), dataDir: target, databaseUrl: targetUrl }), /cut short|does not verify/],
      ['flipped in the header', async () => restore({ file: await tampered('header.flb', flip(40)), dataDir: target, databaseUrl: targetUrl }), /header/],
      ['flipped in the middle', async () => restore({ file: await tampered('middle.flb', flip(Math.floor(bytes.length / 2))), dataDir: target, databaseUrl: targetUrl }), /chunk \d+ .*does not verify/],
      ['flipped at the end', async () => restore({ file: await tampered('end.flb', flip(bytes.length - 1)), dataDir: target, databaseUrl: targetUrl }), /chunk \d+, the last in the file, does not verify/],
      ['not a backup', async () => restore({ file: join(source.dataDir, 'forgeline.json'), dataDir: target, databaseUrl: targetUrl }), /is not a Forgeline backup/],
      ['another installation\'s audit key', async () => restore({ file: out, dataDir: target, databaseUrl: targetUrl, auditKey: otherKey }), /backup of another installation/],
    ];
    for (const [name, attempt, message] of cases) {
      expect(await refused(attempt(), 'backup-invalid'), name).toMatch(message);
      expect(await namesIn(parent), name).toEqual([]);
      expect(await schemas.list(), name).toEqual([]);
    }
    expect(await schemas.list('forgeline_restore_%')).toEqual([]);
  });

  it('refuses a backup whose audit log was changed before it was taken, changing nothing', async () => {
    const source = await folderWithOrders(3);
    // Someone edits an entry behind the server's back; the backup faithfully copies the damage.
    await source.folder.services.store.db.updateTable('audit_entries').set({ detail: '{"edited":true}' }).where('idx', '=', 2).execute();
    await source.folder.close();
    const out = join(source.dir, 'b.flb');
    await createBackup({ dataDir: source.dataDir, out, passphrase: PASSPHRASE, databaseUrl: source.url, file: { scrypt: FAST_SCRYPT } });
    const parent = tempFolder('forgeline-refused-');
    expect(await refused(restore({ file: out, dataDir: join(parent, 'data'), databaseUrl: schemas.next() }), 'audit-integrity')).toMatch(/does not verify .*entry 2.*nothing was restored/);
    expect(await namesIn(parent)).toEqual([]);
    expect(await schemas.list()).toEqual([]);
    expect(await schemas.list('forgeline_restore_%')).toEqual([]);
  });

  it('refuses to back up a live log that no longer extends its signed checkpoint', async () => {
    const source = await folderWithOrders(2);
    const { db } = source.folder.services.store;
    const last = await db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
    await db.deleteFrom('audit_entries').where('idx', '=', Number(last.last)).execute();
    await source.folder.close();
    const out = join(source.dir, 'b.flb');
    const attempt = createBackup({ dataDir: source.dataDir, out, passphrase: PASSPHRASE, databaseUrl: source.url, file: { scrypt: FAST_SCRYPT } });
    expect(await refused(attempt, 'audit-integrity')).toMatch(/live audit log cannot be checkpointed.*entries were deleted/);
    expect(await namesIn(source.dir)).toEqual(['admin-password', 'data']);
  });

  it('refuses to overwrite an initialized data folder without --force, and with it keeps the old one aside', async () => {
    const source = await folderWithOrders(1);
    const auditKey = source.folder.services.auditLog.verifierKeyLine();
    await source.folder.close();
    const out = join(source.dir, 'b.flb');
    await createBackup({ dataDir: source.dataDir, out, passphrase: PASSPHRASE, databaseUrl: source.url, file: { scrypt: FAST_SCRYPT } });
    const parent = tempFolder('forgeline-force-');
    const target = join(parent, 'data');
    const targetUrl = schemas.next();
    await restore({ file: out, dataDir: target, databaseUrl: targetUrl, auditKey });
    const firstManifest = await readFile(join(target, 'forgeline.json'), 'utf8');

    expect(await refused(restore({ file: out, dataDir: target, databaseUrl: targetUrl }), 'conflict')).toMatch(/initialized data folder; nothing was changed/);
    expect(await namesIn(parent)).toEqual(['data']);

    const now = new Date('2026-11-26T08:15:00Z');
    const result = await restore({ file: out, dataDir: target, databaseUrl: targetUrl, force: true, now: () => now });
    expect(result.keptFolder).toBe(`${target}.before-restore-20261126t081500z`);
    expect(await namesIn(parent)).toEqual(['data', 'data.before-restore-20261126t081500z']);
    expect(await readFile(join(parent, 'data.before-restore-20261126t081500z', 'forgeline.json'), 'utf8')).toBe(firstManifest);
    if (engine.kind === 'postgres') {
      expect(result.keptSchema).toMatch(/_before_restore_20261126t081500z$/);
      expect(await schemas.list()).toEqual([result.schema, result.keptSchema].sort());
    }
    const restored = await openFolder(target, targetUrl);
    try {
      expect((await restored.services.orders.queries.list(source.planner, {})).items.map((order) => order.number)).toEqual(['PO-0']);
    } finally {
      await restored.close();
    }
  });
});
