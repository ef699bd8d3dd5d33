/**
 * The order-signing keys (issue 5 point 3): Ed25519 keys kept in the database, their private
 * halves wrapped by the keyring's key-encryption key, so every server instance on one database
 * signs with the same active key. One key is active (signs new releases); rotation makes a new
 * one active and retires the old, which still verifies what it signed; revocation marks a key
 * compromised from a time on, after which anything it signed is refused everywhere. Every key
 * event is audited.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { assertCan, auditActorOf, type Actor } from '../access/index.js';
import { AuditTrail, type AuditActor, type Clock } from '../audit/index.js';
import { canonicalJson, orderPublicJwk, publicKeyFromJwk, type Keyring, type OrderSigningKey, type OrderVerificationKey } from '../crypto/index.js';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import { withWriteTransaction, type Store, type WriteTransaction } from '../store/index.js';

/** A signing key as listed: never the private half. */
export interface SigningKeyView {
  readonly kid: string;
  readonly algorithm: 'EdDSA';
  readonly status: 'active' | 'retired' | 'revoked';
  readonly createdAt: string;
  readonly retiredAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedSince: string | null;
  readonly revokedReason: string | null;
  readonly publicJwk: PublicOrderJwk;
}

/** A public JWK of the order-signing JWKS; a revoked key carries `revokedSince`. */
export type PublicOrderJwk = ReturnType<typeof orderPublicJwk> & { readonly revokedSince?: string };

/** What `keys revoke` takes. */
export const revokeKeyRequestSchema = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('Signatures made at or after this time are refused (ISO 8601)'),
  reason: z.string().trim().min(1).max(500).describe('Why the key is revoked (recorded in the audit log)'),
});

/** Who the system is when it makes the first key at init. */
const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', source: 'init' };

interface KeyRow {
  readonly kid: string;
  readonly algorithm: 'EdDSA';
  readonly public_jwk: string;
  readonly kek_id: string;
  readonly private_key_wrapped: string;
  readonly status: 'active' | 'retired' | 'revoked';
  readonly created_at: string;
  readonly retired_at: string | null;
  readonly revoked_at: string | null;
  readonly revoked_since: string | null;
  readonly revoked_reason: string | null;
}

function view(row: KeyRow): SigningKeyView {
  const jwk = JSON.parse(row.public_jwk) as ReturnType<typeof orderPublicJwk>;
  return {
    kid: row.kid, algorithm: 'EdDSA', status: row.status, createdAt: row.created_at, retiredAt: row.retired_at, revokedAt: row.revoked_at,
    revokedSince: row.revoked_since, revokedReason: row.revoked_reason,
    publicJwk: row.revoked_since === null ? jwk : { ...jwk, revokedSince: row.revoked_since },
  };
}

