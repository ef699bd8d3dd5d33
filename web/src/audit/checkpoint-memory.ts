/**
 * What this browser trusts of the audit log, kept across reloads: the log's key, pinned on first
 * use (or when the auditor accepts a new one after a warning), and the latest checkpoint verified
 * under it. A later checkpoint must be the same tree or, for a larger tree, come with an RFC 9162
 * consistency proof checked here; a smaller tree or the same size with another root is refused.
 * It also keeps the witness keys the auditor pinned. Only public things are kept (public key
 * lines, a tree size and root): localStorage is fine.
 */
import { decodeHex } from './verify-bytes.js';
import { verifyConsistencyProof } from './verify-consistency.js';

/** The log key this browser trusts, and since when. */
export interface PinnedKey {
  readonly keyLine: string;
  /** Hex SHA-256 of the raw public key, as the page shows it. */
  readonly fingerprint: string;
  readonly pinnedAt: string;
}

/** A verified checkpoint, as remembered. */
export interface SeenCheckpoint {
  readonly treeSize: number;
  /** Hex. */
  readonly rootHash: string;
}

/** The part of the Web Storage API this uses (localStorage in the browser, a map in tests). */
export interface TrustStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Where the record lives in the storage; the version lets a later format start afresh. */
export const TRUST_STORAGE_KEY = 'forgeline.audit-trust/1';

interface TrustRecord {
  readonly pin?: PinnedKey;
  readonly checkpoint?: SeenCheckpoint;
  /** Witness key lines the auditor pinned; they outlive a change of the log's key. */
  readonly witnesses?: readonly string[];
}

/** How a verified checkpoint relates to the remembered one, when it may follow it. */
export type CheckpointStep =
  | { readonly ok: true; readonly relation: 'first' | 'same' }
  | { readonly ok: true; readonly relation: 'extends'; readonly from: SeenCheckpoint }
  /** An earlier tree asked for on purpose (the newest a witness cosigned): the remembered one extends it. */
  | { readonly ok: true; readonly relation: 'precedes'; readonly to: SeenCheckpoint }
  | { readonly ok: false; readonly step: 'checkpoint' | 'consistency'; readonly message: string };

/** Fetches the consistency proof (base64 hashes) between two tree sizes. */
export type ConsistencyFetcher = (from: number, to: number) => Promise<readonly string[]>;

const HEX_ROOT = /^[0-9a-f]{64}$/;

function isPin(value: unknown): value is PinnedKey {
  const pin = value as Partial<PinnedKey> | null;
  return typeof pin === 'object' && pin !== null && typeof pin.keyLine === 'string' && typeof pin.fingerprint === 'string' && typeof pin.pinnedAt === 'string';
}

function isCheckpoint(value: unknown): value is SeenCheckpoint {
  const seen = value as Partial<SeenCheckpoint> | null;
  return typeof seen === 'object' && seen !== null && Number.isSafeInteger(seen.treeSize) && (seen.treeSize ?? 0) > 0 && HEX_ROOT.test(seen.rootHash ?? '');
}

/** The browser's trust in the log: the pinned key and the latest checkpoint verified under it. */
export class CheckpointMemory {
  // Used when the storage is missing or refuses (private windows, quotas): trust then lasts the page's life.
  private fallback: TrustRecord = {};

  constructor(private readonly storage: TrustStorage | undefined) {}

  private read(): TrustRecord {
    let text: string | null | undefined;
    try {
      text = this.storage?.getItem(TRUST_STORAGE_KEY);
    } catch {
      text = undefined;
    }
    if (text === undefined || text === null) return this.fallback;
    try {
      // Stored by this page, but read defensively: a damaged record is forgotten, not trusted.
      const parsed = JSON.parse(text) as { pin?: unknown; checkpoint?: unknown; witnesses?: unknown };
      const witnesses = Array.isArray(parsed.witnesses) ? parsed.witnesses.filter((line): line is string => typeof line === 'string') : [];
      const base = witnesses.length > 0 ? { witnesses } : {};
      if (!isPin(parsed.pin)) return base;
      return isCheckpoint(parsed.checkpoint) ? { ...base, pin: parsed.pin, checkpoint: parsed.checkpoint } : { ...base, pin: parsed.pin };
    } catch {
      return {};
    }
  }

  private write(record: TrustRecord): void {
    this.fallback = record;
    try {
      this.storage?.setItem(TRUST_STORAGE_KEY, JSON.stringify(record));
    } catch {
      // Kept in memory only (see `fallback`).
    }
  }

  /** The pinned key, if any. */
  get pin(): PinnedKey | undefined {
    return this.read().pin;
  }

  /** The latest checkpoint verified under the pinned key, if any. */
  get latest(): SeenCheckpoint | undefined {
    return this.read().checkpoint;
  }

  /**
   * Pins `keyLine`: on first use, or when the auditor accepted a new key after the warning. A new
   * key forgets the remembered checkpoint, which only its own key's signature vouched for.
   */
  pinKey(keyLine: string, fingerprint: string, now: Date): PinnedKey {
    const pin = { keyLine, fingerprint, pinnedAt: now.toISOString() };
    const current = this.read();
    this.write(current.pin?.keyLine === keyLine ? { ...current, pin } : { witnesses: current.witnesses, pin });
    return pin;
  }

