/**
 * The work-center board's live updates (web/src/floor/board-sync.ts) against a counting fake of
 * the API: an event costs one request for its order at most, a burst of events one per order,
 * nothing when the board already holds the version or the order leaves the board, and only a
 * reopened stream lists the board again. Also which refused streams are final.
 */
import { describe, expect, it } from 'vitest';
import { withOrder } from '../../web/src/floor/board-model.js';
import { BoardSync } from '../../web/src/floor/board-sync.js';
import { isPermanentRefusal } from '../../web/src/floor/event-stream-status.js';
import type { OrderDetail, OrderState } from '../../web/src/floor/floor-types.js';

/** An order as the API answers it, with what the tests vary. */
const order = (id: string, state: OrderState, version: number, goodQuantity = '0'): OrderDetail => ({
  id,
  number: `PO-${id}`,
  workCenterId: 'wc',
  state,
  heldFrom: null,
  revision: 1,
  version,
  contentHash: 'hash',
  priority: 'normal',
  dueEnd: `2026-12-0${id.length}T00:00:00Z`,
  updatedAt: '2026-11-27T00:00:00Z',
  goodQuantity,
  scrapQuantity: '0',
  unit: 'pcs',
  content: { item: { code: 'GEAR', revision: 'A' }, quantity: { value: '100', unit: 'pcs' }, operations: [], materials: [], notes: null },
  confidentialFields: [],
  progress: [],
});

/** The server's orders, the requests made of them, and a board synchronised from them with a hand-run timer. */
function fixture(initial: readonly OrderDetail[]) {
  const server = new Map(initial.map((entry) => [entry.id, entry]));
  const requests: string[] = [];
  const timers: (() => void)[] = [];
  let board: readonly OrderDetail[] | undefined;
  let error: unknown;
  const sync = new BoardSync({
    source: {
      list: async () => {
        requests.push('list');
        return [...server.values()].filter((entry) => ['running', 'paused', 'dispatched', 'held'].includes(entry.state));
      },
      fetch: async (id) => {
        requests.push(`get ${id}`);
        const found = server.get(id);
        if (found === undefined) throw Object.assign(new Error('not found'), { status: 404 });
        return found;
      },
    },
    onBoard: (next) => {
      board = next;
    },
    onError: (next) => {
      error = next;
    },
    setTimer: (run) => {
      timers.push(run);
      return () => timers.splice(timers.indexOf(run), 1);
    },
  });
  /** Runs the timers due and lets every answer arrive. */
  const settle = async () => {
    for (let round = 0; round < 20; round += 1) {
      timers.splice(0).forEach((run) => run());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  /** The server changes an order and tells the board, as the event stream does. */
  const change = (next: OrderDetail) => {
    server.set(next.id, next);
    sync.heard({ id: next.id, state: next.state, version: next.version });
  };
  return { sync, server, requests, settle, change, board: () => board, error: () => error };
}

describe('the work-center board kept live', () => {
  it('fetches only the order an event names, never the list, and shows it as it now is', async () => {
    const plant = fixture([order('a', 'dispatched', 3), order('b', 'running', 5), order('c', 'paused', 2)]);
    plant.sync.reload();
    await plant.settle();
    expect(plant.requests).toEqual(['list', 'get a', 'get b', 'get c']);
    plant.requests.length = 0;

    plant.change(order('a', 'running', 4));
    await plant.settle();
    expect(plant.requests).toEqual(['get a']);
    expect(plant.board()?.map((entry) => [entry.id, entry.state])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'paused']]);
  });

  it('handles a burst of progress reports on one order with one request', async () => {
    const plant = fixture([order('a', 'running', 1)]);
    plant.sync.reload();
    await plant.settle();
    plant.requests.length = 0;
    for (let version = 2; version <= 30; version += 1) plant.change(order('a', 'running', version, String(version)));
    await plant.settle();
    expect(plant.requests).toEqual(['get a']);
    expect(plant.board()?.[0]).toMatchObject({ version: 30, goodQuantity: '30' });
  });

  it('asks nothing for a change the board already holds (its own command\'s answer) or for an order leaving the board', async () => {
    const plant = fixture([order('a', 'running', 1), order('b', 'running', 1)]);
    plant.sync.reload();
    await plant.settle();
    plant.requests.length = 0;

    const started = order('a', 'paused', 2);
    plant.server.set('a', started);
    plant.sync.changed(started);
    plant.change(started);
    plant.change(order('b', 'completed', 2));
    await plant.settle();
    expect(plant.requests).toEqual([]);
    expect(plant.board()?.map((entry) => [entry.id, entry.state])).toEqual([['a', 'paused']]);
  });

  it('adds an order newly dispatched here, and drops one the server no longer gives', async () => {
    const plant = fixture([order('a', 'running', 1)]);
    plant.sync.reload();
    await plant.settle();
    plant.requests.length = 0;
    plant.change(order('new', 'dispatched', 4));
    await plant.settle();
    expect(plant.board()?.map((entry) => entry.id)).toEqual(['a', 'new']);

    plant.server.delete('a');
    plant.sync.heard({ id: 'a', state: 'paused', version: 2 });
    await plant.settle();
    expect(plant.requests).toEqual(['get new', 'get a']);
    expect(plant.board()?.map((entry) => entry.id)).toEqual(['new']);
    expect(plant.error()).toBeUndefined();
  });

  it('lists the board again when the stream reopens, fetching only the orders whose version changed', async () => {
    const plant = fixture([order('a', 'running', 1), order('b', 'dispatched', 1)]);
    plant.sync.reload();
    await plant.settle();
    plant.requests.length = 0;
    // Missed while the stream was closed.
    plant.server.set('b', order('b', 'running', 2));
    plant.server.set('c', order('c', 'dispatched', 1));
    plant.sync.reload();
    await plant.settle();
    expect(plant.requests).toEqual(['list', 'get b', 'get c']);
    expect(plant.board()?.map((entry) => [entry.id, entry.state])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'dispatched']]);
  });

  it('loads once when the stream cannot open, and not while a load is under way', async () => {
    const plant = fixture([order('a', 'running', 1)]);
    plant.sync.ensureLoaded();
    plant.sync.ensureLoaded();
    await plant.settle();
    plant.sync.ensureLoaded();
    await plant.settle();
    expect(plant.requests).toEqual(['list', 'get a']);
  });

  it('never lets an older answer replace a newer one', () => {
    const newer = order('a', 'paused', 3);
    expect(withOrder([newer], order('a', 'running', 2))).toEqual([newer]);
    expect(withOrder([order('a', 'running', 2)], newer)).toEqual([newer]);
  });
});

describe('a refused event stream', () => {
  it('stops for good on a missing role or a wrong work center, and tries again on anything passing', () => {
    expect([400, 403, 404, 422].map(isPermanentRefusal)).toEqual([true, true, true, true]);
    expect([401, 408, 429, 500, 502, 503].map(isPermanentRefusal)).toEqual([false, false, false, false, false, false]);
  });
});
