import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyZones, expectOk, expectOneLineError, fileIn, orderPeople, runCli, startPlantServer, type OrderPeople, type PlantServer } from './cli-harness.js';

describe('zones and conduits through the real CLI and server', () => {
  let dir: string;
  let plant: PlantServer;
  let people: OrderPeople;
  const admin = (...args: string[]) => runCli(args, plant.admin);
  const pia = (...args: string[]) => runCli(args, people.pia);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-zone-e2e-'));
    plant = await startPlantServer(dir);
    people = await orderPeople(dir, plant);
  }, 120_000);

  afterAll(async () => {
    await plant?.server.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists no zones, applies a YAML description, and lists it as a table and as JSON', async () => {
    expect(expectOk(await admin('zone', 'list')).trim()).toBe('no zones yet: every dispatch is refused until forgeline zone apply FILE describes them');
    await writeFile(fileIn(dir, 'cell.yaml'), [
      'zones:',
      '  - { code: mill-cell, name: Mill cell, securityLevel: 3, members: [acme/berlin/machining/wc-mill] }',
      'conduits:',
      '  - { code: mill-mqtt, zone: mill-cell, transport: mqtt, flows: [reports, orders] }',
    ].join('\n'));
    expect(expectOk(await admin('zone', 'apply', fileIn(dir, 'cell.yaml'))).trim()).toBe('zones applied (version 1): 1 zone(s) with 1 member(s), 1 conduit(s)');

    const table = expectOk(await admin('zone', 'list')).split('\n');
    expect(table[0]).toMatch(/^zones version 1, applied \S+, description sha-256 [0-9a-f]{64}$/);
    expect(table).toContainEqual(expect.stringMatching(/^mill-cell\s+3\s+Mill cell\s+acme\/berlin\/machining\/wc-mill$/));
    expect(table).toContainEqual(expect.stringMatching(/^mill-mqtt\s+mill-cell\s+mqtt\s+orders, reports$/));

    await applyZones(dir, plant.admin);
    const listed = JSON.parse(expectOk(await admin('zone', 'list', '--json'))) as { version: number; zones: { code: string; members: string[] }[]; conduits: { code: string }[] };
    expect(listed.version).toBe(2);
    expect(listed.zones.map((zone) => [zone.code, zone.members])).toEqual([['berlin', ['acme/berlin']]]);
    expect(listed.conduits.map((conduit) => conduit.code)).toEqual(['berlin-https', 'berlin-mqtt']);
  });

  it('refuses bad descriptions with one line and a non-zero exit, changing nothing', async () => {
    const before = expectOk(await admin('zone', 'list', '--json'));
    await writeFile(fileIn(dir, 'unknown.yaml'), 'zones: [ { code: paint, name: Paint shop, securityLevel: 2, members: [acme/berlin/paint] } ]\nconduits: []\n');
    expect(expectOneLineError(await admin('zone', 'apply', fileIn(dir, 'unknown.yaml')), 'unknown-reference')).toContain('acme/berlin/paint');
    await writeFile(fileIn(dir, 'twice.yaml'), [
      'zones:',
      '  - { code: a, name: A, securityLevel: 1, members: [acme/berlin] }',
      '  - { code: b, name: B, securityLevel: 1, members: [acme/berlin] }',
      'conduits: []',
    ].join('\n'));
    expect(expectOneLineError(await admin('zone', 'apply', fileIn(dir, 'twice.yaml')), 'validation-failed')).toContain('acme/berlin is in two zones');
    await writeFile(fileIn(dir, 'broken.yaml'), 'zones: [ { code: a\n');
    expectOneLineError(await admin('zone', 'apply', fileIn(dir, 'broken.yaml')), 'invalid-file');
    expectOneLineError(await admin('zone', 'apply', fileIn(dir, 'absent.yaml')), 'file-not-found');
    expect(expectOk(await admin('zone', 'list', '--json'))).toBe(before);
  });

  it('refuses to dispatch an order whose zone has no conduit carrying orders, or whose work center is in no zone: one line, audited, the order stays released', async () => {
    const id = await people.release('ZONE-1');
    await writeFile(fileIn(dir, 'reports-only.yaml'), [
      'zones:',
      '  - { code: berlin, name: Berlin, securityLevel: 2, members: [acme/berlin] }',
      'conduits:',
      '  - { code: berlin-reports, zone: berlin, transport: https, flows: [reports] }',
    ].join('\n'));
    expectOk(await admin('zone', 'apply', fileIn(dir, 'reports-only.yaml')));
    expect(expectOneLineError(await pia('order', 'dispatch', id), 'conduit-refused')).toContain('orders');
    await writeFile(fileIn(dir, 'none.yaml'), 'zones: []\nconduits: []\n');
    expectOk(await admin('zone', 'apply', fileIn(dir, 'none.yaml')));
    expect(expectOneLineError(await pia('order', 'dispatch', id), 'conduit-refused')).toContain('no zone');
    expect((JSON.parse(expectOk(await pia('order', 'show', id, '--json'))) as { state: string }).state).toBe('released');
    const audited = JSON.parse(expectOk(await admin('audit', 'list', '--order', id, '--outcome', 'denied', '--json'))) as { items: { kind: string; detail: { code?: string } }[] };
    expect(audited.items.map((entry) => [entry.kind, entry.detail.code])).toEqual([['order.dispatch', 'conduit-refused'], ['order.dispatch', 'conduit-refused']]);
    // With a conduit carrying orders again, the same order goes.
    await applyZones(dir, plant.admin);
    expectOk(await pia('order', 'dispatch', id));
    expect((JSON.parse(expectOk(await pia('order', 'show', id, '--json'))) as { state: string }).state).toBe('dispatched');
  });
  it('dispatches several orders in one command, one line each; a refused one refuses only itself and the command fails in one line', async () => {
    const first = await people.release('SHIFT-1');
    const second = await people.release('SHIFT-2');
    const both = await pia('order', 'dispatch', first, second, '--note', 'morning shift');
    expect(expectOk(both).trim().split('\n')).toEqual([expect.stringMatching(/^SHIFT-1 dispatched \(version \d+\)$/), expect.stringMatching(/^SHIFT-2 dispatched \(version \d+\)$/)]);
    const third = await people.release('SHIFT-3');
    // SHIFT-1 is already on its way: refused alone; SHIFT-3 goes.
    const mixed = await pia('order', 'dispatch', first, third);
    expect(expectOneLineError(mixed, 'orders-refused')).toBe('forgeline: orders-refused: 1 of 2 orders refused; the others were dispatched');
    expect(mixed.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^SHIFT-1 refused: illegal-transition: cannot dispatch an order that is dispatched/), expect.stringMatching(/^SHIFT-3 dispatched /)]);
    for (const id of [first, second, third]) expect((JSON.parse(expectOk(await pia('order', 'show', id, '--json'))) as { state: string }).state).toBe('dispatched');
    const audited = JSON.parse(expectOk(await admin('audit', 'list', '--order', second, '--json'))) as { items: { kind: string; detail: { note?: string } }[] };
    expect(audited.items.filter((entry) => entry.kind === 'order.dispatch').map((entry) => entry.detail.note)).toEqual(['morning shift']);
    // --version names one order's version: refused for several, nothing sent.
    const fourth = await people.release('SHIFT-4');
    const usage = await pia('order', 'dispatch', fourth, second, '--version', '3');
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe('forgeline: usage: --version names the version of one order: leave it out when dispatching several');
    expect((JSON.parse(expectOk(await pia('order', 'show', fourth, '--json'))) as { state: string }).state).toBe('released');
  });
});