  /** The witness key lines pinned in this browser. */
  get witnesses(): readonly string[] {
    return this.read().witnesses ?? [];
  }

  /** Pins a witness key line (the caller has checked that it parses). */
  pinWitness(keyLine: string): void {
    const current = this.read();
    const witnesses = current.witnesses ?? [];
    if (!witnesses.includes(keyLine)) this.write({ ...current, witnesses: [...witnesses, keyLine] });
  }

  /** Forgets a pinned witness key line. */
  unpinWitness(keyLine: string): void {
    const current = this.read();
    this.write({ ...current, witnesses: (current.witnesses ?? []).filter((line) => line !== keyLine) });
  }

  /** Why the served key line cannot be trusted (it is not the pinned one), or undefined. */
  keyConflict(keyLine: string): string | undefined {
    const pin = this.pin;
    if (pin === undefined || pin.keyLine === keyLine.trim()) return undefined;
    return `The server now publishes the log key ${keyLine.trim()}, but this browser pinned ${pin.keyLine} on ${pin.pinnedAt}. Unless the operator told you the key was replaced, this is not the log you checked before.`;
  }

  /**
   * Accepts `next` (verified under the pinned key) as the latest checkpoint when it may follow
   * the remembered one: the same tree, or a larger one whose consistency proof holds here. With
   * `earlier` (a checkpoint asked for as older than the latest, the newest a witness cosigned), a
   * smaller tree is accepted when the remembered one is proven to extend it, and not remembered;
   * a smaller tree offered as the latest is a rollback.
   */
  async advance(next: SeenCheckpoint, fetchProof: ConsistencyFetcher, options: { readonly earlier?: boolean } = {}): Promise<CheckpointStep> {
    const record = this.read();
    const last = record.checkpoint;
    if (last === undefined) {
      this.write({ ...record, checkpoint: next });
      return { ok: true, relation: 'first' };
    }
    if (next.treeSize < last.treeSize && options.earlier === true) {
      const failed = await this.consistent(next, last, fetchProof);
      if (failed === undefined) return { ok: true, relation: 'precedes', to: last };
      // Its own words: the proof's messages call the smaller tree the one verified before, here it is the new one.
      return failed.step === 'checkpoint' ? failed : {
        ok: false, step: 'consistency',
        message: `The consistency proof does not show that the tree of ${last.treeSize} entries this browser verified before extends this checkpoint's tree of ${next.treeSize} entries: the log forked or was rewritten.`,
      };
    }
    if (next.treeSize < last.treeSize) {
      return { ok: false, step: 'checkpoint', message: `The checkpoint signs a tree of ${next.treeSize} entries, smaller than the ${last.treeSize} this browser verified before: the log was rolled back.` };
    }
    if (next.treeSize === last.treeSize) {
      if (next.rootHash === last.rootHash) return { ok: true, relation: 'same' };
      return {
        ok: false, step: 'checkpoint',
        message: `The checkpoint signs a tree of ${next.treeSize} entries with the root ${next.rootHash}, but this browser verified that size before with the root ${last.rootHash}: the log forked.`,
      };
    }
    const failed = await this.consistent(last, next, fetchProof);
    if (failed !== undefined) return failed;
    // Read again: another tab may have moved on meanwhile; never step back from a larger tree.
    const now = this.read();
    if (now.pin?.keyLine === record.pin?.keyLine && (now.checkpoint?.treeSize ?? 0) <= next.treeSize) this.write({ ...now, checkpoint: next });
    return { ok: true, relation: 'extends', from: last };
  }

  /** Undefined when the server's consistency proof shows the tree `to` extends the tree `from` (RFC 9162 §2.1.4), else why not. */
  private async consistent(from: SeenCheckpoint, to: SeenCheckpoint, fetchProof: ConsistencyFetcher): Promise<Extract<CheckpointStep, { ok: false }> | undefined> {
    const proof = await fetchProof(from.treeSize, to.treeSize);
    const fromRoot = decodeHex(from.rootHash);
    const toRoot = decodeHex(to.rootHash);
    if (fromRoot === undefined || toRoot === undefined) return { ok: false, step: 'checkpoint', message: 'A checkpoint root is not 32 bytes of hex.' };
    const checked = await verifyConsistencyProof(from.treeSize, to.treeSize, proof, fromRoot, toRoot);
    return checked.ok ? undefined : { ok: false, step: 'consistency', message: checked.message };
  }
}

/** Web Storage when the browser offers it (it throws in some private modes), else none. */
function browserStorage(): TrustStorage | undefined {
  try {
    // Read off globalThis: Node's tests have no localStorage and hand in a storage of their own.
    return (globalThis as { readonly localStorage?: TrustStorage }).localStorage;
  } catch {
    return undefined;
  }
}

/** This browser's trust, shared by every entry checked on any page of this origin. */
export const browserTrust = new CheckpointMemory(browserStorage());
