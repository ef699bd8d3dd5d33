import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import { systemClock } from '../../src/audit/index.js';
import { commandKeyring, createFileKeyring, createPassphraseKeyring, openFileKeyring } from '../../src/crypto/index.js';
import { ForgelineError, type OrderDetail } from '../../src/domain/index.js';
import { createServices, type Services } from '../../src/server/index.js';
import { keyringFileRotation } from '../../src/server/data-keyring.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, TEST_PASSWORD, type TestWorld } from '../support/factories.js';

describeEachEngine('key-encryption key rotation', (engine) => {
  let dir: string;
  let world: TestWorld;
  let services: Services;
  let planner: Actor;
  let approver: Actor;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-kek-'));
    world = await createWorld(engine.store());
    const keyring = await createFileKeyring(join(dir, 'keys/keyring.json'));
    const keyringFile = keyringFileRotation(dir, { keyring: { kind: 'file', file: 'keys/keyring.json' } });
    services = createServices({ store: engine.store(), clock: world.clock, keyring, ...(keyringFile ? { keyringFile } : {}) });
    planner = await world.user('pia.planner', ['planner']);
    approver = await world.user('alan.approver', ['approver']);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const release = async (): Promise<OrderDetail> => {
    const order = await services.orders.create(planner, world.orderInput());
    const submitted = await services.orders.perform(planner, order.id, 'submit', { version: order.version });
    return services.orders.perform(approver, order.id, 'release', { version: submitted.version, password: TEST_PASSWORD });
  };

  it('re-wraps every data key and signing key with the new KEK, drops the old one, and keeps every order readable and signable', async () => {
    const before = await Promise.all([release(), release(), release()]);
    const oldKek = services.keyring.activeKekId;
    const result = await services.kekRotation.rotate(SETUP_ADMIN);
    expect(result).toMatchObject({ from: oldKek, dataKeys: 3, signingKeys: 1, retired: true });
    expect(result.to).not.toBe(oldKek);

    const db = engine.store().db;
    expect(new Set((await db.selectFrom('order_data_keys').select('kek_id').execute()).map((row) => row.kek_id))).toEqual(new Set([result.to]));
    expect((await db.selectFrom('signing_keys').select('kek_id').execute()).map((row) => row.kek_id)).toEqual([result.to]);
    // The file now holds only the new KEK: a copy of the old file opens nothing new, and the new one opens everything.
    const file = JSON.parse(await readFile(join(dir, 'keys/keyring.json'), 'utf8')) as { active: string; keys: { id: string }[] };
    expect(file).toMatchObject({ active: result.to, keys: [{ id: result.to }] });

    // A fresh process with the rotated file reads every order's recipe and signs new releases.
    const restarted = createServices({ store: engine.store(), clock: systemClock, keyring: await openFileKeyring(join(dir, 'keys/keyring.json')) });
    for (const order of before) {
      expect((await restarted.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false })).content).toHaveProperty('customerReference');
    }
    const order = await restarted.orders.create(planner, world.orderInput());
    const submitted = await restarted.orders.perform(planner, order.id, 'submit', { version: order.version });
    await restarted.orders.perform(approver, order.id, 'release', { version: submitted.version, password: TEST_PASSWORD });

    const [entry] = await db.selectFrom('audit_entries').selectAll().where('kind', '=', 'key.rotate-kek').execute();
    expect(JSON.parse(entry?.detail ?? '{}')).toEqual({ from: oldKek, to: result.to, dataKeys: 3, signingKeys: 1, retired: true });
  });

  it('re-wraps every key through the commands of a command keyring (the KMS rotated its key version), keeping orders readable', async () => {
    const kms = { wrap: `node ${resolve('test/crypto/fixtures/fake-kms.mjs')} wrap`, unwrap: `node ${resolve('test/crypto/fixtures/fake-kms.mjs')} unwrap`, kekId: 'plant-hsm-1' };
    process.env.FAKE_KMS_SECRET = 'partition secret';
    try {
      const withKms = createServices({ store: engine.store(), clock: world.clock, keyring: commandKeyring(kms) });
      const order = await withKms.orders.create(planner, world.orderInput());
      const db = engine.store().db;
      const before = await db.selectFrom('order_data_keys').select('wrapped_key').where('order_id', '=', order.id).executeTakeFirstOrThrow();
      const result = await withKms.kekRotation.rotate(SETUP_ADMIN);
      expect(result).toMatchObject({ from: 'plant-hsm-1', to: 'plant-hsm-1', retired: false });
      expect(result.dataKeys).toBeGreaterThanOrEqual(1);
      const after = await db.selectFrom('order_data_keys').select(['kek_id', 'wrapped_key']).where('order_id', '=', order.id).executeTakeFirstOrThrow();
      expect(after.kek_id).toBe('plant-hsm-1');
      expect(after.wrapped_key).not.toBe(before.wrapped_key);
      const reopened = createServices({ store: engine.store(), clock: world.clock, keyring: commandKeyring(kms) });
      expect((await reopened.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false })).content).toHaveProperty('customerReference');
    } finally {
      delete process.env.FAKE_KMS_SECRET;
    }
  }, 60_000);

  it('is refused to non-admins and for keyrings that cannot rotate by themselves, and audited', async () => {
    const refused = await services.kekRotation.rotate(planner).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ForgelineError);
    expect((refused as ForgelineError).code).toBe('forbidden');
    const noFile = createServices({ store: engine.store(), clock: world.clock, keyring: await createPassphraseKeyring(join(dir, 'keys/keyring-passphrase.json'), 'a long passphrase for the keys') });
    const unsupported = await noFile.kekRotation.rotate(SETUP_ADMIN).then(() => undefined, (error: unknown) => error);
    expect((unsupported as ForgelineError).code).toBe('validation-failed');
    const entries = await engine.store().db.selectFrom('audit_entries').select(['outcome', 'actor']).where('kind', '=', 'key.rotate-kek').orderBy('idx').execute();
    expect(entries).toEqual([{ outcome: 'denied', actor: 'pia.planner' }, { outcome: 'denied', actor: 'setup' }]);
  });
});
