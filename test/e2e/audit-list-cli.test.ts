/** `forgeline audit list --newest-first` through the real CLI against a real server: latest first, paged with --before. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, runCli, startPlantServer, type PlantServer } from './cli-harness.js';

interface Listed {
  readonly order: string;
  readonly items: readonly { index: number; kind: string; detail: { code?: string } }[];
  readonly nextAfter: number | null;
  readonly nextBefore: number | null;
}

describe('forgeline audit list, newest first', () => {
  let dir: string;
  let plant: PlantServer;
  const admin = (...args: string[]) => runCli(args, plant.admin);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-audit-list-'));
    plant = await startPlantServer(dir);
    for (const code of ['BOLT-1', 'BOLT-2', 'BOLT-3']) expectOk(await admin('item', 'add', code, 'A', '--unit', 'pcs', '--description', `bolt ${code}`));
  });
  afterAll(async () => {
    await plant?.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the latest entries first and pages back with the --before it prints, to the first entry', async () => {
    const inLogOrder = JSON.parse(expectOk(await admin('audit', 'list', '--kind', 'item.create', '--json'))) as Listed;
    expect(inLogOrder.items.map((entry) => entry.detail.code)).toEqual(['BOLT-1', 'BOLT-2', 'BOLT-3']);

    const first = await admin('audit', 'list', '--kind', 'item.create', '--newest-first', '--limit', '2');
    expect(first.code, first.stderr).toBe(0);
    const rows = first.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    const [newest, next] = inLogOrder.items.slice(1).reverse();
    expect(rows.map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual([newest?.index, next?.index]);
    expect(first.stderr.trim()).toBe(`more entries: --newest-first --before ${next?.index}`);

    const rest = await admin('audit', 'list', '--kind', 'item.create', '--newest-first', '--limit', '2', '--before', String(next?.index));
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout.trim().split('\n').slice(1).map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual([inLogOrder.items[0]?.index]);
    expect(rest.stderr).toBe('');

    // Unfiltered, the first entry newest first is the latest of the whole log: the previous listing's own record.
    const latest = JSON.parse(expectOk(await admin('audit', 'list', '--newest-first', '--limit', '3', '--json'))) as Listed;
    expect(latest.order).toBe('desc');
    expect(latest.items.map((entry) => entry.index)).toEqual([latest.items[0]?.index ?? 0, (latest.items[0]?.index ?? 0) - 1, (latest.items[0]?.index ?? 0) - 2]);
    expect(latest.items[0]?.kind).toBe('audit.read');
    expect(latest.nextBefore).toBe(latest.items[2]?.index);
    expect(latest.nextAfter).toBeNull();

    const bad = await admin('audit', 'list', '--newest-first', '--before', 'latest');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^forgeline: usage: .*--before.*whole number/);
  });
});
