import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/index.js';

describe('forgeline demo', () => {
  it('runs 50 orders through their lifecycle over HTTPS, shows the refusals, and leaves no folder behind', async () => {
    const lines: string[] = [];
    const summary = await runDemo({ out: (text) => lines.push(text) });

    const folder = /^Forgeline demo in (\S+)$/.exec(lines[0] ?? '')?.[1];
    expect(folder).toBeDefined();
    await expect(stat(folder ?? '')).rejects.toMatchObject({ code: 'ENOENT' });

    const { closed = 0, cancelled = 0 } = summary.ordersByState;
    expect(closed + cancelled).toBe(50);
    expect(Object.keys(summary.ordersByState).sort()).toEqual(['cancelled', 'closed']);
    expect(cancelled).toBe(4);
    expect(summary.refusals).toEqual({ forbidden: 2, 'separation-of-duties': 1, 'stale-version': 1 });
    // Every refusal but the stale version is a policy denial, and each leaves its audit entry.
    expect(summary.deniedEntries).toBe(3);
    expect(summary.auditEntries).toBeGreaterThan(450);
    expect(summary.seconds).toBeGreaterThan(0);

    const report = lines.join('\n');
    expect(report).toMatch(/2 sites \(graz, brno\), 2 areas, 6 work centers/);
    expect(report).toContain('50/50 through their lifecycle');
    expect(report).toContain('a create of NW-0001 sent twice with one Idempotency-Key made one order');
    expect(report).toContain('supervisor releases the order she wrote: separation-of-duties');
    expect(report).toContain('start from a stale copy: stale-version');
    expect(report).toContain('logistics asks for the recipe: forbidden');
    expect(report).toContain(`${summary.auditEntries} entries (ok ${summary.auditEntries - summary.deniedEntries}, denied ${summary.deniedEntries}), indices 0..${summary.auditEntries - 1} dense`);
  }, 180_000);

  it('closes the server and removes the folder when the run fails midway', async () => {
    const lines: string[] = [];
    const out = (text: string): void => {
      lines.push(text);
      if (text.includes('10/50')) throw new Error('the terminal went away');
    };
    await expect(runDemo({ out })).rejects.toThrow('the terminal went away');
    const folder = /^Forgeline demo in (\S+)$/.exec(lines[0] ?? '')?.[1];
    expect(folder).toBeDefined();
    await expect(stat(folder ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);
});
