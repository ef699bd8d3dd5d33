import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { base32Decode, totpAt, type Actor } from '../../src/access/index.js';
import { systemClock } from '../../src/audit/index.js';
import { commandKeyring, createFileKeyring, createPassphraseKeyring, openFileKeyring, openPassphraseKeyring, rotatePassphraseKeyring } from '../../src/crypto/index.js';
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
    expect(JSON.parse(entry?.detail ?? '{}')).toEqual({ from: oldKek, to: result.to, dataKeys: 3, signingKeys: 1, totpSecrets: 0, searchKeys: 1, retired: true });
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

  it('derives a new KEK from a new passphrase, re-wraps every key, and from then on opens with the new passphrase only', async () => {
    const path = join(dir, 'keys/keyring-passphrase.json');
    const env = { FORGELINE_KEYRING_PASSPHRASE: 'the first long passphrase' };
    const keyring = await createPassphraseKeyring(path, env.FORGELINE_KEYRING_PASSPHRASE);
    const rotation = keyringFileRotation(dir, { keyring: { kind: 'passphrase', file: 'keys/keyring-passphrase.json' } }, env);
    const withPassphrase = createServices({ store: engine.store(), clock: world.clock, keyring, ...(rotation ? { keyringFile: rotation } : {}) });
    const order = await withPassphrase.orders.create(planner, world.orderInput());

    const missing = await withPassphrase.kekRotation.rotate(SETUP_ADMIN, {}).then(() => undefined, (error: unknown) => error);
    expect((missing as ForgelineError).code).toBe('validation-failed');
    const result = await withPassphrase.kekRotation.rotate(SETUP_ADMIN, { newPassphrase: 'the second long passphrase' });
    expect(result).toMatchObject({ retired: true });
    expect(result.to).not.toBe(result.from);
    expect(JSON.parse(await readFile(path, 'utf8'))).not.toHaveProperty('previous');

    await expect(openPassphraseKeyring(path, 'the first long passphrase')).rejects.toMatchObject({ code: 'keyring-unavailable' });
    const reopened = createServices({ store: engine.store(), clock: world.clock, keyring: await openPassphraseKeyring(path, 'the second long passphrase') });
    expect((await reopened.orders.queries.get(planner, order.id, { includeConfidential: true, audit: false })).content).toHaveProperty('customerReference');
    // A second rotation starts from the new passphrase, not the one the process started with.
    await withPassphrase.kekRotation.rotate(SETUP_ADMIN, { newPassphrase: 'the third long passphrase' });
    await openPassphraseKeyring(path, 'the third long passphrase');
  }, 60_000);

  it('keeps the previous KEK, wrapped by the new one, while a passphrase rotation is unfinished', async () => {
    const path = join(dir, 'keys/keyring-passphrase.json');
    const first = await createPassphraseKeyring(path, 'the first long passphrase');
    const wrapped = await first.wrap(Buffer.alloc(32, 9));
    // A crash after the file was rewritten, before the keys were re-wrapped: the new passphrase opens both.
    await rotatePassphraseKeyring(path, 'the first long passphrase', 'the second long passphrase');
    const afterCrash = await openPassphraseKeyring(path, 'the second long passphrase');
    expect(await afterCrash.unwrap(wrapped)).toEqual(Buffer.alloc(32, 9));
    await expect(rotatePassphraseKeyring(path, 'the second long passphrase', 'the third long passphrase')).rejects.toMatchObject({ code: 'conflict' });
  });

  it('keeps TOTP secrets wrapped by the keyring, re-wraps them with a new KEK, and seals one stored in clear before', async () => {
    const quinn = await world.user('quinn.quality', ['quality']);
    const begun = await services.mfa.beginEnrolment(quinn);
    const secret = base32Decode(begun.secret);
    const pending = (await engine.store().db.selectFrom('users').select('mfa_pending_secret').where('id', '=', quinn.subject.userId).executeTakeFirstOrThrow()).mfa_pending_secret ?? '';
    expect(pending).toMatch(new RegExp(`^w1:${services.keyring.activeKekId}:`));
    expect(pending).not.toContain(secret.toString('hex'));
    await services.mfa.confirmEnrolment(quinn, { code: totpAt(secret, world.clock.now().getTime() - 30_000) });
    const stored = async () => (await engine.store().db.selectFrom('users').select('mfa_secret').where('id', '=', quinn.subject.userId).executeTakeFirstOrThrow()).mfa_secret ?? '';
    expect(await stored()).toBe(pending);
    // A secret from before the keyring wrapped them (hex, in clear) is still accepted, and sealed by the rotation.
    const quality2 = await world.user('quentin.quality', ['quality']);
    const legacy = Buffer.from('3132333435363738393031323334353637383930', 'hex');
    await engine.store().db.updateTable('users').set({ mfa_secret: legacy.toString('hex'), mfa_enabled_at: world.clock.now().toISOString() }).where('id', '=', quality2.subject.userId).execute();
    await services.sessions.login({ username: 'quentin.quality', password: TEST_PASSWORD, totp: totpAt(legacy, world.clock.now().getTime()), source: '10.0.0.1' });

    const result = await services.kekRotation.rotate(SETUP_ADMIN);
    expect(result.totpSecrets).toBe(2);
    expect(await stored()).toMatch(new RegExp(`^w1:${result.to}:`));
    const sealedLegacy = (await engine.store().db.selectFrom('users').select('mfa_secret').where('id', '=', quality2.subject.userId).executeTakeFirstOrThrow()).mfa_secret;
    expect(sealedLegacy).toMatch(new RegExp(`^w1:${result.to}:`));
    // Both still sign in, with the rotated keyring only.
    world.clock.advance(60_000);
    const restarted = createServices({ store: engine.store(), clock: world.clock, keyring: await openFileKeyring(join(dir, 'keys/keyring.json')) });
    await restarted.sessions.login({ username: 'quinn.quality', password: TEST_PASSWORD, totp: totpAt(secret, world.clock.now().getTime()), source: '10.0.0.1' });
    await restarted.sessions.login({ username: 'quentin.quality', password: TEST_PASSWORD, totp: totpAt(legacy, world.clock.now().getTime()), source: '10.0.0.1' });
    // Without the keyring the wrapped secret cannot be used: a clear refusal, not a wrong code.
    const keyless = createServices({ store: engine.store(), clock: world.clock });
    world.clock.advance(60_000);
    await expect(keyless.sessions.login({ username: 'quinn.quality', password: TEST_PASSWORD, totp: totpAt(secret, world.clock.now().getTime()), source: '10.0.0.1' }))
      .rejects.toMatchObject({ code: 'keyring-unavailable' });
  });

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
