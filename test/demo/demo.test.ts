import { stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/index.js';
import { findMosquitto } from '../../src/demo/shop-floor-broker.js';

/** Whether something still accepts TCP connections at `url`'s host and port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// The MQTT work centers need a real Mosquitto; without one they run over HTTPS, unless services are required.
const brokerExpected = findMosquitto() !== undefined || process.env.FORGELINE_REQUIRE_SERVICES === '1';

describe('forgeline demo', () => {
  it('runs 50 orders through their lifecycle over HTTPS and one per work center on its machine, refuses a tampered copy, and leaves nothing behind', async () => {
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
    // Every refusal but the stale version is a policy denial, and each leaves its audit entry; so does the agent's refusal of the tampered copy.
    expect(summary.deniedEntries).toBe(4);
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

    // The shop floor: every work center's order completed by its machine alone, half of them over MQTT.
    const { shopFloor } = summary;
    expect(shopFloor).toMatchObject({ completed: 6, refused: 1, refusedCode: 'jws-invalid', broker: brokerExpected, transports: brokerExpected ? { https: 3, mqtt: 3 } : { https: 6, mqtt: 0 } });
    expect(shopFloor.workCenters.map((run) => run.workCenter)).toEqual(['wc-draw-1', 'wc-draw-2', 'wc-straighten', 'wc-cut', 'wc-chamfer', 'wc-pack']);
    for (const run of shopFloor.workCenters) {
      // The simulated machine makes the order quantity good in three reports, one scrap part in each but the first.
      expect(run).toMatchObject({ good: '250', scrap: '2', unit: 'm', progressReports: 3 });
      expect(run.completedMs).toBeGreaterThan(run.acceptedMs);
      expect(report).toMatch(new RegExp(`${run.workCenter} +${run.transport === 'https' ? 'HTTPS' : 'MQTT '} ${run.number} accepted ${run.acceptedMs} ms after dispatch, completed in [0-9.]+ s: good 250 m, scrap 2 m \\(3 progress reports by its device\\)`));
    }
    expect(report).toMatch(/machines +wc-draw-1 +HTTPS NW-0051 accepted/);
    expect(report).toContain('a copy of NW-0051 with its quantity changed from 250 to 2500, signature kept: refused by the agent of wc-draw-1 (jws-invalid) and reported');
    expect(report).toMatch(/audit: device\.report 6, device\.order-refused 1, device\.connect \d+/);
    expect(report).toContain(brokerExpected ? 'the server restarted with its MQTT bridge' : 'mosquitto is not installed: the MQTT work centers run over HTTPS instead');
    // 50 story orders and 6 shop floor orders were created, each once.
    expect(report).toContain('order.create 56');

    // Everything the demo started is stopped: the server, the broker, every agent's OPC UA server.
    const servers = [/server +(https:\/\/\S+),/.exec(report)?.[1] ?? '', ...shopFloor.workCenters.map((run) => run.opcuaEndpoint)];
    const broker = /Mosquitto at (mqtts:\/\/\S+)/.exec(report)?.[1];
    if (brokerExpected) servers.push(broker ?? 'mqtts://broker-not-shown:1');
    expect(servers.every((url) => url !== '')).toBe(true);
    expect(await Promise.all(servers.map(listening))).toEqual(servers.map(() => false));
  }, 180_000);

  it('stops the broker and the restarted server and removes the folder when the run fails midway', async () => {
    const lines: string[] = [];
    const out = (text: string): void => {
      lines.push(text);
      // After the 50 orders, once the broker runs and the server was restarted with its MQTT bridge.
      if (/^ {2}mqtt /.test(text)) throw new Error('the terminal went away');
    };
    await expect(runDemo({ out })).rejects.toThrow('the terminal went away');
    const folder = /^Forgeline demo in (\S+)$/.exec(lines[0] ?? '')?.[1];
    expect(folder).toBeDefined();
    await expect(stat(folder ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
    const report = lines.join('\n');
    expect(report).toContain('50/50 through their lifecycle');
    const server = /server +(https:\/\/\S+),/.exec(report)?.[1];
    const broker = /Mosquitto at (mqtts:\/\/\S+)/.exec(report)?.[1];
    expect(server).toBeDefined();
    expect(broker !== undefined).toBe(brokerExpected);
    expect(await listening(server ?? '')).toBe(false);
    if (broker !== undefined) expect(await listening(broker)).toBe(false);
  }, 120_000);
});