/** The order-signing keys: made, rotated, revoked, listed, and handed to the signer and verifiers. */
export class SigningKeyService {
  readonly #audit: AuditTrail;
  // The unwrapped active key, kept while it stays active (unwrapping may run an external command).
  #active: OrderSigningKey | undefined;
  // The parsed verification keys, with the state of the key table they were parsed from.
  #verification: { readonly version: string; readonly keys: ReadonlyMap<string, OrderVerificationKey> } | undefined;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly keyring: Keyring }) {
    this.#audit = new AuditTrail(deps);
  }

  /** Makes the first key if there is no active one (init, and a database made before keys existed). */
  async ensureActiveKey(): Promise<string> {
    const active = await this.#activeRow();
    if (active !== undefined) return active.kid;
    const made = await this.#newKeyRow();
    await withWriteTransaction(this.deps.store, async (trx) => {
      await trx.insertInto('signing_keys').values(made.row).execute();
      await this.#audit.record(trx, { kind: 'key.create', outcome: 'ok', actor: SYSTEM_ACTOR, detail: { kid: made.row.kid, kekId: made.row.kek_id } });
    }).catch(async (error: unknown) => {
      // Another instance made the first key at the same moment (one active key, unique index): use it.
      if ((await this.#activeRow()) === undefined) throw error;
    });
    return (await this.#activeRow())?.kid ?? made.row.kid;
  }

  /** The key new releases are signed with (made now if there is none yet). */
  async activeKey(): Promise<OrderSigningKey> {
    let row = await this.#activeRow();
    if (row === undefined) {
      await this.ensureActiveKey();
      row = await this.#activeRow();
    }
    if (row === undefined) throw new ForgelineError('keyring-unavailable', 'there is no active order-signing key; run `forgeline keys rotate`');
    if (this.#active?.kid === row.kid) return this.#active;
    const der = await this.deps.keyring.unwrap({ kekId: row.kek_id, wrapped: row.private_key_wrapped });
    const key = { kid: row.kid, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
    this.#active = key;
    return key;
  }

  /** Every key, newest first. */
  async list(): Promise<SigningKeyView[]> {
    const rows = await this.deps.store.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
    return rows.map((row) => view(row as KeyRow));
  }

  /** The public JWKS: every key that verifies or once did; revoked ones carry `revokedSince`. */
  async jwks(): Promise<{ keys: PublicOrderJwk[] }> {
    return { keys: (await this.list()).map((key) => key.publicJwk) };
  }

  /** Verification keys by kid, as {@link verifyOrderJws} asks for them; a snapshot of the table. */
  async verificationKeys(): Promise<(kid: string) => OrderVerificationKey | undefined> {
    // The key table as it is now (a revocation by another instance counts at once), read cheaply;
    // the public keys are parsed again only when that changed.
    const rows = await this.deps.store.db.selectFrom('signing_keys').select(['kid', 'public_jwk', 'revoked_since']).orderBy('kid').execute();
    const version = rows.map((row) => `${row.kid}:${row.revoked_since ?? ''}`).join(',');
    if (this.#verification?.version !== version) {
      const keys = new Map<string, OrderVerificationKey>();
      for (const row of rows) keys.set(row.kid, { kid: row.kid, publicKey: publicKeyFromJwk(JSON.parse(row.public_jwk)), revokedSince: row.revoked_since });
      this.#verification = { version, keys };
    }
    const { keys } = this.#verification;
    return (kid) => keys.get(kid);
  }

  /** Makes a new active key; the old one is retired (it still verifies what it signed). Admin only. */
  async rotate(actor: Actor): Promise<{ active: SigningKeyView; retired: string | null }> {
    const refusal = assertCanAudited(actor);
    if (refusal !== null) {
      await this.#audit.recordAlone({ kind: 'key.rotate', outcome: 'denied', actor: auditActorOf(actor), detail: { reason: refusal.message } });
      throw refusal;
    }
    const made = await this.#newKeyRow();
    const now = this.deps.clock.now().toISOString();
    const retired = await withWriteTransaction(this.deps.store, async (trx) => {
      const previous = await trx.selectFrom('signing_keys').select('kid').where('status', '=', 'active').executeTakeFirst();
      if (previous !== undefined) await trx.updateTable('signing_keys').set({ status: 'retired', retired_at: now }).where('kid', '=', previous.kid).execute();
      await trx.insertInto('signing_keys').values({ ...made.row, created_at: now }).execute();
      await this.#audit.record(trx, { kind: 'key.rotate', outcome: 'ok', actor: auditActorOf(actor), detail: { kid: made.row.kid, retired: previous?.kid ?? null, kekId: made.row.kek_id } });
      return previous?.kid ?? null;
    });
    return { active: view({ ...made.row, created_at: now }), retired };
  }

  /**
   * Marks key `kid` compromised from `since` on: whatever it signed at or after that time is
   * refused everywhere. A revoked active key is replaced by a new one at once, so releases go on.
   */
  async revoke(actor: Actor, kid: string, input: unknown): Promise<{ revoked: SigningKeyView; active: string }> {
    const request = parseOrThrow(revokeKeyRequestSchema, input, 'revoke request');
    const decision = assertCanAudited(actor);
    if (decision !== null) {
      await this.#audit.recordAlone({ kind: 'key.revoke', outcome: 'denied', actor: auditActorOf(actor), detail: { kid: kid.slice(0, 100), reason: decision.message } });
      throw decision;
    }
    const since = new Date(request.since).toISOString();
    const now = this.deps.clock.now().toISOString();
    const made = await this.#newKeyRow();
    const result = await withWriteTransaction(this.deps.store, async (trx) => {
      const row = await trx.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst() as KeyRow | undefined;
      if (row === undefined) throw new ForgelineError('key-unknown', `there is no order-signing key ${kid}`);
      // Revoking again may only move the time earlier: a later time would un-refuse signatures.
      const effectiveSince = row.revoked_since !== null && row.revoked_since < since ? row.revoked_since : since;
      await trx.updateTable('signing_keys')
        .set({ status: 'revoked', revoked_at: row.revoked_at ?? now, revoked_since: effectiveSince, revoked_reason: request.reason, retired_at: row.retired_at ?? now })
        .where('kid', '=', kid).execute();
      let active = (await trx.selectFrom('signing_keys').select('kid').where('status', '=', 'active').executeTakeFirst())?.kid;
      if (active === undefined) {
        await trx.insertInto('signing_keys').values({ ...made.row, created_at: now }).execute();
        active = made.row.kid;
      }
      await this.#audit.record(trx, {
        kind: 'key.revoke', outcome: 'ok', actor: auditActorOf(actor),
        detail: { kid, since: effectiveSince, reason: request.reason, wasActive: row.status === 'active', active },
      });
      return { row: { ...row, status: 'revoked' as const, revoked_at: row.revoked_at ?? now, revoked_since: effectiveSince, revoked_reason: request.reason, retired_at: row.retired_at ?? now }, active };
    }).catch(async (error: unknown) => {
      if (error instanceof ForgelineError && error.code === 'key-unknown') {
        await this.#audit.recordAlone({ kind: 'key.revoke', outcome: 'denied', actor: auditActorOf(actor), detail: { kid: kid.slice(0, 100), reason: error.message } });
      }
      throw error;
    });
    if (this.#active?.kid === kid) this.#active = undefined;
    return { revoked: view(result.row), active: result.active };
  }

  /** Re-wraps every private key still wrapped by another KEK with the keyring's active one (keys rotate-kek). */
  async rewrapAll(trx: WriteTransaction, from: Keyring): Promise<number> {
    const rows = await trx.selectFrom('signing_keys').select(['kid', 'kek_id', 'private_key_wrapped']).where('kek_id', '!=', this.deps.keyring.activeKekId).execute();
    for (const row of rows) {
      const der = await from.unwrap({ kekId: row.kek_id, wrapped: row.private_key_wrapped });
      const wrapped = await this.deps.keyring.wrap(der);
      await trx.updateTable('signing_keys').set({ kek_id: wrapped.kekId, private_key_wrapped: wrapped.wrapped }).where('kid', '=', row.kid).execute();
    }
    return rows.length;
  }

  async #activeRow(): Promise<KeyRow | undefined> {
    return await this.deps.store.db.selectFrom('signing_keys').selectAll().where('status', '=', 'active').executeTakeFirst() as KeyRow | undefined;
  }

  /** A fresh Ed25519 key pair as a row: the private half wrapped by the keyring's active KEK. */
  async #newKeyRow(): Promise<{ row: KeyRow; publicKey: KeyObject }> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const publicKey = createPublicKey(privateKey);
    const jwk = orderPublicJwk(publicKey);
    const wrapped = await this.deps.keyring.wrap(privateKey.export({ format: 'der', type: 'pkcs8' }));
    return {
      publicKey,
      row: {
        kid: jwk.kid, algorithm: 'EdDSA', public_jwk: canonicalJson(jwk), kek_id: wrapped.kekId, private_key_wrapped: wrapped.wrapped, status: 'active',
        created_at: this.deps.clock.now().toISOString(), retired_at: null, revoked_at: null, revoked_since: null, revoked_reason: null,
      },
    };
  }
}

/** The refusal of key.manage for `actor`, or null when allowed. */
function assertCanAudited(actor: Actor): ForgelineError | null {
  try {
    assertCan(actor.subject, 'key.manage', { kind: 'system' });
    return null;
  } catch (error) {
    if (error instanceof ForgelineError) return error;
    throw error;
  }
}
