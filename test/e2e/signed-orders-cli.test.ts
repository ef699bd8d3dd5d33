import { readdir, readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyZones, expectOk, expectOneLineError, fileIn, orderPeople, runCli, startPlantServer, type OrderPeople, type ServerProcess } from './cli-harness.js';

const CUSTOMER = 'CUST-E2E-4711';
const RECIPE = 'GEAR-12-SECRET-RECIPE-v9';

describe('signed and encrypted orders through the real CLI and server', () => {
  let dir: string;
  let data: string;
  let server: ServerProcess;
  let admin: Record<string, string>;
  let pia: Record<string, string>;
  let workCenter: string;
  const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, env);

  let people: OrderPeople;
  const releasedOrder = (number: string): Promise<string> => people.release(number, { recipe: RECIPE, customerReference: CUSTOMER });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forgeline-signed-e2e-'));
    const started = await startPlantServer(dir);
    ({ data, server, admin, workCenterId: workCenter } = started);
    // Orders are dispatched below: the work center needs a zone and a conduit carrying orders.
    await applyZones(dir, admin);
    people = await orderPeople(dir, started);
    ({ pia } = people);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the keyring private and the recipe and customer out of the database files in clear', async () => {
    const id = await releasedOrder('PO-E2E-SECRET');
    expect((await stat(join(data, 'keys/keyring.json'))).mode & 0o777).toBe(0o600);
    for (const name of (await readdir(data)).filter((file) => file.startsWith('forgeline.db'))) {
      const bytes = await readFile(join(data, name));
      expect(bytes.includes(Buffer.from(CUSTOMER)), name).toBe(false);
      expect(bytes.includes(Buffer.from(RECIPE)), name).toBe(false);
    }
    const shown = JSON.parse(expectOk(await cli(pia, 'order', 'show', id, '--confidential', '--json'))) as { content: { customerReference: string } };
    expect(shown.content.customerReference).toBe(CUSTOMER);
  }, 60_000);

  it('hands out a released order as a JWS that the CLI and an independent JOSE library verify, and refuses a tampered one', async () => {
    const id = await releasedOrder('PO-E2E-JWS');
    const jws = expectOk(await cli(pia, 'order', 'jws', id)).trim();
    await writeFile(fileIn(dir, 'order.jws'), jws);
    const jwks = expectOk(await cli(pia, 'keys', 'jwks'));
    await writeFile(fileIn(dir, 'jwks.json'), jwks);
    const verified = expectOk(await cli(pia, 'order', 'verify-jws', fileIn(dir, 'order.jws'), '--jwks', fileIn(dir, 'jwks.json'), '--audience', workCenter));
    expect(verified).toMatch(/^verified: order PO-E2E-JWS /);
    expect(verified).toContain('signed by alan (release: approved for production)');
    const { payload } = await jwtVerify(jws, createLocalJWKSet(JSON.parse(jwks) as JSONWebKeySet), { algorithms: ['EdDSA'], audience: workCenter });
    expect(payload.sub).toBe(id);

    const [header, body, signature] = jws.split('.');
    const changed = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as { order: { content: { quantity: { value: string } } } };
    changed.order.content.quantity.value = '25000';
    await writeFile(fileIn(dir, 'tampered.jws'), `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`);
    expectOneLineError(await cli(pia, 'order', 'verify-jws', fileIn(dir, 'tampered.jws'), '--jwks', fileIn(dir, 'jwks.json')), 'jws-invalid');
    expectOneLineError(await cli(pia, 'order', 'verify-jws', fileIn(dir, 'order.jws'), '--jwks', fileIn(dir, 'jwks.json'), '--audience', 'another-work-center'), 'audience-mismatch');
  }, 60_000);

  it('rotates and revokes signing keys: what a revoked key signed is refused by the server and offline; rotate-kek keeps every order readable', async () => {
    const id = await releasedOrder('PO-E2E-REVOKED');
    const listed = JSON.parse(expectOk(await cli(admin, 'keys', 'list', '--json'))) as { items: { kid: string; status: string }[] };
    const active = listed.items.find((key) => key.status === 'active')?.kid ?? '';
    expect(expectOk(await cli(admin, 'keys', 'rotate'))).toMatch(/^new active signing key \S+; \S+ retired/);
    expect(expectOk(await cli(pia, 'order', 'jws', id)).trim().split('.')).toHaveLength(3);

    expect((await cli(admin, 'keys', 'revoke', active, '--since', 'yesterday', '--reason', 'x')).code).toBe(2);
    expectOneLineError(await cli(pia, 'keys', 'rotate'), 'forbidden');
    expect(expectOk(await cli(admin, 'keys', 'revoke', active, '--since', '2026-01-01T00:00:00Z', '--reason', 'key file copied off the server'))).toMatch(`revoked ${active} since 2026-01-01T00:00:00.000Z`);
    expectOneLineError(await cli(pia, 'order', 'jws', id), 'key-revoked');
    expectOneLineError(await cli(pia, 'order', 'dispatch', id), 'key-revoked');
    await writeFile(fileIn(dir, 'jwks-after.json'), expectOk(await cli(pia, 'keys', 'jwks')));
    await writeFile(fileIn(dir, 'revoked.jws'), (await readFile(fileIn(dir, 'order.jws'), 'utf8')));
    expectOneLineError(await cli(pia, 'order', 'verify-jws', fileIn(dir, 'revoked.jws'), '--jwks', fileIn(dir, 'jwks-after.json')), 'key-revoked');

    // Orders released after the rotation go on.
    const fresh = await releasedOrder('PO-E2E-AFTER');
    expectOk(await cli(pia, 'order', 'dispatch', fresh));

    const rotated = expectOk(await cli(admin, 'keys', 'rotate-kek'));
    // Admin and approver have a second factor: their secrets are re-wrapped too.
    expect(rotated).toMatch(/^key-encryption key \S+ replaced by \S+: \d+ order data keys, 2 signing keys and 2 second-factor secrets re-wrapped; \S+ removed from the keyring/);
    const shown = JSON.parse(expectOk(await cli(pia, 'order', 'show', fresh, '--confidential', '--json'))) as { content: { parameters: { recipe: string } } };
    expect(shown.content.parameters.recipe).toBe(RECIPE);
    const audit = expectOk(await cli(admin, 'audit', 'list', '--kind', 'key.rotate-kek'));
    expect(audit).toContain('key.rotate-kek');
  }, 90_000);
});
