import { beforeEach, expect, it } from 'vitest';
import { LAST_USE_INTERVAL_MS, type Actor, type Subject } from '../../src/access/index.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, type TestWorld } from '../support/factories.js';
import { expectCode } from '../support/expect-code.js';

const DAY_MS = 86_400_000;

describeEachEngine('API token service', (engine) => {
  let world: TestWorld;
  let admin: Actor;
  let planner: Actor;

  const tokens = () => world.services.apiTokens;
  const audit = (kind: string) => engine.store().db.selectFrom('audit_entries').selectAll().where('kind', '=', kind).orderBy('idx').execute();
  const asToken = (subject: Subject): Actor => ({ subject, source: '10.0.0.7 via API token' });
  const authenticate = async (token: string): Promise<Subject> => {
    const subject = await tokens().authenticate(token, '10.0.0.7');
    if (!subject) throw new Error('the token was refused');
    return subject;
  };

  beforeEach(async () => {
    world = await createWorld(engine.store());
    admin = await world.user('ada.admin', ['admin']);
    planner = await world.user('pia.planner', ['planner']);
  });

  it('shows a minted token once and stores only its SHA-256, auditing the minting without it', async () => {
    const created = await tokens().create(planner, { name: 'SAP production', actions: ['order.create', 'order.read'], scopeNodeId: world.node('berlin').id });
    expect(created.token).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'SAP production', username: 'pia.planner', createdBy: 'pia.planner', status: 'active', lastUsedAt: null, actions: ['order.create', 'order.read'] });
    expect(Date.parse(created.expiresAt) - world.clock.now().getTime()).toBe(90 * DAY_MS);

    const row = await engine.store().db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));
    const [listed] = await tokens().list(planner);
    expect(listed).not.toHaveProperty('token');
    expect(JSON.stringify(listed)).not.toContain(row.token_hash);

    const [entry] = await audit('token.create');
    expect(entry).toMatchObject({ outcome: 'ok', actor: 'pia.planner' });
    expect(JSON.parse(entry?.detail ?? '{}')).toMatchObject({ tokenId: created.id, name: 'SAP production', username: 'pia.planner' });
    expect(entry?.entry).not.toContain(created.token.slice(4));
    expect(entry?.entry).not.toContain(row.token_hash);
  });

  it('acts as its user with the roles narrowed to its scope and its actions listed', async () => {
    const mixed = await world.user('mixed', [{ role: 'planner', scopeNodeId: null }, { role: 'quality', scopeNodeId: world.node('lyon').id }, { role: 'operator', scopeNodeId: world.node('wc-mill').id }]);
    const created = await tokens().create(mixed, { name: 'mes', actions: ['order.create', 'order.read'], scopeNodeId: world.node('machining').id });
    const subject = await authenticate(created.token);
    expect(subject).toMatchObject({ userId: mixed.subject.userId, username: 'mixed', passwordMustChange: false });
    expect(subject.roles).toHaveLength(2);
    expect(subject.roles).toEqual(expect.arrayContaining([
      { role: 'planner', scopeNodeId: world.node('machining').id },
      { role: 'operator', scopeNodeId: world.node('wc-mill').id },
    ]));
    expect(subject.restriction).toEqual({ tokenId: created.id, actions: ['order.create', 'order.read'], scopeNodeId: world.node('machining').id });
  });

  it('creates orders within its scope and actions only, and lists only the orders in its scope', async () => {
    const created = await tokens().create(planner, { name: 'erp', actions: ['order.create', 'order.read'], scopeNodeId: world.node('berlin').id });
    const erp = asToken(await authenticate(created.token));
    const inBerlin = await world.createOrder(erp);
    expect(inBerlin.state).toBe('draft');
    await expectCode(world.createOrder(erp, { workCenterId: world.node('wc-press').id }), 'forbidden');
    await expectCode(world.services.orders.perform(erp, inBerlin.id, 'submit', { version: inBerlin.version }), 'forbidden');
    const inLyon = await world.createOrder(planner, { workCenterId: world.node('wc-press').id });

    const everywhere = await world.services.orders.queries.list(planner, {});
    expect(everywhere.items.map((order) => order.id).sort()).toEqual([inBerlin.id, inLyon.id].sort());
    const scoped = await world.services.orders.queries.list(erp, {});
    expect(scoped.items.map((order) => order.id)).toEqual([inBerlin.id]);
    await expectCode(world.services.orders.queries.get(erp, inLyon.id), 'not-found');
  });

  it('refuses to mint the actions that need a person, auditing each refusal', async () => {
    const approver = await world.user('alan.approver', ['approver']);
    for (const action of ['order.release', 'order.close', 'order.cancel']) {
      await expectCode(tokens().create(approver, { name: `try ${action}`, actions: ['order.read', action] }), 'validation-failed');
    }
    await expectCode(tokens().create(admin, { name: 'users', actions: ['user.manage'] }), 'validation-failed');
    await expectCode(tokens().create(admin, { name: 'policy', actions: ['policy.manage'] }), 'validation-failed');
    const refusals = await audit('token.create');
    expect(refusals.map((entry) => entry.outcome)).toEqual(['denied', 'denied', 'denied', 'denied', 'denied']);
    expect(JSON.parse(refusals[0]?.detail ?? '{}').reason).toMatch(/electronic signature of a person/);
  });

  it('refuses actions and scopes beyond the user\'s own roles', async () => {
    const operator = await world.user('otto', [{ role: 'operator', scopeNodeId: world.node('berlin').id }]);
    await expectCode(tokens().create(operator, { name: 'x', actions: ['order.create'] }), 'forbidden');
    await expectCode(tokens().create(operator, { name: 'x', actions: ['order.progress'], scopeNodeId: world.node('lyon').id }), 'forbidden');
    await expectCode(tokens().create(operator, { name: 'x', actions: ['order.progress'], scopeNodeId: '00000000-0000-4000-8000-00000000abcd' }), 'unknown-reference');
    await expectCode(tokens().create(admin, { name: 'x', actions: ['audit.read'], scopeNodeId: world.node('berlin').id }), 'validation-failed');
    await expectCode(tokens().create(operator, { name: 'x', actions: ['order.progress'], expiresInDays: 366 }), 'validation-failed');
    await expectCode(tokens().create(operator, { name: 'x', actions: [] }), 'validation-failed');
    const ok = await tokens().create(operator, { name: 'x', actions: ['order.progress'], scopeNodeId: world.node('wc-mill').id, expiresInDays: 7 });
    expect(ok.status).toBe('active');
    await expectCode(tokens().create(operator, { name: 'x', actions: ['order.progress'] }), 'conflict');
  });

  it('lets an admin mint a token for a service account, and nobody else, and never a token mint one', async () => {
    const erp = await world.user('svc.erp', [{ role: 'planner', scopeNodeId: world.node('berlin').id }]);
    await expectCode(tokens().create(planner, { name: 'for erp', actions: ['order.create'], user: 'svc.erp' }), 'forbidden');
    const minted = await tokens().create(admin, { name: 'for erp', actions: ['order.create'], user: 'svc.erp', scopeNodeId: world.node('berlin').id });
    expect(minted).toMatchObject({ userId: erp.subject.userId, username: 'svc.erp', createdBy: 'ada.admin' });
    await expectCode(tokens().create(admin, { name: 'nobody', actions: ['order.read'], user: 'nobody' }), 'unknown-reference');

    const subject = await authenticate(minted.token);
    await expectCode(tokens().create(asToken(subject), { name: 'wider', actions: ['order.create', 'order.read'] }), 'forbidden');
    await expectCode(tokens().list(asToken(subject)), 'forbidden');
    const denied = (await audit('token.create')).filter((entry) => entry.outcome === 'denied');
    expect(denied.map((entry) => entry.actor)).toEqual(['pia.planner', 'svc.erp']);
  });

  it('refuses revoked and expired tokens and tokens of disabled users, auditing a refusal at most once a minute', async () => {
    const revoked = await tokens().create(planner, { name: 'a', actions: ['order.read'] });
    const expiring = await tokens().create(planner, { name: 'b', actions: ['order.read'], expiresInDays: 1 });
    const svc = await world.user('svc.mes', ['operator']);
    const disabled = await tokens().create(admin, { name: 'c', actions: ['order.read'], user: 'svc.mes' });

    await tokens().revoke(planner, revoked.id);
    expect(await tokens().authenticate(revoked.token, '10.0.0.7')).toBeNull();
    expect(await tokens().authenticate(revoked.token, '10.0.0.7')).toBeNull();
    await world.services.users.disable(admin, svc.subject.username);
    expect(await tokens().authenticate(disabled.token, '10.0.0.7')).toBeNull();
    expect(await tokens().authenticate(expiring.token, '10.0.0.7')).not.toBeNull();
    world.clock.advance(DAY_MS);
    expect(await tokens().authenticate(expiring.token, '10.0.0.7')).toBeNull();
    expect(await tokens().authenticate('flt_' + 'A'.repeat(43), '10.0.0.7')).toBeNull();

    const refusals = await audit('token.authenticate');
    expect(refusals.map((entry) => [JSON.parse(entry.detail).tokenId, JSON.parse(entry.detail).reason, entry.source])).toEqual([
      [revoked.id, 'revoked', '10.0.0.7'],
      [disabled.id, 'user-disabled', '10.0.0.7'],
      [expiring.id, 'expired', '10.0.0.7'],
    ]);
    expect((await tokens().list(planner)).map((token) => [token.name, token.status]).sort()).toEqual([['a', 'revoked'], ['b', 'expired']]);
  });

  it('records the last use at most once a minute', async () => {
    const created = await tokens().create(planner, { name: 'erp', actions: ['order.read'] });
    const lastUse = async () => (await tokens().list(planner))[0];
    const first = world.clock.now().toISOString();
    await authenticate(created.token);
    world.clock.advance(LAST_USE_INTERVAL_MS - 1);
    await tokens().authenticate(created.token, '10.0.0.8');
    expect(await lastUse()).toMatchObject({ lastUsedAt: first, lastUsedSource: '10.0.0.7' });
    world.clock.advance(1);
    await tokens().authenticate(created.token, '10.0.0.8');
    expect(await lastUse()).toMatchObject({ lastUsedAt: world.clock.now().toISOString(), lastUsedSource: '10.0.0.8' });
  });

  it('lists your own tokens; admins and auditors list one user\'s or all', async () => {
    const auditor = await world.user('aud', ['auditor']);
    await tokens().create(planner, { name: 'p1', actions: ['order.read'] });
    await tokens().create(admin, { name: 'a1', actions: ['plant.read'] });
    expect((await tokens().list(planner)).map((token) => token.name)).toEqual(['p1']);
    await expectCode(tokens().list(planner, { all: 'true' }), 'forbidden');
    await expectCode(tokens().list(planner, { user: 'ada.admin' }), 'forbidden');
    expect((await tokens().list(admin, { user: 'pia.planner' })).map((token) => token.name)).toEqual(['p1']);
    expect((await tokens().list(auditor, { all: 'true' })).map((token) => token.name).sort()).toEqual(['a1', 'p1']);
    await expectCode(tokens().list(admin, { user: 'nobody' }), 'not-found');
    await expectCode(tokens().list(admin, { everything: 'yes' }), 'validation-failed');
  });

  it('revokes for the owner or an admin; to anyone else the token does not exist', async () => {
    const created = await tokens().create(planner, { name: 'erp', actions: ['order.read'] });
    const other = await world.user('quinn', ['quality']);
    await expectCode(tokens().revoke(other, created.id), 'not-found');
    await expectCode(tokens().revoke(planner, 'not-an-id'), 'not-found');
    expect(await tokens().authenticate(created.token, null)).not.toBeNull();
    const revoked = await tokens().revoke(admin, created.id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: world.clock.now().toISOString() });
    expect(await tokens().revoke(planner, created.id)).toMatchObject({ status: 'revoked' });
    const entries = await audit('token.revoke');
    expect(entries.map((entry) => `${entry.outcome}:${entry.actor}`)).toEqual(['denied:quinn', 'ok:ada.admin']);
  });
});
