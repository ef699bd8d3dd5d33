/**
 * Replacing the keyring's key-encryption key while the server runs (issue 5 point 4,
 * `forgeline keys rotate-kek`): a new KEK becomes active, every data key and signing key still
 * wrapped by another KEK is re-wrapped with it in small batches (nothing is decrypted but the
 * keys themselves, and orders stay readable throughout), and the old KEK is then removed from
 * the keyring file, so a copy of the old file no longer opens anything. Audited.
 */
import { auditActorOf, can, openTotpSecret, sealTotpSecret, totpSecretWrappedBy, type Actor } from '../access/index.js';
import { AuditTrail, type Clock } from '../audit/index.js';
import type { Keyring, WrappedKey } from '../crypto/index.js';
import { z } from 'zod';
import { ForgelineError, parseOrThrow } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';

/** A keyring whose key-encryption keys can be replaced under the services that hold it. */
export class SwappableKeyring implements Keyring {
  #current: Keyring;

  constructor(initial: Keyring) {
    this.#current = initial;
  }

  get kind(): Keyring['kind'] {
    return this.#current.kind;
  }

  get activeKekId(): string {
    return this.#current.activeKekId;
  }

  wrap(secret: Uint8Array): Promise<WrappedKey> {
    return this.#current.wrap(secret);
  }

  unwrap(key: WrappedKey): Promise<Buffer> {
    return this.#current.unwrap(key);
  }

  /** From now on, wrap and unwrap with `next`. */
  replace(next: Keyring): void {
    this.#current = next;
  }
}

/** What `keys rotate-kek` is given: a passphrase keyring's new passphrase (nothing for a file keyring). */
export const rotateKekRequestSchema = z.strictObject({
  newPassphrase: z.string().min(12, 'must be at least 12 characters').max(1024).optional()
    .describe('passphrase keyrings: the new passphrase; the server must be started with it from now on'),
});

/** How the keyring on disk is rotated: a file keyring makes a new KEK, a passphrase keyring derives one from a new passphrase. */
export interface KeyringFileRotation {
  /** Adds a new active KEK to the file; answers the keyring with both, and the old KEK's id. */
  rotate(request: z.infer<typeof rotateKekRequestSchema>): Promise<{ keyring: Keyring; previousKekId: string }>;
  /** Removes a KEK nothing is wrapped with any more; answers the keyring as the file now holds it. */
  retire(kekId: string): Promise<Keyring>;
}

/** What one rotation did. */
export interface KekRotationResult {
  readonly from: string;
  readonly to: string;
  readonly dataKeys: number;
  readonly signingKeys: number;
  /** Users' TOTP secrets (enrolled or pending) re-wrapped, or sealed if stored in clear before. */
  readonly totpSecrets: number;
  /** Keys of blind search indexes (the customer-reference tags) re-wrapped: 0 or 1. */
  readonly searchKeys: number;
  readonly retired: boolean;
}

/** Keys re-wrapped per write transaction: short transactions, so order changes go on meanwhile. */
const REWRAP_BATCH = 500;

