/**
 * The audit log newest first (order=desc, keyset paging both ways), its export over HTTP (GET
 * /api/v1/audit/export), and the newest cosigned checkpoint the browser's check asks for.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { AUDIT_SELECTION_FORMAT, AuditTrail, cosignCheckpoint, ExportVerifier, parseVerifierKey, verifyCheckpoint, witnessSigner } from '../../src/audit/index.js';
import { verifyInclusion } from '../../src/crypto/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('audit log API: newest first and export', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const raw = async (url: string, token: string) => {
    const response = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, body: response.body, headers: response.headers };
  };
  const indices = (items: { index: number }[]) => items.map((item) => item.index);
  /** Appends an entry by `username`, as another request of a running server would. */
  const append = (username: string) =>
    new AuditTrail({ store: engine.store(), clock: api.world.clock }).recordAlone({ kind: 'audit.read', outcome: 'ok', actor: { userId: null, username, source: 'test' }, detail: {} });
  /** Runs `before` and `after` around each checkpoint the export route signs: entries appended at those two moments. */
  type Sign = () => Promise<unknown>;
  const aroundSigning = (hooks: { before?: () => Promise<void>; after?: (sign: Sign) => Promise<void> }) => {
    const { auditLog } = api.world.services;
    const sign = auditLog.checkpoint.bind(auditLog);
    auditLog.checkpoint = async () => {
      await hooks.before?.();
      const signed = await sign();
      await hooks.after?.(sign);
      return signed;
    };
  };

  it('lists newest first with order=desc and pages on with before=<nextBefore>; log order stays the default', async () => {
    const { call, tokens, world } = api;
    for (let i = 0; i < 3; i += 1) await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    const kind = 'order.create';
    const first = (await call('GET', `/api/v1/audit/entries?kind=${kind}&order=desc&limit=2`, { token: tokens.auditor })).json;
    expect(first.order).toBe('desc');
    expect(first.items).toHaveLength(2);
    const [newest, next] = indices(first.items);
    expect(newest).toBeGreaterThan(next ?? Infinity);
    expect(first.nextAfter).toBeNull();
    expect(first.nextBefore).toBe(next);
    const second = (await call('GET', `/api/v1/audit/entries?kind=${kind}&order=desc&limit=2&before=${first.nextBefore}`, { token: tokens.auditor })).json;
    expect(second.items).toHaveLength(1);
    expect(second.items[0].index).toBeLessThan(next ?? -1);
    expect(second.nextBefore).toBeNull();
    // The same three entries in log order, which stays the default (the CLI's `audit list` pages with after).
    const ascending = (await call('GET', `/api/v1/audit/entries?kind=${kind}&limit=2`, { token: tokens.auditor })).json;
    expect(ascending.order).toBe('asc');
    expect(indices(ascending.items)).toEqual([second.items[0].index, next]);
    expect(ascending.nextAfter).toBe(next);
    expect(ascending.nextBefore).toBeNull();
    // Both bounds at once: a window, in either order.
    const window = (await call('GET', `/api/v1/audit/entries?kind=${kind}&order=desc&after=${second.items[0].index}&before=${newest}`, { token: tokens.auditor })).json;
    expect(indices(window.items)).toEqual([next]);
  });

  it('refuses an unknown order or a negative before with a problem naming it', async () => {
    const { call, tokens } = api;
    for (const [query, mentions] of [['order=newest', 'order'], ['before=-1', 'before'], ['order=desc&page=2', 'page']] as const) {
      const response = await call('GET', `/api/v1/audit/entries?${query}`, { token: tokens.auditor });
      expect(response.status, query).toBe(400);
      expect(response.json.code).toBe('validation-failed');
      expect(response.json.detail).toContain(mentions);
    }
  });

  it('streams the whole log as the CLI exports it, which verifies with the log key and holds its own audit.export entry', async () => {
    const { call, tokens, world } = api;
    await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    const keyLine = (await raw('/api/v1/audit/key', tokens.auditor)).body.trim();
    const response = await raw('/api/v1/audit/export', tokens.auditor);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="forgeline-audit-export-\d{8}T\d{6}Z\.jsonl"$/);
    const lines = response.body.split('\n').slice(0, -1);
    const verifier = new ExportVerifier({ logKey: keyLine, witnessKeys: [] });
    lines.forEach((line, i) => verifier.push(line, i + 1));
    const result = verifier.finish();
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    // Every entry is under the checkpoint signed for the export, its own record included.
    expect(result.uncoveredEntries).toBe(0);
    const exported = lines.map((line) => JSON.parse(line) as { type: string; fields?: { kind: string; actor: string; detail: Record<string, unknown> } });
    const own = exported.filter((line) => line.type === 'entry' && line.fields?.kind === 'audit.export');
    expect(own.map((line) => [line.fields?.actor, line.fields?.detail])).toEqual([['auditor.one', { filter: {}, via: 'http' }]]);
  });

  it('streams a filtered selection: only matching entries, each in the tree of the checkpoint that ends it', async () => {
    const { call, tokens, world } = api;
    const order = (await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() })).json;
    await call('POST', '/api/v1/orders', { token: tokens.planner, body: world.orderInput() });
    await call('POST', `/api/v1/orders/${order.id}/submit`, { token: tokens.planner, body: { version: order.version } });
    const key = parseVerifierKey((await raw('/api/v1/audit/key', tokens.auditor)).body.trim());
    if (!key.ok) throw new Error(key.error.message);
    const response = await raw(`/api/v1/audit/export?orderId=${order.id}`, tokens.auditor);
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/filename="forgeline-audit-selection-/);
    const lines = response.body.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'header', format: AUDIT_SELECTION_FORMAT, filter: { orderId: order.id } });
    const entries = lines.slice(1, -1) as { type: string; index: number; leaf: string; fields: { kind: string; orderId: string } }[];
    expect(entries.map((line) => line.fields.kind)).toEqual(['order.create', 'order.submit']);
    expect(entries.every((line) => line.type === 'entry' && line.fields.orderId === order.id)).toBe(true);
    const last = lines.at(-1) as { type: string; size: number; checkpoint: string };
    expect(last.type).toBe('checkpoint');
    const checkpoint = verifyCheckpoint(last.checkpoint, key.value);
    if (!checkpoint.ok) throw new Error(checkpoint.error.message);
    expect(Number(checkpoint.value.size)).toBe(last.size);
    for (const line of entries) {
      // The leaf bytes hash to a leaf the signed tree holds: the inclusion proof ties them to the root.
      const leaf = createHash('sha256').update(Buffer.of(0)).update(Buffer.from(line.leaf, 'base64')).digest();
      const proof = (await call('GET', `/api/v1/audit/proof/inclusion?index=${line.index}&size=${last.size}`, { token: tokens.auditor })).json.hashes as string[];
      expect(verifyInclusion(leaf, line.index, last.size, proof.map((hash) => Buffer.from(hash, 'base64')), checkpoint.value.rootHash)).toBe(true);
    }
    // The whole-log verifier refuses a selection by its format name, rather than report gaps.
    const verifier = new ExportVerifier({ logKey: (await raw('/api/v1/audit/key', tokens.auditor)).body.trim(), witnessKeys: [] });
    verifier.push(response.body.split('\n')[0] ?? '', 1);
    const refused = verifier.finish();
    expect(refused.ok).toBe(false);
  });

  it('ends the whole export at the checkpoint signed for it: an entry appended after the signing does not go out unsigned', async () => {
    const { tokens } = api;
    // Another request appends, and the scheduler signs that larger tree, before the export reads the log.
    aroundSigning({
      after: async (sign) => {
        await append('late.writer');
        await sign();
      },
    });
    const keyLine = (await raw('/api/v1/audit/key', tokens.auditor)).body.trim();
    const lines = (await raw('/api/v1/audit/export', tokens.auditor)).body.split('\n').slice(0, -1);
    const parsed = lines.map((line) => JSON.parse(line) as { type: string; size?: number; index?: number; fields?: { actor: string } });
    const last = parsed.filter((line) => line.type === 'checkpoint').at(-1);
    expect(parsed[0]?.size).toBe(last?.size);
    expect(parsed.filter((line) => line.type === 'entry').map((line) => line.index)).toEqual([...Array(last?.size).keys()]);
    expect(parsed.some((line) => line.fields?.actor === 'late.writer')).toBe(false);
    // The later checkpoint is past the export's end, so it stays out with the entry it covers.
    expect(parsed.filter((line) => line.type === 'checkpoint' && (line.size ?? 0) > (last?.size ?? 0))).toEqual([]);
    const verifier = new ExportVerifier({ logKey: keyLine, witnessKeys: [] });
    lines.forEach((line, i) => verifier.push(line, i + 1));
    expect(verifier.finish()).toMatchObject({ ok: true, uncoveredEntries: 0 });
    // The entry is in the log all the same, for the next export.
    const listed = (await api.call('GET', '/api/v1/audit/entries?actor=late.writer', { token: tokens.auditor })).json.items;
    expect(listed).toHaveLength(1);
  });

  it('lists in a selection every matching entry its checkpoint covers, also one appended between the export\'s record and the signing', async () => {
    const { tokens } = api;
    await append('busy.writer');
    // Caught up now, as a listing does: only the entry appended next is missing from the lookup.
    await api.call('GET', '/api/v1/audit/entries?limit=1', { token: tokens.auditor });
    aroundSigning({ before: () => append('busy.writer'), after: () => append('busy.writer') });
    const lines = (await raw('/api/v1/audit/export?actor=busy.writer', tokens.auditor)).body.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    const checkpoint = lines.at(-1) as { type: string; size: number };
    expect(checkpoint.type).toBe('checkpoint');
    const entries = lines.slice(1, -1) as { index: number; fields: { actor: string } }[];
    // The first two, both under the checkpoint; not the third, appended after it was signed.
    expect(entries.map((line) => line.fields.actor)).toEqual(['busy.writer', 'busy.writer']);
    expect(entries.every((line) => line.index < checkpoint.size)).toBe(true);
    expect(entries.at(-1)?.index).toBe(checkpoint.size - 1);
    // The header states the size the selection is cut at and how many entries it lists.
    expect(lines[0]).toMatchObject({ type: 'header', format: AUDIT_SELECTION_FORMAT, size: checkpoint.size, count: 2 });
  });

  it('serves the newest checkpoint a witness cosigned, older than the latest one signed since, and 404 before any', async () => {
    const { call, tokens } = api;
    const cosigned = () => raw('/api/v1/audit/checkpoint/cosigned', tokens.auditor);
    const none = await call('GET', '/api/v1/audit/checkpoint/cosigned', { token: tokens.auditor });
    expect(none.status).toBe(404);
    expect(none.json.code).toBe('not-found');
    await api.app.inject({ method: 'POST', url: '/api/v1/audit/checkpoint', headers: { authorization: `Bearer ${tokens.auditor}` } });
    const signed = (await raw('/api/v1/audit/checkpoint', tokens.auditor)).body;
    const witness = cosignCheckpoint(signed, witnessSigner('witness.example/one', generateKeyPairSync('ed25519').privateKey), 1_790_000_000);
    if (!witness.ok) throw new Error(witness.error.message);
    const merged = await call('POST', '/api/v1/audit/checkpoint/cosignatures', { token: tokens.auditor, body: { note: witness.value } });
    expect(merged.status).toBe(200);
    // The log grows and a larger checkpoint is signed that no witness has seen yet.
    await append('later.writer');
    await api.app.inject({ method: 'POST', url: '/api/v1/audit/checkpoint', headers: { authorization: `Bearer ${tokens.auditor}` } });
    const latest = (await raw('/api/v1/audit/checkpoint', tokens.auditor)).body;
    expect(latest).not.toBe(merged.json.note);
    const answer = await cosigned();
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.body).toBe(merged.json.note);
    expect((await call('GET', '/api/v1/audit/checkpoint/cosigned', { token: tokens.planner })).status).toBe(403);
  });

  it('refuses an export to a role that may not read the log, records the refusal, and refuses bad filters', async () => {
    const { call, tokens } = api;
    const denied = await call('GET', '/api/v1/audit/export', { token: tokens.planner });
    expect(denied.status).toBe(403);
    expect(denied.json.code).toBe('forbidden');
    const recorded = (await call('GET', '/api/v1/audit/entries?kind=audit.export&outcome=denied', { token: tokens.auditor })).json.items;
    expect(recorded.map((entry: { actor: string }) => entry.actor)).toEqual(['planner.one']);
    for (const [query, mentions] of [['kind=no.such', 'kind'], ['limit=5', 'limit'], ['since=yesterday', 'since']] as const) {
      const response = await call('GET', `/api/v1/audit/export?${query}`, { token: tokens.auditor });
      expect(response.status, query).toBe(400);
      expect(response.json.code).toBe('validation-failed');
      expect(response.json.detail).toContain(mentions);
    }
  });
});
