import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from './api-harness.js';

describeEachEngine('plant time API', (engine) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(engine.store());
  });
  afterEach(() => api.close());

  const entries = (kind: string) =>
    engine.store().db.selectFrom('audit_entries').select(['outcome', 'actor', 'detail']).where('kind', '=', kind).orderBy('idx').execute();

  it('gives every signed-in role the setting, UTC with three shifts until an admin sets it', async () => {
    const { call, tokens } = api;
    for (const token of Object.values(tokens)) {
      expect(await call('GET', '/api/v1/plant/time', { token })).toMatchObject({ status: 200, json: { timeZone: 'UTC', shifts: ['06:00', '14:00', '22:00'] } });
    }
    expect(await call('GET', '/api/v1/plant/time')).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('gives the setting during account setup (one-time password, second factor not yet enrolled), while every other read stays refused', async () => {
    const { call, world, tokens } = api;
    expect((await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Europe/Berlin' } })).status).toBe(200);
    // An admin from init: a one-time password, and a role that requires a second factor not yet enrolled.
    await world.services.users.bootstrapAdmin('first.admin', 'kV9x-one-time-Qp2m-7zLw', true);
    const session = await call('POST', '/api/v1/sessions', { body: { username: 'first.admin', password: 'kV9x-one-time-Qp2m-7zLw' } });
    expect(session).toMatchObject({ status: 201, json: { passwordChangeRequired: true, mfaEnrollmentRequired: true } });
    const token = session.json.token as string;
    expect(await call('GET', '/api/v1/plant/time', { token })).toMatchObject({ status: 200, json: { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] } });
    // Nothing else is widened: the plant itself, and changing the setting, stay refused until the account is ready.
    expect(await call('GET', '/api/v1/plant', { token })).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    expect(await call('PATCH', '/api/v1/plant/time', { token, body: { timeZone: 'UTC' } })).toMatchObject({ status: 403, json: { code: 'password-change-required' } });
    // With the password changed, the second factor is still pending: the setting is still given.
    expect((await call('POST', '/api/v1/users/me/password', { token, body: { currentPassword: 'kV9x-one-time-Qp2m-7zLw', newPassword: 'first shift, fresh coffee' } })).status).toBe(204);
    expect(await call('GET', '/api/v1/plant', { token })).toMatchObject({ status: 403, json: { code: 'mfa-enrollment-required' } });
    expect(await call('GET', '/api/v1/plant/time', { token })).toMatchObject({ status: 200, json: { timeZone: 'Europe/Berlin' } });
  });

  it('keeps both changes of two admins changing the zone and the shifts at once', async () => {
    const { call, tokens, world } = api;
    const second = await world.user('admin.two', ['admin']);
    for (const [zone, shifts] of [['Europe/Berlin', ['05:00', '13:00', '21:00']], ['America/Chicago', ['07:00', '19:00']]] as const) {
      await Promise.all([
        call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: zone } }),
        world.services.plantTime.update(second, { shifts }),
      ]);
      expect(await call('GET', '/api/v1/plant/time', { token: tokens.planner })).toMatchObject({ json: { timeZone: zone, shifts } });
    }
    expect((await entries('plant.time-update')).map((entry) => entry.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it.skipIf(engine.kind !== 'postgres')('reads the setting it changes with the row locked, so a change committed meanwhile is merged, not lost', async () => {
    const { call, tokens } = api;
    expect((await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Europe/Berlin' } })).status).toBe(200);
    // Another instance's admin has the row in a transaction of their own: read, about to write new shifts.
    const other = await engine.openStore();
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const otherChange = other.db.transaction().execute(async (trx) => {
      await trx.selectFrom('site_settings').select('value').where('key', '=', 'plantTime').forUpdate().execute();
      holding();
      await released;
      await trx.updateTable('site_settings').set({ value: JSON.stringify({ timeZone: 'Europe/Berlin', shifts: ['05:00', '13:00', '21:00'] }) }).where('key', '=', 'plantTime').execute();
    });
    await held;
    const change = call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Europe/Paris' } });
    // The change waits for the row; the other transaction then commits its shifts.
    const waiting = async () => {
      const found = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%site_settings%'`.execute(other.db);
      return Number(found.rows[0]?.n ?? 0);
    };
    await expect.poll(waiting, { timeout: 10_000 }).toBeGreaterThan(0);
    release();
    await otherChange;
    expect((await change).json).toEqual({ timeZone: 'Europe/Paris', shifts: ['05:00', '13:00', '21:00'] });
    expect(await call('GET', '/api/v1/plant/time', { token: tokens.planner })).toMatchObject({ json: { timeZone: 'Europe/Paris', shifts: ['05:00', '13:00', '21:00'] } });
  });

  it('lets an admin change the time zone and shifts, in canonical spelling, audited with before and after', async () => {
    const { call, tokens } = api;
    const changed = await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'europe/berlin' } });
    expect(changed).toMatchObject({ status: 200, json: { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] } });
    expect(Object.keys(changed.json).sort()).toEqual(['shifts', 'timeZone']);
    await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { shifts: ['05:30', '13:30', '21:30'] } });
    expect(await call('GET', '/api/v1/plant/time', { token: tokens.operator })).toMatchObject({ json: { timeZone: 'Europe/Berlin', shifts: ['05:30', '13:30', '21:30'] } });
    // The same setting again changes nothing and writes nothing.
    expect((await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Europe/Berlin' } })).status).toBe(200);

    const audited = await entries('plant.time-update');
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({ outcome: 'ok', actor: 'admin.one' });
    expect(JSON.parse(audited[0]?.detail ?? '{}')).toEqual({
      before: { timeZone: 'UTC', shifts: ['06:00', '14:00', '22:00'] }, after: { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] },
    });
    expect(JSON.parse(audited[1]?.detail ?? '{}')).toMatchObject({ after: { shifts: ['05:30', '13:30', '21:30'] } });
  });

  it("keeps a current zone name as given rather than the older link name ICU resolves it to", async () => {
    const { call, tokens } = api;
    expect(await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'Asia/Kolkata' } })).toMatchObject({ status: 200, json: { timeZone: 'Asia/Kolkata' } });
    expect(await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body: { timeZone: 'utc' } })).toMatchObject({ status: 200, json: { timeZone: 'UTC' } });
  });

  it('refuses anyone but an admin, and audits the refusal', async () => {
    const { call, tokens } = api;
    for (const role of ['planner', 'approver', 'auditor'] as const) {
      expect(await call('PATCH', '/api/v1/plant/time', { token: tokens[role], body: { timeZone: 'Europe/Paris' } })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    }
    expect((await entries('plant.time-update')).map((entry) => [entry.outcome, entry.actor])).toEqual([
      ['denied', 'planner.one'], ['denied', 'approver.one'], ['denied', 'auditor.one'],
    ]);
    expect(await call('GET', '/api/v1/plant/time', { token: tokens.admin })).toMatchObject({ json: { timeZone: 'UTC' } });
  });

  it.each([
    ['an unknown zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['a fixed offset', { timeZone: '+01:00' }, 'timeZone'],
    ['an empty zone', { timeZone: '' }, 'timeZone'],
    ['a zone that is no string', { timeZone: 1 }, 'timeZone'],
    ['no shift', { shifts: [] }, 'shifts'],
    ['five shifts', { shifts: ['00:00', '05:00', '10:00', '15:00', '20:00'] }, 'shifts'],
    ['shifts out of order', { shifts: ['14:00', '06:00'] }, 'shifts'],
    ['the same start twice', { shifts: ['06:00', '06:00'] }, 'shifts'],
    ['a start that is no time', { shifts: ['6:00'] }, 'shifts.0'],
    ['a start past midnight', { shifts: ['24:00'] }, 'shifts.0'],
    ['nothing to change', {}, '(body)'],
    ['an unknown field', { timeZone: 'UTC', locale: 'de' }, '(body)'],
  ])('refuses %s with a problem naming the field, and changes nothing', async (_name, body, path) => {
    const { call, tokens } = api;
    const refused = await call('PATCH', '/api/v1/plant/time', { token: tokens.admin, body });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json).toMatchObject({ code: 'validation-failed', problems: [expect.objectContaining({ path })] });
    expect(await call('GET', '/api/v1/plant/time', { token: tokens.admin })).toMatchObject({ json: { timeZone: 'UTC', shifts: ['06:00', '14:00', '22:00'] } });
    expect(await entries('plant.time-update')).toEqual([]);
  });

  it('keeps the default when the stored row no longer parses, rather than failing every page', async () => {
    const { call, tokens } = api;
    await engine.store().db.insertInto('site_settings').values({ key: 'plantTime', value: '{"timeZone":"Nowhere/Land","shifts":["06:00"]}', updated_by: 'hand', updated_at: '2026-11-26T08:00:00Z' }).execute();
    expect(await call('GET', '/api/v1/plant/time', { token: tokens.planner })).toMatchObject({ status: 200, json: { timeZone: 'UTC' } });
    // And the access policy, which shares the table, does not trip over the row.
    expect(await call('GET', '/api/v1/policy', { token: tokens.admin })).toMatchObject({ status: 200, json: { sessionIdleMinutes: 30 } });
  });

  it('names the route in the OpenAPI document', async () => {
    const doc = await api.call('GET', '/openapi.json');
    expect(doc.json.paths['/api/v1/plant/time']).toHaveProperty('get');
    expect(doc.json.paths['/api/v1/plant/time']).toHaveProperty('patch');
  });
});