/** Rotates the keyring's KEK and re-wraps every key with the new one. */
export class KekRotation {
  readonly #audit: AuditTrail;
  #running = false;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly keyring: SwappableKeyring; readonly file?: KeyringFileRotation | undefined }) {
    this.#audit = new AuditTrail(deps);
  }

  async rotate(actor: Actor, input: unknown = {}): Promise<KekRotationResult> {
    const request = parseOrThrow(rotateKekRequestSchema, input ?? {}, 'rotate-kek request');
    const decision = can(actor.subject, 'key.manage', { kind: 'system' });
    const viaCommand = this.deps.file === undefined && this.deps.keyring.kind === 'command';
    const refusal = !decision.allowed
      ? new ForgelineError(decision.code, decision.reason)
      : this.deps.file === undefined && !viaCommand
        ? new ForgelineError('validation-failed', `the ${this.deps.keyring.kind} keyring cannot make a new key-encryption key by itself: see docs/keys-and-encryption.md`)
        : this.#running ? new ForgelineError('conflict', 'a key-encryption key rotation is already running') : null;
    if (refusal !== null) {
      await this.#audit.recordAlone({ kind: 'key.rotate-kek', outcome: 'denied', actor: auditActorOf(actor), detail: { reason: refusal.message } });
      throw refusal;
    }
    this.#running = true;
    try {
      if (viaCommand) return await this.#rewrapThroughCommand(actor);
      const file = this.deps.file as KeyringFileRotation;
      const { keyring, previousKekId } = await file.rotate(request);
      this.deps.keyring.replace(keyring);
      const to = keyring.activeKekId;
      const dataKeys = await this.#rewrapDataKeys(to);
      const signingKeys = await this.#rewrapSigningKeys(to);
      const totpSecrets = await this.#rewrapTotpSecrets(to);
      const searchKeys = await this.#rewrapSearchKeys(to);
      // Only once nothing is wrapped with the old KEK any more: a key wrapped with it would be lost.
      const left = await this.#wrappedWith(previousKekId);
      const retired = left === 0;
      if (retired) this.deps.keyring.replace(await file.retire(previousKekId));
      await this.#audit.recordAlone({ kind: 'key.rotate-kek', outcome: 'ok', actor: auditActorOf(actor), detail: { from: previousKekId, to, dataKeys, signingKeys, totpSecrets, searchKeys, retired } });
      return { from: previousKekId, to, dataKeys, signingKeys, totpSecrets, searchKeys, retired };
    } finally {
      this.#running = false;
    }
  }

  /**
   * A command keyring's KEK lives in the KMS or HSM, which rotates it there (a new key version
   * under the same name). Rotation here re-wraps every key through the commands, so each is
   * wrapped by the KMS's current version and the old version can be disabled in the KMS.
   */
  async #rewrapThroughCommand(actor: Actor): Promise<KekRotationResult> {
    const kekId = this.deps.keyring.activeKekId;
    const db = this.deps.store.db;
    let dataKeys = 0;
    for (let after = ''; ;) {
      const rows = await db.selectFrom('order_data_keys').select(['order_id', 'kek_id', 'wrapped_key']).where('order_id', '>', after).orderBy('order_id').limit(REWRAP_BATCH).execute();
      if (rows.length === 0) break;
      const rewrapped = await Promise.all(rows.map(async (row) => ({ row, next: await this.deps.keyring.wrap(await this.deps.keyring.unwrap({ kekId: row.kek_id, wrapped: row.wrapped_key })) })));
      await withWriteTransaction(this.deps.store, async (trx) => {
        for (const { row, next } of rewrapped) {
          await trx.updateTable('order_data_keys').set({ kek_id: next.kekId, wrapped_key: next.wrapped })
            .where('order_id', '=', row.order_id).where('wrapped_key', '=', row.wrapped_key).execute();
        }
      });
      dataKeys += rows.length;
      after = rows.at(-1)?.order_id ?? after;
    }
    const signingKeys = await this.#rewrapSigningKeys(null);
    const totpSecrets = await this.#rewrapTotpSecrets(null);
    const searchKeys = await this.#rewrapSearchKeys(null);
    await this.#audit.recordAlone({ kind: 'key.rotate-kek', outcome: 'ok', actor: auditActorOf(actor), detail: { from: kekId, to: kekId, dataKeys, signingKeys, totpSecrets, searchKeys, retired: false, through: 'command' } });
    return { from: kekId, to: kekId, dataKeys, signingKeys, totpSecrets, searchKeys, retired: false };
  }

  async #rewrapDataKeys(to: string): Promise<number> {
    const db = this.deps.store.db;
    let count = 0;
    for (;;) {
      const rows = await db.selectFrom('order_data_keys').select(['order_id', 'kek_id', 'wrapped_key']).where('kek_id', '!=', to).orderBy('order_id').limit(REWRAP_BATCH).execute();
      if (rows.length === 0) return count;
      // Unwrapping may call out; done before the write transaction, which only swaps the values.
      const rewrapped = await Promise.all(rows.map(async (row) => ({ row, next: await this.deps.keyring.wrap(await this.deps.keyring.unwrap({ kekId: row.kek_id, wrapped: row.wrapped_key })) })));
      const updated = await withWriteTransaction(this.deps.store, async (trx) => {
        let changed = 0;
        for (const { row, next } of rewrapped) {
          // Guarded: a row changed meanwhile (another instance rotating) is left as it is.
          const result = await trx.updateTable('order_data_keys').set({ kek_id: next.kekId, wrapped_key: next.wrapped })
            .where('order_id', '=', row.order_id).where('wrapped_key', '=', row.wrapped_key).executeTakeFirst();
          changed += Number(result.numUpdatedRows);
        }
        return changed;
      });
      count += updated;
      if (updated === 0) return count;
    }
  }

  /** Re-wraps the signing keys wrapped by a KEK other than `to` (every one when `to` is null). */
  async #rewrapSigningKeys(to: string | null): Promise<number> {
    const query = this.deps.store.db.selectFrom('signing_keys').select(['kid', 'kek_id', 'private_key_wrapped']);
    const rows = await (to === null ? query : query.where('kek_id', '!=', to)).execute();
    const rewrapped = await Promise.all(rows.map(async (row) => ({ row, next: await this.deps.keyring.wrap(await this.deps.keyring.unwrap({ kekId: row.kek_id, wrapped: row.private_key_wrapped })) })));
    await withWriteTransaction(this.deps.store, async (trx) => {
      for (const { row, next } of rewrapped) {
        await trx.updateTable('signing_keys').set({ kek_id: next.kekId, private_key_wrapped: next.wrapped })
          .where('kid', '=', row.kid).where('private_key_wrapped', '=', row.private_key_wrapped).execute();
      }
    });
    return rows.length;
  }

  /** Re-wraps the keys of blind search indexes (migration 0015) not wrapped by `to` (every one when `to` is null): their tags stay valid. */
  async #rewrapSearchKeys(to: string | null): Promise<number> {
    const query = this.deps.store.db.selectFrom('search_keys').select(['purpose', 'kek_id', 'wrapped_key']);
    const rows = await (to === null ? query : query.where('kek_id', '!=', to)).execute();
    const rewrapped = await Promise.all(rows.map(async (row) => ({ row, next: await this.deps.keyring.wrap(await this.deps.keyring.unwrap({ kekId: row.kek_id, wrapped: row.wrapped_key })) })));
    await withWriteTransaction(this.deps.store, async (trx) => {
      for (const { row, next } of rewrapped) {
        await trx.updateTable('search_keys').set({ kek_id: next.kekId, wrapped_key: next.wrapped })
          .where('purpose', '=', row.purpose).where('wrapped_key', '=', row.wrapped_key).execute();
      }
    });
    return rows.length;
  }

  /** Re-wraps users' TOTP secrets not wrapped by `to` (every one when `to` is null), sealing any still stored in clear. */
  async #rewrapTotpSecrets(to: string | null): Promise<number> {
    const rows = await this.deps.store.db.selectFrom('users').select(['id', 'mfa_secret', 'mfa_pending_secret'])
      .where((eb) => eb.or([eb('mfa_secret', 'is not', null), eb('mfa_pending_secret', 'is not', null)])).execute();
    const stale = (value: string | null): value is string => value !== null && (to === null || !totpSecretWrappedBy(value, to));
    const rewrap = async (value: string): Promise<string> => sealTotpSecret(this.deps.keyring, await openTotpSecret(this.deps.keyring, value));
    let count = 0;
    for (const row of rows) {
      const secret = stale(row.mfa_secret) ? { from: row.mfa_secret, to: await rewrap(row.mfa_secret) } : null;
      const pending = stale(row.mfa_pending_secret) ? { from: row.mfa_pending_secret, to: await rewrap(row.mfa_pending_secret) } : null;
      if (secret === null && pending === null) continue;
      await withWriteTransaction(this.deps.store, async (trx) => {
        // Guarded: a secret changed meanwhile (a reset, a new enrolment) is left as it is.
        if (secret !== null) await trx.updateTable('users').set({ mfa_secret: secret.to }).where('id', '=', row.id).where('mfa_secret', '=', secret.from).execute();
        if (pending !== null) await trx.updateTable('users').set({ mfa_pending_secret: pending.to }).where('id', '=', row.id).where('mfa_pending_secret', '=', pending.from).execute();
      });
      count += (secret === null ? 0 : 1) + (pending === null ? 0 : 1);
    }
    return count;
  }

  async #wrappedWith(kekId: string): Promise<number> {
    const db = this.deps.store.db;
    const [data, signing, search, totp] = await Promise.all([
      db.selectFrom('order_data_keys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('kek_id', '=', kekId).executeTakeFirstOrThrow(),
      db.selectFrom('signing_keys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('kek_id', '=', kekId).executeTakeFirstOrThrow(),
      db.selectFrom('search_keys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('kek_id', '=', kekId).executeTakeFirstOrThrow(),
      db.selectFrom('users').select(['mfa_secret', 'mfa_pending_secret']).where((eb) => eb.or([eb('mfa_secret', 'like', `w1:${kekId}:%`), eb('mfa_pending_secret', 'like', `w1:${kekId}:%`)])).execute(),
    ]);
    return Number(data.n) + Number(signing.n) + Number(search.n) + totp.length;
  }
}
