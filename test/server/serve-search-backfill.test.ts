/** `serveForgeline` fills older orders' customer tags by itself after it starts, and stops the fill when it closes. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/audit/index.js';
import { DATA_MANIFEST, createServices, initDataFolder, readManifest, serveForgeline, storeOptionsFor } from '../../src/server/index.js';
import { loadAuditIdentity } from '../../src/server/audit-identity.js';
import { loadDataKeyring } from '../../src/server/data-keyring.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { UNREADABLE_CUSTOMER_TAG } from '../../src/orders/index.js';
import { SETUP_ADMIN, TEST_PASSWORD, TEST_PLANT } from '../support/factories.js';
import { tempFolder } from '../support/temp-folders.js';

/** The fill runs beside the test: give it time on a loaded machine. */
const POLL = { timeout: 15_000 };

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/**
 * A data folder holding `count` orders made with its own keyring, as a server of before
 * migration 0015 left them: no customer tag. Answers the folder, a store on it and the order ids.
 */
async function folderWithUntaggedOrders(count: number): Promise<{ dataDir: string; store: Store; ids: string[] }> {
  const dataDir = join(tempFolder('forgeline-backfill-'), 'data');
  await initDataFolder({ dataDir });
  const manifest = await readManifest(dataDir);
  const store = await openDatabase(storeOptionsFor(dataDir, manifest));
  stores.push(store);
  const services = createServices({
    store, clock: systemClock, auditIdentity: await loadAuditIdentity(dataDir, manifest), keyring: await loadDataKeyring(dataDir, join(dataDir, DATA_MANIFEST), manifest),
  });
  const { nodes } = await services.plant.import(SETUP_ADMIN, TEST_PLANT);
  await services.items.create(SETUP_ADMIN, { code: 'GEAR-12', revision: 'A', description: 'Spur gear', unit: 'pcs' });
  const roles = [{ role: 'planner' as const, scopeNodeId: null }];
  const view = await services.users.add(SETUP_ADMIN, { username: 'pia', displayName: 'Pia', password: TEST_PASSWORD, roles, temporaryPassword: false });
  const planner = { subject: { userId: view.id, username: 'pia', roles, passwordMustChange: false }, source: '127.0.0.1' };
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const order = await services.orders.create(planner, {
      number: `PO-BF-${n}`, item: { code: 'GEAR-12', revision: 'A' }, quantity: { value: '10', unit: 'pcs' },
      dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' }, workCenterId: nodes.find((node) => node.code === 'wc-mill')?.id,
      operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }], customerReference: `CUST-${n}`,
    });
    ids.push(order.id);
  }
  await store.db.updateTable('orders').set({ customer_tag: null }).execute();
  return { dataDir, store, ids };
}

const untagged = async (store: Store): Promise<number> =>
  Number((await store.db.selectFrom('orders').select((eb) => eb.fn.countAll().as('n')).where('customer_tag', 'is', null).executeTakeFirstOrThrow()).n);

it('tags older orders after it starts without being asked, and warns of one it cannot decrypt', async () => {
  const { dataDir, store, ids } = await folderWithUntaggedOrders(7);
  const [first, damaged] = ids;
  // Another order's sealed fields do not open for this one (AES-GCM associated data binds the order).
  const { confidential } = await store.db.selectFrom('order_revisions').select('confidential').where('order_id', '=', first ?? '').executeTakeFirstOrThrow();
  await store.db.updateTable('order_revisions').set({ confidential }).where('order_id', '=', damaged ?? '').execute();
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  const server = await serveForgeline({ dataDir, host: '127.0.0.1', port: 0, log: false, searchBackfill: { batchSize: 3, pauseMs: 0 } });
  try {
    await expect.poll(() => warnings.find((message) => message.startsWith('order search index:')), POLL).toBe(
      `order search index: 6 older order(s) indexed in the background; 1 could not be decrypted and stay out of customer search: ${damaged} (forgeline order reindex lists them all)`,
    );
    // Every order looked at; the one that does not decrypt is marked, so the next start does not scan it again.
    expect(await untagged(store)).toBe(0);
    expect(await store.db.selectFrom('orders').select('id').where('customer_tag', '=', UNREADABLE_CUSTOMER_TAG).execute()).toEqual([{ id: damaged }]);
    // Filled without a request, and the server answers as ever.
    const ca = await readFile(join(dataDir, (await readManifest(dataDir)).tls.ca), 'utf8');
    const health = await fetch(`${server.url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
    expect(health.status).toBe(200);
  } finally {
    process.off('warning', onWarning);
    await server.close();
  }
});

it('closes at once in the middle of the fill, which the next start takes up again', async () => {
  const { dataDir, store } = await folderWithUntaggedOrders(4);
  // One order a batch and a minute between batches: the close comes while the fill waits.
  const server = await serveForgeline({ dataDir, host: '127.0.0.1', port: 0, log: false, searchBackfill: { batchSize: 1, pauseMs: 60_000 } });
  await expect.poll(() => untagged(store), POLL).toBe(3);
  const began = Date.now();
  await server.close();
  expect(Date.now() - began).toBeLessThan(10_000);
  expect(await untagged(store)).toBe(3);

  const again = await serveForgeline({ dataDir, host: '127.0.0.1', port: 0, log: false, searchBackfill: { pauseMs: 0 } });
  try {
    await expect.poll(() => untagged(store), POLL).toBe(0);
  } finally {
    await again.close();
  }
});
