import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { verifyStoredLog, type ExportVerification } from '../../src/audit/index.js';
import { auditLeafHash, catchUpAuditLookup } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';

/**
 * Issue 3, point 5: edit, delete, insert and reorder rows directly in the database,
 * truncate the log, roll it back to an old copy: verification names what broke, and where.
 */
describeEachEngine('tampering with the stored audit log', (engine) => {
  let world: TestWorld;
  let planner: Actor;
  let keptCheckpoint: { size: number; note: string };
  const db = () => engine.store().db;
  const verify = (kept: { size: number; note: string }[] = []) => verifyStoredLog(engine.store(), world.identity, kept);
  const failure = (result: ExportVerification) => {
    if (result.ok) throw new Error('verification passed, but the log was tampered with');
    return result.failure;
  };
  const rowAt = (idx: number) => db().selectFrom('audit_entries').selectAll().where('idx', '=', idx).executeTakeFirstOrThrow();

  beforeEach(async () => {
    world = await createWorld(engine.store());
    planner = await world.user('pia.planner', ['planner']);
    for (let i = 0; i < 4; i += 1) await world.createOrder(planner);
    await world.services.auditLog.checkpoint();
    for (let i = 0; i < 3; i += 1) await world.createOrder(planner);
    const latest = await world.services.auditLog.checkpoint();
    if (!latest) throw new Error('no checkpoint');
    keptCheckpoint = { size: latest.size, note: latest.note };
    await world.createOrder(planner);
  });

  it('verifies the untouched log: every leaf, the tree, every checkpoint', async () => {
    const result = await verify([keptCheckpoint]);
    expect(result).toMatchObject({ ok: true, checkpoints: 3 });
    if (result.ok) expect(result.uncoveredEntries).toBe(1);
  });

  it('catches an edited column, naming the entry', async () => {
    await db().updateTable('audit_entries').set({ actor: 'someone-else' }).where('idx', '=', 5).execute();
    expect(failure(await verify())).toMatchObject({ code: 'leaf-mismatch', index: 5 });
  });

  it('catches edited entry bytes, even with the leaf hash and columns fixed up to match', async () => {
    const row = await rowAt(6);
    const forged = row.entry.replace('"actor":"pia.planner"', '"actor":"mallory"');
    expect(forged).not.toBe(row.entry);
    await db().updateTable('audit_entries').set({ entry: forged, actor: 'mallory', leaf_hash: auditLeafHash(forged) }).where('idx', '=', 6).execute();
    const found = failure(await verify());
    expect(found.code).toBe('root-mismatch');
    expect(found.message).toMatch(/size \d+/);
  });

  it('catches a deleted entry, naming the missing index', async () => {
    await db().deleteFrom('audit_entries').where('idx', '=', 3).execute();
    expect(failure(await verify())).toMatchObject({ code: 'index-gap', index: 3 });
  });

  it('catches an entry inserted into the history', async () => {
    const size = Number((await db().selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('n')).executeTakeFirstOrThrow()).n) + 1;
    // Make room at index 2 by renumbering the later rows (their entry bytes name their old index).
    for (let idx = size - 1; idx >= 2; idx -= 1) await db().updateTable('audit_entries').set({ idx: idx + 1 }).where('idx', '=', idx).execute();
    const template = await rowAt(1);
    const forgedEntry = template.entry.replace('"idx":1', '"idx":2');
    await db().insertInto('audit_entries').values({ ...template, idx: 2, entry: forgedEntry, leaf_hash: auditLeafHash(forgedEntry) }).execute();
    expect(failure(await verify())).toMatchObject({ code: 'leaf-mismatch', index: 3 });
  });

  it('catches two entries swapped', async () => {
    await db().updateTable('audit_entries').set({ idx: 1000 }).where('idx', '=', 4).execute();
    await db().updateTable('audit_entries').set({ idx: 4 }).where('idx', '=', 5).execute();
    await db().updateTable('audit_entries').set({ idx: 5 }).where('idx', '=', 1000).execute();
    expect(failure(await verify())).toMatchObject({ code: 'leaf-mismatch', index: 4 });
  });

  it('catches a truncated log against a checkpoint kept elsewhere', async () => {
    const keep = keptCheckpoint.size - 3;
    await db().deleteFrom('audit_entries').where('idx', '>=', keep).execute();
    await db().deleteFrom('audit_checkpoints').where('size', '>', keep).execute();
    // The tree goes too, as an intruder would remove what no longer matches: the subtree hashes live in the entry rows.
    await db().updateTable('audit_entries').set({ nodes: '' }).execute();
    const found = failure(await verify([keptCheckpoint]));
    expect(['truncated', 'checkpoint-out-of-place']).toContain(found.code);
    expect(found.message).toContain(String(keptCheckpoint.size));
  });

  it('catches a roll-back to an old copy of the database against a checkpoint kept elsewhere', async () => {
    // Copy the log tables as a backup would, let the plant work on, then restore the copy.
    for (const table of ['audit_entries', 'audit_checkpoints']) {
      await sql`create table ${sql.id(`old_${table}`)} as select * from ${sql.id(table)}`.execute(db());
    }
    for (let i = 0; i < 3; i += 1) await world.createOrder(planner);
    const later = await world.services.auditLog.checkpoint();
    if (!later) throw new Error('no checkpoint');
    for (const table of ['audit_entries', 'audit_checkpoints']) {
      await sql`delete from ${sql.id(table)}`.execute(db());
      await sql`insert into ${sql.id(table)} select * from ${sql.id(`old_${table}`)}`.execute(db());
    }
    // The old copy is internally consistent; only a checkpoint signed after it reveals it.
    expect((await verify()).ok).toBe(true);
    const found = failure(await verify([{ size: later.size, note: later.note }]));
    expect(found.message).toContain(String(later.size));
  });

  it('refuses to sign once entries a checkpoint covered were deleted', async () => {
    await db().deleteFrom('audit_entries').where('idx', '>=', keptCheckpoint.size - 2).execute();
    await expect(world.services.auditLog.checkpoint()).rejects.toMatchObject({ code: 'audit-integrity' });
  });

  it('refuses to sign when the last signed entry was replaced by another, the size unchanged', async () => {
    const size = await world.services.auditLog.tree.size();
    const signed = await world.services.auditLog.checkpoint();
    expect(signed?.size).toBe(size);
    const last = await db().selectFrom('audit_entries').selectAll().where('idx', '=', size - 1).executeTakeFirstOrThrow();
    await db().deleteFrom('audit_entries').where('idx', '=', size - 1).execute();
    // An honest append now takes the freed index: same size as signed, another root.
    await world.services.orders.create(planner, world.orderInput());
    expect(await world.services.auditLog.tree.size()).toBe(size);
    expect((await db().selectFrom('audit_entries').select('entry').where('idx', '=', size - 1).executeTakeFirstOrThrow()).entry).not.toBe(last.entry);
    await expect(world.services.auditLog.checkpoint()).rejects.toMatchObject({ code: 'audit-integrity' });
  });

  it('catches a forged checkpoint and a changed stored root', async () => {
    await db().updateTable('audit_checkpoints').set({ note: keptCheckpoint.note.replace(/\n\n— /, '\n\n— x') }).where('size', '=', keptCheckpoint.size).execute();
    expect(['bad-signature', 'malformed-line', 'unknown-key']).toContain(failure(await verify()).code);
  });

  it('never trusts the audit lookup: a garbled or empty lookup changes no verdict, and an edit copied into it is still caught', async () => {
    await catchUpAuditLookup(engine.store());
    await db().updateTable('audit_lookup').set({ kind: 'order.cancel', actor_id: null, order_id: null, outcome: 'denied' }).execute();
    expect((await verify([keptCheckpoint])).ok).toBe(true);
    await db().deleteFrom('audit_lookup').execute();
    expect((await verify([keptCheckpoint])).ok).toBe(true);
    // The lookup rebuilt from an edited row agrees with the edit; the tree does not.
    await db().updateTable('audit_entries').set({ kind: 'order.cancel' }).where('idx', '=', 5).execute();
    await catchUpAuditLookup(engine.store());
    expect((await db().selectFrom('audit_lookup').select('kind').where('idx', '=', 5).executeTakeFirstOrThrow()).kind).toBe('order.cancel');
    expect(failure(await verify([keptCheckpoint]))).toMatchObject({ code: 'leaf-mismatch', index: 5 });
  });
});
