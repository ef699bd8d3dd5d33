import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseVerifierKey, verifyCheckpoint } from '../../src/audit/index.js';
import { rootAddresses, verifyConsistency, verifyInclusion } from '../../src/crypto/index.js';
import { auditNodeRow, NODE_HEX_LENGTH } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

const fromBase64 = (hashes: string[]) => hashes.map((hash) => Buffer.from(hash, 'base64'));

describeEachEngine('audit log API', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const text = async (method: string, url: string, token: string) => {
    const response = await api.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, body: response.body, type: response.headers['content-type'] };
  };

  it('signs checkpoints that verify with the served key, and proves inclusion and consistency', async () => {
    const { call, tokens, world } = api;
    const key = await text('GET', '/api/v1/audit/key', tokens.auditor);
    expect(key.type).toMatch(/^text\/plain/);
    const verifier = parseVerifierKey(key.body.trim());
    if (!verifier.ok) throw new Error(verifier.error.message);

    const first = await text('POST', '/api/v1/audit/checkpoint', tokens.auditor);
    expect(first.status).toBe(200);
    const firstCheckpoint = verifyCheckpoint(first.body, verifier.value);
    if (!firstCheckpoint.ok) throw new Error(firstCheckpoint.error.message);
    await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    const second = await text('POST', '/api/v1/audit/checkpoint', tokens.auditor);
    expect((await text('GET', '/api/v1/audit/checkpoint', tokens.auditor)).body).toBe(second.body);
    const secondCheckpoint = verifyCheckpoint(second.body, verifier.value);
    if (!secondCheckpoint.ok) throw new Error(secondCheckpoint.error.message);
    const size = Number(secondCheckpoint.value.size);
    const from = Number(firstCheckpoint.value.size);
    expect(size).toBeGreaterThan(from);

    const entries = (await call('GET', `/api/v1/audit/entries?limit=1000`, { token: tokens.auditor })).json.items as { index: number; leafHash: string }[];
    for (const entry of entries.filter((e) => e.index < size)) {
      const proof = await call('GET', `/api/v1/audit/proof/inclusion?index=${entry.index}&size=${size}`, { token: tokens.auditor });
      expect(proof.json).toMatchObject({ index: entry.index, size });
      expect(verifyInclusion(Buffer.from(entry.leafHash, 'hex'), entry.index, size, fromBase64(proof.json.hashes), secondCheckpoint.value.rootHash)).toBe(true);
    }
    const consistency = await call('GET', `/api/v1/audit/proof/consistency?from=${from}&to=${size}`, { token: tokens.auditor });
    expect(verifyConsistency(from, size, fromBase64(consistency.json.hashes), firstCheckpoint.value.rootHash, secondCheckpoint.value.rootHash)).toBe(true);
  });

  it('searches the log for text, literally and ignoring case', async () => {
    const { call, tokens, world } = api;
    const order = (await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() })).json;
    await call('POST', `/api/v1/orders/${order.id}/cancel`, { token: tokens.planner, body: { version: 1, reason: 'Customer withdrew 100% of it' } });
    const search = async (q: string) => (await call('GET', `/api/v1/audit/entries?q=${encodeURIComponent(q)}`, { token: tokens.auditor })).json.items.map((e: { kind: string }) => e.kind)
      // Each search is itself logged with its filter, so later searches find those too.
      .filter((kind: string) => kind !== 'audit.read');
    expect(await search('customer WITHDREW')).toEqual(['order.cancel']);
    expect(await search('100%')).toEqual(['order.cancel']);
    expect(await search('%')).toEqual(['order.cancel']);
    expect(await search('_')).not.toContain('order.create');
  });

  it('answers bad proof requests with a problem naming the parameter', async () => {
    const { call, tokens } = api;
    await text('POST', '/api/v1/audit/checkpoint', tokens.auditor);
    const size = (await call('GET', '/api/v1/audit/entries?limit=1000', { token: tokens.auditor })).json.items.length as number;
    const bad = async (url: string, status: number, code: string, mentions: string) => {
      const response = await call('GET', url, { token: tokens.auditor });
      expect(response.status, url).toBe(status);
      expect(response.json.code).toBe(code);
      expect(response.json.detail).toContain(mentions);
    };
    await bad(`/api/v1/audit/proof/inclusion?index=${size + 5}&size=${size + 5}`, 400, 'validation-failed', 'size');
    await bad(`/api/v1/audit/proof/inclusion?index=3&size=3`, 400, 'validation-failed', 'index');
    await bad('/api/v1/audit/proof/inclusion?index=abc&size=3', 400, 'validation-failed', 'index');
    await bad('/api/v1/audit/proof/inclusion?index=-1&size=3', 400, 'validation-failed', 'index');
    await bad('/api/v1/audit/proof/consistency?from=3&to=2', 400, 'validation-failed', 'from');
    await bad('/api/v1/audit/proof/consistency?from=1', 400, 'validation-failed', 'to');
    expect((await text('GET', '/api/v1/audit/checkpoint', tokens.logistics)).status).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/audit/key' })).statusCode).toBe(401);
  });

  it('refuses to sign a checkpoint once the stored tree was changed behind the server', async () => {
    const { call, tokens, world } = api;
    await text('POST', '/api/v1/audit/checkpoint', tokens.auditor);
    await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    // Rewrite the largest subtree the new root is made of, as an intruder fixing up the tree would.
    const size = Number((await engine.store().db.selectFrom('audit_entries').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow()).last) + 1;
    const [largest] = rootAddresses(size);
    // It is stored in the row of its last leaf, at its level's place in that row's `nodes`.
    if (largest === undefined) throw new Error('an empty log');
    const holder = await engine.store().db.selectFrom('audit_entries').select(['idx', 'nodes']).where('idx', '=', auditNodeRow(largest) ?? -1).executeTakeFirstOrThrow();
    const at = largest.level * NODE_HEX_LENGTH;
    const forged = `${holder.nodes.slice(0, at)}${'00'.repeat(32)}${holder.nodes.slice(at + NODE_HEX_LENGTH)}`;
    expect(forged).not.toBe(holder.nodes);
    await engine.store().db.updateTable('audit_entries').set({ nodes: forged }).where('idx', '=', holder.idx).execute();
    const refused = await call('POST', '/api/v1/audit/checkpoint', { token: tokens.auditor });
    expect(refused.status).toBe(500);
    expect(refused.json.code).toBe('audit-integrity');
  });
});
