/**
 * The release attestation beside each signed release (issue 7 point 7): signed in the release
 * transaction with the order JWS's key, bound to that JWS, free of confidential fields, and read
 * over the API by anyone who may read the order (a plain auditor), scoped like the order read.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Actor } from '../../src/access/index.js';
import type { OrderDetail } from '../../src/domain/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createApiHarness, type ApiHarness } from '../server/api-harness.js';
import { TEST_PASSWORD } from '../support/factories.js';

const decoded = (part: string | undefined): Record<string, unknown> => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describeEachEngine('release attestations', (engine) => {
  let api: ApiHarness;
  let planner: Actor;
  let approver: Actor;

  const released = async (): Promise<OrderDetail> => {
    const { orders } = api.world.services;
    const created = await api.world.createOrder(planner);
    const submitted = await orders.perform(planner, created.id, 'submit', { version: created.version });
    return orders.perform(approver, created.id, 'release', { version: submitted.version, password: TEST_PASSWORD, meaning: 'approved for production' });
  };
  /** GET of the attestation over HTTP as `token`: the status, content type and body text. */
  const read = async (token: string, id: string) => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/release-attestation`, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, type: String(response.headers['content-type']), body: response.body };
  };
  const auditEntryCount = async () => Number((await engine.store().db.selectFrom('audit_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeEach(async () => {
    api = await createApiHarness(engine.store());
    planner = await api.world.user('pia.planner', ['planner']);
    approver = await api.world.user('alan.approver', ['approver']);
  });

  afterEach(async () => {
    await api?.close();
  });

  it('signs each release\'s attestation with the order key, verifiable with node:crypto, bound to the order JWS and its audit entry', async () => {
    const order = await released();
    const { status, type, body: attestation } = await read(api.tokens.auditor, order.id);
    expect(status, attestation).toBe(200);
    expect(type).toMatch(/^application\/jose/);
    const [header, payload, signature] = attestation.split('.');
    const jwks = await api.world.services.signingKeys.jwks();
    const [jwk] = jwks.keys;
    expect(decoded(header)).toEqual({ alg: 'EdDSA', kid: jwk?.kid, typ: 'forgeline-release-attestation+jws' });
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: String(jwk?.x) }, format: 'jwk' });
    expect(verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature ?? '', 'base64url'))).toBe(true);

    const jws = await api.world.services.orders.queries.jws(planner, order.id);
    const claims = decoded(payload) as { sub: string; aud: string; iat: number; exp: number; order: Record<string, unknown>; orderJws: { jti: string; sha256: string }; signatures: unknown[] };
    const signed = decoded(jws.split('.')[1]) as { jti: string; iat: number; exp: number; aud: string; signatures: unknown[] };
    expect(claims.orderJws).toEqual({ jti: signed.jti, sha256: createHash('sha256').update(jws).digest('hex') });
    expect(claims).toMatchObject({ sub: order.id, aud: order.workCenterId, iat: signed.iat, exp: signed.exp, order: { id: order.id, number: order.number, revision: order.revision, contentHash: order.contentHash } });
    expect(claims.signatures).toEqual(signed.signatures);
    expect(claims.signatures).toEqual([expect.objectContaining({ signer: 'alan.approver', signerId: approver.subject.userId, action: 'release', meaning: 'approved for production' })]);
    const release = await engine.store().db.selectFrom('audit_entries').select(['revision', 'hash_after']).where('kind', '=', 'order.release').where('order_id', '=', order.id).executeTakeFirstOrThrow();
    expect(release).toEqual({ revision: claims.order.revision, hash_after: claims.order.contentHash });
  });

  it('carries no confidential value, and its read is not audited', async () => {
    const order = await released();
    const before = await auditEntryCount();
    const { body } = await read(api.tokens.auditor, order.id);
    const text = body.split('.').slice(0, 2).map((part) => Buffer.from(part, 'base64url').toString('utf8')).join('\n');
    for (const secret of ['GEAR-12-MILL-v3', 'spindle-rpm', 'CUST-7781', 'parameters', 'customerReference']) expect(text).not.toContain(secret);
    // The auditor may still not have the JWS itself, which carries them.
    expect((await read(api.tokens.auditor, order.id)).status).toBe(200);
    expect((await api.call('GET', `/api/v1/orders/${order.id}/jws`, { token: api.tokens.auditor })).status).toBe(403);
    // The two reads of the attestation left no entry; the JWS refusal left one.
    expect(await auditEntryCount()).toBe(before + 1);
  });

  it('is scoped like the order read: another site\'s operator gets not-found, as for the order', async () => {
    const order = await released();
    const lyon = await api.world.user('lena.operator', [{ role: 'operator', scopeNodeId: api.world.node('lyon').id }]);
    const session = await api.call('POST', '/api/v1/sessions', { body: { username: lyon.subject.username, password: TEST_PASSWORD } });
    const token = String(session.json.token);
    expect((await api.call('GET', `/api/v1/orders/${order.id}`, { token })).status).toBe(404);
    const refused = await read(token, order.id);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'not-found', detail: `no order ${order.id}` });
    expect(refused.type).toMatch(/^application\/problem\+json/);
    // Berlin's operator reads it (and the order).
    const berlin = await api.world.user('otto.operator', [{ role: 'operator', scopeNodeId: api.world.node('berlin').id }]);
    expect(await api.world.services.orders.queries.releaseAttestation(berlin, order.id)).toBe((await read(api.tokens.auditor, order.id)).body);
  });

  it('answers not-found, saying why, for an order released before attestations and for one never released', async () => {
    const old = await released();
    await engine.store().db.updateTable('order_jws').set({ attestation: null }).where('order_id', '=', old.id).execute();
    const none = await read(api.tokens.auditor, old.id);
    expect(none.status).toBe(404);
    expect(JSON.parse(none.body)).toMatchObject({
      code: 'not-found',
      detail: `order ${old.number} revision 1 was released before release attestations were made, so it has none; a reader who may see its recipe and customer can check its signed order (JWS)`,
    });
    // That reader still gets the JWS.
    expect((await api.world.services.orders.queries.jws(planner, old.id)).split('.')).toHaveLength(3);
    const draft = await api.world.createOrder(planner);
    expect(JSON.parse((await read(api.tokens.auditor, draft.id)).body)).toMatchObject({ status: 404, code: 'not-found', detail: `order ${draft.number} revision 1 has no signed release (it is draft)` });
    expect(JSON.parse((await read(api.tokens.auditor, 'not-an-id')).body)).toMatchObject({ status: 404, code: 'not-found' });
  });

  it('is in the OpenAPI document as application/jose', async () => {
    const doc = (await api.call('GET', '/openapi.json')).json as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> };
    expect(Object.keys(doc.paths['/api/v1/orders/{id}/release-attestation']?.get?.responses['200']?.content ?? {})).toEqual(['application/jose']);
  });
});
