import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  consistencyProof,
  inclusionProof,
  rootHash,
  verifyConsistency,
} from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { sequenceAuditQueue, type Store } from '../store/index.js';
import type { Clock } from './audit-trail.js';
import { signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { ed25519PublicKeyBytes, ed25519Signer, ed25519Verifier, verifierKey, type NoteSigner, type NoteVerifier } from './signed-note.js';
import { StoredTree } from './stored-tree.js';

/** The key and name the log signs its checkpoints with. */
export interface AuditLogIdentity {
  /** The checkpoint origin and the key name (C2SP: a schema-less URL-like name, unique to this log). */
  readonly origin: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  /** The raw Ed25519 public key, for the verifier key line. */
  readonly publicKey: Uint8Array;
}

/** A stored signed checkpoint. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly rootHash: string;
  readonly note: string;
  readonly createdAt: string;
}

/** Refusal to sign: the stored log no longer extends the last signed checkpoint, so it was changed behind the server. */
function integrityError(message: string): ForgelineError {
  return new ForgelineError('audit-integrity', message);
}

function checkRange(name: string, value: number, max: number, inclusive: boolean): void {
  if (!Number.isSafeInteger(value) || value < 0 || (inclusive ? value > max : value >= max)) {
    throw new ForgelineError('validation-failed', `${name}=${value} is out of range: it must be from 0 ${inclusive ? 'to' : 'below'} ${max}`, {
      problems: [{ path: name, message: `must be from 0 ${inclusive ? 'to' : 'below'} ${max}` }],
    });
  }
}

/**
 * The verifiable audit log (RFC 9162 tree, C2SP checkpoints): signs checkpoints of the
 * stored tree, never two inconsistent ones, and answers inclusion and consistency proofs
 * from the stored subtree hashes in O(log n) reads.
 */
export class AuditLog {
  readonly tree: StoredTree;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly identity: AuditLogIdentity }) {
    this.tree = new StoredTree(deps.store.db);
  }

  /** The C2SP verifier key line: `<name>+<hex key id>+<base64(0x01 || public key)>`. */
  verifierKeyLine(): string {
    return verifierKey(this.deps.identity.origin, this.deps.identity.publicKey);
  }

  /** The newest signed checkpoint, or null before the first. */
  async latest(): Promise<StoredCheckpoint | null> {
    const row = await this.deps.store.db.selectFrom('audit_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
    return row ? { size: Number(row.size), rootHash: row.root_hash, note: row.note, createdAt: row.created_at } : null;
  }

  /**
   * Signs a checkpoint of the log as it is now, when it has grown since the last one
   * (else returns the last). Before signing it proves the new tree extends the last
   * signed one, using the root inside that signed note, not a column anyone could edit.
   */
  async checkpoint(): Promise<StoredCheckpoint | null> {
    await sequenceAuditQueue(this.deps.store).catch((error: unknown) => {
      throw integrityError(`queued entries cannot join the stored tree: ${error instanceof Error ? error.message : String(error)}`);
    });
    const size = await this.tree.size();
    const previous = await this.latest();
    if (previous && previous.size > size) {
      throw integrityError(`the log holds ${size} entries but a checkpoint of ${previous.size} was signed: entries were deleted`);
    }
    if (size === 0) return previous;
    const root = await rootHash(size, this.tree).catch((error: unknown) => {
      throw integrityError(`the stored tree cannot produce the root of ${size} entries: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (previous && previous.size === size) {
      // Nothing new to sign; but the log must still be the one signed (an entry replaced keeps the size),
      // judged by the root inside the signed note, not by a column anyone could edit.
      const signed = verifyCheckpoint(previous.note, this.deps.identity.verifier, this.deps.identity.origin);
      if (!signed.ok || !Buffer.from(signed.value.rootHash).equals(Buffer.from(root))) {
        throw integrityError(`the log of size ${size} no longer has the root its signed checkpoint of that size has: entries were changed; refusing to sign`);
      }
      return previous;
    }
    if (previous) {
      const signed = verifyCheckpoint(previous.note, this.deps.identity.verifier, this.deps.identity.origin);
      if (!signed.ok) throw integrityError(`the stored checkpoint of size ${previous.size} does not verify: ${signed.error.message}`);
      const proof = await consistencyProof(Number(signed.value.size), size, this.tree).catch(() => [] as Uint8Array[]);
      if (!verifyConsistency(Number(signed.value.size), size, proof, signed.value.rootHash, root)) {
        throw integrityError(`the log of size ${size} is not consistent with the checkpoint of size ${signed.value.size}: entries were changed; refusing to sign`);
      }
    }
    const note = signCheckpoint({ origin: this.deps.identity.origin, size, rootHash: root }, this.deps.identity.signer);
    const stored: StoredCheckpoint = { size, rootHash: Buffer.from(root).toString('hex'), note, createdAt: this.deps.clock.now().toISOString() };
    // Another server instance may have signed the same size at the same moment: the same
    // key signs the same body deterministically (Ed25519), so either row is the checkpoint.
    await this.deps.store.db
      .insertInto('audit_checkpoints')
      .values({ size: stored.size, root_hash: stored.rootHash, note: stored.note, created_at: stored.createdAt })
      .onConflict((conflict) => conflict.column('size').doNothing())
      .execute();
    return stored;
  }

  /** The inclusion proof of entry `index` in the tree of `size` entries (size at most the current size). */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    checkRange('size', size, await this.tree.size(), true);
    checkRange('index', index, size, false);
    return inclusionProof(index, size, this.tree);
  }

  /** The consistency proof between the trees of `from` and `to` entries. */
  async consistencyProof(from: number, to: number): Promise<Uint8Array[]> {
    checkRange('to', to, await this.tree.size(), true);
    checkRange('from', from, to, true);
    return consistencyProof(from, to, this.tree);
  }
}

/** The log's signing identity from its origin and Ed25519 private key (a KeyObject, or PKCS#8 PEM as the data folder keeps it). */
export function auditIdentityOf(origin: string, key: KeyObject | string): AuditLogIdentity {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
  const publicKey = createPublicKey(privateKey);
  return { origin, signer: ed25519Signer(origin, privateKey), verifier: ed25519Verifier(origin, publicKey), publicKey: ed25519PublicKeyBytes(publicKey) };
}

/** A throw-away signing identity, for tests and for tools that never sign (init's admin bootstrap). */
export function ephemeralAuditIdentity(origin = 'forgeline.audit/ephemeral'): AuditLogIdentity {
  return auditIdentityOf(origin, generateKeyPairSync('ed25519').privateKey);
}
