/**
 * The first signed checkpoint this page verified, kept in memory for the page's life, so a later
 * checkpoint that rolls the log back (a smaller tree) or forks it (the same size with another
 * root) is not called verified. It is a weak, one-tab form of the consistency a witness checks:
 * a larger tree is accepted without a consistency proof, and nothing survives a reload.
 */

/** What is remembered of a verified checkpoint. */
export interface SeenCheckpoint {
  readonly keyLine: string;
  readonly treeSize: number;
  readonly rootHash: string;
}

/** Why `next` cannot follow `first`, or undefined when it may (the same checkpoint, or a larger tree under the same key). */
export function checkpointConflict(first: SeenCheckpoint, next: SeenCheckpoint): string | undefined {
  if (next.keyLine !== first.keyLine) {
    return `The log's key is now ${next.keyLine}, but this page first saw the log signed by ${first.keyLine}.`;
  }
  if (next.treeSize < first.treeSize) {
    return `The checkpoint signs a tree of ${next.treeSize} entries, smaller than the ${first.treeSize} this page saw first: the log was rolled back.`;
  }
  if (next.treeSize === first.treeSize && next.rootHash !== first.rootHash) {
    return `The checkpoint signs a tree of ${next.treeSize} entries with the root ${next.rootHash}, but this page saw that size first with the root ${first.rootHash}: the log forked.`;
  }
  return undefined;
}

/** Remembers the first checkpoint it is shown and compares every later one with it. */
export class CheckpointMemory {
  private first: SeenCheckpoint | undefined;

  /** The first checkpoint seen, if any. */
  get firstSeen(): SeenCheckpoint | undefined {
    return this.first;
  }

  /** Compares `next` with the first checkpoint (remembering `next` when it is the first); answers why it conflicts, if it does. */
  observe(next: SeenCheckpoint): string | undefined {
    if (this.first === undefined) {
      this.first = next;
      return undefined;
    }
    return checkpointConflict(this.first, next);
  }
}

/** This page's memory, shared by every entry checked on it. */
export const pageCheckpoints = new CheckpointMemory();
