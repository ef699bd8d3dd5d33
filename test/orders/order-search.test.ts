import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/audit/index.js';
import { createFileKeyring, openFileKeyring } from '../../src/crypto/index.js';
import { normaliseCustomerReference } from '../../src/orders/index.js';
import { createServices } from '../../src/server/index.js';
import { keyringFileRotation } from '../../src/server/data-keyring.js';
import { migrateToLatest, storeMigrations } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN } from '../support/factories.js';
import { createApiHarness, type ApiHarness } from '../server/api-harness.js';

describe('customer reference normalisation', () => {
  it('trims, folds letter case and composes, so one customer written two ways is one', () => {
    expect(normaliseCustomerReference('  Acme-42 ')).toBe('acme-42');
    expect(normaliseCustomerReference('STRASSE')).toBe(normaliseCustomerReference('straße'));
    // "é" as one code point and as e + combining acute.
    expect(normaliseCustomerReference('CAF\u00c9')).toBe(normaliseCustomerReference('cafe\u0301'));
  });
});

describeEachEngine('order list search and due sort', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const create = async (overrides: Record<string, unknown> = {}): Promise<{ id: string; version: number }> => {
    // A second apart, so newest first is the order of creation here (ties are broken by id).
    api.world.clock.advance(1000);
    const created = await api.call('POST', '/api/v1/orders', { token: api.tokens.planner, body: api.world.orderInput(overrides) });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return { id: created.json.id as string, version: created.json.version as number };
  };
  const list = (query: string, token = api.tokens.planner) => api.call('GET', `/api/v1/orders?${query}`, { token });
  const ids = async (query: string, token = api.tokens.planner): Promise<string[]> => {
    const answer = await list(query, token);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return answer.json.items.map((order: { id: string }) => order.id);
  };
  // A search by customer goes in a body (the reference stays out of URLs and logs).
  const search = (body: Record<string, unknown>, token = api.tokens.planner) => api.call('POST', '/api/v1/orders/search', { token, body });
  const found = async (customer: string, token = api.tokens.planner): Promise<string[]> => {
    const answer = await search({ customer }, token);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return answer.json.items.map((order: { id: string }) => order.id);
  };
  const auditOf = async (kind: string) => {
    const rows = await api.world.services.store.db.selectFrom('audit_entries').select(['outcome', 'actor', 'order_id', 'detail']).where('kind', '=', kind).orderBy('idx').execute();
    return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
  };

  it('finds orders by item code exactly or by prefix, and by the new item only once an edit changed it', async () => {
    const gear = await create();
    const steel = await create();
    expect(await ids('item=GEAR-12')).toEqual([steel.id, gear.id]);
    expect(await ids('item=STEEL-42')).toEqual([]);
    const edited = await api.call('PATCH', `/api/v1/orders/${steel.id}`, { token: api.tokens.planner, body: { version: steel.version, item: { code: 'STEEL-42', revision: 'A' } } });
    expect(edited.status, JSON.stringify(edited.json)).toBe(200);
    expect(await ids('item=STEEL-42')).toEqual([steel.id]);
    expect(await ids('item=GEAR-12')).toEqual([gear.id]);
    expect(await ids('itemPrefix=GEAR')).toEqual([gear.id]);
    expect(await ids('itemPrefix=S')).toEqual([steel.id]);
    // Codes compare with their letter case, and a prefix is a prefix, not a substring.
    expect(await ids('itemPrefix=gear')).toEqual([]);
    expect(await ids('itemPrefix=12')).toEqual([]);
    expect(await ids('itemPrefix=GEAR-12&state=draft&limit=1')).toEqual([gear.id]);
    for (const bad of ['item=', 'itemPrefix=%25', 'item=GEAR%2012']) expect(await list(bad)).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
  });

  it('finds orders by customer reference, ignoring case and spaces, after an edit only by the new one, and audits the search', async () => {
    const first = await create({ customerReference: 'ACME-42' });
    const other = await create({ customerReference: 'Globex 7' });
    await create({ customerReference: null });
    expect(await found('ACME-42')).toEqual([first.id]);
    expect(await found('  acme-42 ')).toEqual([first.id]);
    expect(await found('ACME')).toEqual([]);
    const answer = await search({ customer: 'ACME-42' });
    expect(answer.json).toMatchObject({ customerIndexComplete: true, customerIndexUnreadable: 0 });
    expect((await list('state=draft')).json).not.toHaveProperty('customerIndexComplete');
    expect((await search({ state: 'draft' })).json).not.toHaveProperty('customerIndexUnreadable');

    const edited = await api.call('PATCH', `/api/v1/orders/${first.id}`, { token: api.tokens.planner, body: { version: first.version, customerReference: 'Globex 7' } });
    expect(edited.status, JSON.stringify(edited.json)).toBe(200);
    expect(await found('ACME-42')).toEqual([]);
    expect(await found('globex 7')).toEqual([other.id, first.id]);
    // Approvers and quality may see customers, so they may search by them too.
    expect(await found('Globex 7', api.tokens.approver)).toEqual([other.id, first.id]);
    expect(await found('Globex 7', api.tokens.quality)).toEqual([other.id, first.id]);

    const searches = (await auditOf('order.read-confidential')).filter((entry) => entry.detail.search === 'customerReference');
    expect(searches.at(-1)).toMatchObject({ outcome: 'ok', actor: 'quality.one', order_id: null, detail: { orders: [other.id, first.id], fields: ['customerReference'] } });
    // The audit log says which orders were found, never whom was searched for.
    expect(JSON.stringify(searches)).not.toMatch(/globex|acme/i);
  });

  it('refuses a customer search to a reader who may not see customers, audited, revealing nothing', async () => {
    await create({ customerReference: 'ACME-42' });
    for (const role of ['operator', 'logistics', 'auditor', 'admin'] as const) {
      const refused = await search({ customer: 'ACME-42' }, api.tokens[role]);
      expect(refused.status, role).toBe(403);
      expect(refused.json).toMatchObject({ code: 'forbidden', detail: expect.stringMatching(/customer/) });
      expect(refused.json).not.toHaveProperty('items');
    }
    const denied = (await auditOf('order.read-confidential')).filter((entry) => entry.outcome === 'denied');
    expect(denied.map((entry) => entry.actor)).toEqual(['operator.one', 'logistics.one', 'auditor.one', 'admin.one']);
    expect(denied[0]?.detail).toMatchObject({ search: 'customerReference' });
    expect(JSON.stringify(denied)).not.toContain('ACME');
    // The refusal changed nothing: the planner's search answers as before.
    expect(await found('ACME-42')).toHaveLength(1);
  });

  it('refuses a customer reference in the URL, pointing to the search by POST, and answers nothing', async () => {
    await create({ customerReference: 'ACME-42' });
    for (const query of ['customer=ACME-42', 'state=draft&customer=', 'customer=ACME-42&limit=1']) {
      const refused = await list(query);
      expect(refused.status, query).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json).toMatchObject({ code: 'validation-failed', detail: expect.stringContaining('POST /api/v1/orders/search'), problems: [{ path: 'customer' }] });
      expect(refused.json).not.toHaveProperty('items');
    }
    // Refused before any search: nothing was read, so nothing is audited.
    expect((await auditOf('order.read-confidential')).filter((entry) => entry.detail.search === 'customerReference')).toEqual([]);
  });

  it('answers the list by POST as by GET: the same filters, validation, pages and cursors', async () => {
    const orders = [await create(), await create({ customerReference: 'ACME-42' }), await create({ customerReference: 'acme-42' })];
    expect((await search({ itemPrefix: 'GEAR', limit: 2 })).json).toEqual((await list('itemPrefix=GEAR&limit=2')).json);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; json: { items: { id: string }[]; nextCursor: string | null } } = await search({ customer: 'Acme-42', limit: 1, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((order) => order.id));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([orders[2]?.id, orders[1]?.id]);
    // A cursor of the GET list goes on by POST, and back.
    const firstPage = (await list('limit=1')).json as { nextCursor: string };
    expect((await search({ cursor: firstPage.nextCursor, limit: 1 })).json.items[0].id).toBe(orders[1]?.id);
    for (const bad of [{ limit: 0 }, { customer: '  ' }, { sort: 'priority' }, { colour: 'red' }, { cursor: 'a.b' }]) {
      expect(await search(bad), JSON.stringify(bad)).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    }
    expect(await api.call('POST', '/api/v1/orders/search', { body: { customer: 'ACME-42' } })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('confines a customer search to where the reader may see customers, though they may read orders further', async () => {
    const berlin = await create({ customerReference: 'ACME-42' });
    const lyon = await create({ customerReference: 'ACME-42', workCenterId: api.world.node('wc-press').id });
    const { world } = api;
    // Planner in Berlin, operator everywhere: reads every order, sees customers in Berlin only.
    const mixed = await world.user('mia.mixed', [{ role: 'planner', scopeNodeId: world.node('berlin').id }, { role: 'operator', scopeNodeId: null }]);
    expect((await world.services.orders.queries.list(mixed, {})).items.map((order) => order.id)).toEqual([lyon.id, berlin.id]);
    expect((await world.services.orders.queries.list(mixed, { customer: 'ACME-42' })).items.map((order) => order.id)).toEqual([berlin.id]);
    expect((await world.services.orders.queries.list(mixed, { customer: 'ACME-42', siteId: world.node('lyon').id })).items).toEqual([]);
  });

  it('stores a keyed tag of the customer reference, never the reference in clear', async () => {
    const order = await create({ customerReference: 'ACME-42' });
    const none = await create({ customerReference: null });
    const db = api.world.services.store.db;
    const rows = await db.selectFrom('orders').select(['id', 'customer_tag', 'item_code']).where('id', 'in', [order.id, none.id]).execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const tag = byId.get(order.id)?.customer_tag ?? '';
    expect(tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(byId.get(none.id)?.customer_tag).toBe('');
    expect(byId.get(order.id)?.item_code).toBe('GEAR-12');
    // Not the reference, nor an unkeyed hash of it: nothing in the database reads as the customer.
    const { createHash } = await import('node:crypto');
    expect(tag).not.toBe(createHash('sha256').update('acme-42').digest('base64url'));
    const everything = JSON.stringify(await db.selectFrom('orders').selectAll().execute()) + JSON.stringify(await db.selectFrom('search_keys').selectAll().execute());
    expect(everything.toLowerCase()).not.toContain('acme');
    // The search key is stored wrapped by the keyring, never as the raw 32 bytes.
    const key = await db.selectFrom('search_keys').selectAll().executeTakeFirstOrThrow();
    expect(key).toMatchObject({ purpose: 'customer-reference', kek_id: expect.any(String) });
    expect(Buffer.from(key.wrapped_key, 'base64url').length).toBeGreaterThan(32);
  });

  it('sorts a due window soonest due first, pages it with its own cursor, and refuses a cursor of the other sort', async () => {
    const late = await create({ dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-05T18:00:00Z' } });
    const early = await create({ dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-02T18:00:00Z' } });
    const tieA = await create({ dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' } });
    const tieB = await create({ dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-03T18:00:00Z' } });
    await create({ dueWindow: { start: '2026-12-01T06:00:00Z', end: '2026-12-20T18:00:00Z' } });
    const window = 'dueFrom=2026-12-01T00:00:00Z&dueTo=2026-12-08T00:00:00Z';
    expect(await ids(`${window}&sort=due`)).toEqual([early.id, tieA.id, tieB.id, late.id]);
    // The default stays newest first.
    expect(await ids(window)).toEqual([tieB.id, tieA.id, early.id, late.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; json: { items: { id: string }[]; nextCursor: string | null } } = await list(`${window}&sort=due&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((order) => order.id));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([early.id, tieA.id, tieB.id, late.id]);

    const dueCursor = (await list(`${window}&sort=due&limit=1`)).json.nextCursor as string;
    const createdCursor = (await list(`${window}&limit=1`)).json.nextCursor as string;
    expect(await list(`${window}&cursor=${dueCursor}`)).toMatchObject({ status: 400, json: { code: 'validation-failed', detail: expect.stringMatching(/sort=due/) } });
    expect(await list(`${window}&sort=due&cursor=${createdCursor}`)).toMatchObject({ status: 400, json: { code: 'validation-failed', detail: expect.stringMatching(/sort=created/) } });
    for (const bad of [`cursor=${Buffer.from('due|x|y|z').toString('base64url')}&sort=due`, 'cursor=bm9wZQ', 'sort=priority', 'cursor=a.b']) {
      expect(await list(bad), bad).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    }
  });

  it('fills the search columns of orders written before them with reindex, for key managers only', async () => {
    const order = await create({ customerReference: 'ACME-42' });
    const db = api.world.services.store.db;
    await db.updateTable('orders').set({ customer_tag: null, item_code: null }).execute();
    expect(await found('ACME-42')).toEqual([]);
    expect((await search({ customer: 'ACME-42' })).json.customerIndexComplete).toBe(false);
    expect(await api.call('POST', '/api/v1/orders/reindex', { token: api.tokens.planner, body: {} })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await api.call('POST', '/api/v1/orders/reindex', { token: api.tokens.admin, body: { limit: 0 } })).toMatchObject({ status: 400, json: { code: 'validation-failed' } });
    const filled = await api.call('POST', '/api/v1/orders/reindex', { token: api.tokens.admin, body: {} });
    expect(filled).toMatchObject({ status: 200, json: { indexed: 1, failed: [], next: null } });
    expect(await found('ACME-42')).toEqual([order.id]);
    expect(await ids('item=GEAR-12')).toEqual([order.id]);
    expect((await search({ customer: 'ACME-42' })).json.customerIndexComplete).toBe(true);
    // Nothing left: a second run does nothing.
    expect((await api.call('POST', '/api/v1/orders/reindex', { token: api.tokens.admin, body: {} })).json).toEqual({ indexed: 0, failed: [], next: null });
  });

  it('describes the searches, the due sort and the reindex in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json;
    const parameters = doc.paths['/api/v1/orders'].get.parameters as { name: string; description?: string; schema: { enum?: string[] } }[];
    const named = (name: string) => parameters.find((parameter) => parameter.name === name);
    // No customer in the URL: it is searched for in the body of POST /api/v1/orders/search.
    expect(named('customer')).toBeUndefined();
    expect(named('itemPrefix')?.description).toMatch(/starts with/);
    expect(named('sort')?.schema.enum).toEqual(['created', 'due']);
    const body = doc.paths['/api/v1/orders/search'].post.requestBody.content['application/json'].schema as { properties: Record<string, { description?: string }>; additionalProperties?: boolean };
    expect(body.properties.customer?.description).toMatch(/403/);
    expect(Object.keys(body.properties).sort()).toEqual([...parameters.map((parameter) => parameter.name), 'customer'].sort());
    expect(doc.paths['/api/v1/orders/reindex'].post).toBeDefined();
  });

  it('fills item codes from the current revision when migration 0015 runs over existing orders', async () => {
    const order = await create();
    const store = api.world.services.store;
    // Kysely applies migrations in order only: the later ones are undone first.
    for (const name of ['0016_release_attestations', '0015_order_search']) {
      await storeMigrations(store.kind)[name]?.down?.(store.db);
      await sql`delete from kysely_migration where name = ${name}`.execute(store.db);
    }
    await migrateToLatest(store.db, store.kind, engine.kind === 'postgres' ? (engine.options() as { schema?: string }).schema : undefined);
    expect(await store.db.selectFrom('orders').select(['item_code', 'customer_tag']).where('id', '=', order.id).executeTakeFirst()).toEqual({ item_code: 'GEAR-12', customer_tag: null });
  });
});

describeEachEngine('order customer search across a key-encryption key rotation', (engine) => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-search-kek-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps finding orders by customer after the KEK is rotated and the old one retired', async () => {
    const world = await createWorld(engine.store());
    const path = join(dir, 'keys/keyring.json');
    const keyringFile = keyringFileRotation(dir, { keyring: { kind: 'file', file: 'keys/keyring.json' } });
    const services = createServices({ store: engine.store(), clock: world.clock, keyring: await createFileKeyring(path), ...(keyringFile ? { keyringFile } : {}) });
    const planner = await world.user('pia.planner', ['planner']);
    const order = await services.orders.create(planner, world.orderInput({ customerReference: 'ACME-42' }));
    const before = await engine.store().db.selectFrom('search_keys').selectAll().executeTakeFirstOrThrow();

    const result = await services.kekRotation.rotate(SETUP_ADMIN);
    expect(result).toMatchObject({ searchKeys: 1, retired: true });
    const after = await engine.store().db.selectFrom('search_keys').selectAll().executeTakeFirstOrThrow();
    expect(after.kek_id).toBe(result.to);
    expect(after.wrapped_key).not.toBe(before.wrapped_key);

    // A fresh process with only the new KEK computes the same tags: old orders found, new ones too.
    const restarted = createServices({ store: engine.store(), clock: systemClock, keyring: await openFileKeyring(path) });
    const later = await restarted.orders.create(planner, world.orderInput({ customerReference: 'acme-42' }));
    const page = await restarted.orders.queries.list(planner, { customer: 'ACME-42' });
    expect(page.items.map((item) => item.id)).toEqual([later.id, order.id]);
  });
});
