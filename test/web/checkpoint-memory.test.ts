/** The page's memory of the first verified checkpoint (web/src/audit/checkpoint-memory.ts). */
import { describe, expect, it } from 'vitest';
import { CheckpointMemory } from '../../web/src/audit/checkpoint-memory.js';

const KEY = 'forgeline.audit/test+01234567+AQ==';
const root = (digit: string): string => digit.repeat(64);

describe('the first checkpoint a page saw', () => {
  it('accepts the same checkpoint again and a larger tree', () => {
    const memory = new CheckpointMemory();
    expect(memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('a') })).toBeUndefined();
    expect(memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('a') })).toBeUndefined();
    expect(memory.observe({ keyLine: KEY, treeSize: 9, rootHash: root('b') })).toBeUndefined();
    expect(memory.firstSeen).toEqual({ keyLine: KEY, treeSize: 5, rootHash: root('a') });
  });

  it('refuses a smaller tree (a rollback)', () => {
    const memory = new CheckpointMemory();
    memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('a') });
    expect(memory.observe({ keyLine: KEY, treeSize: 4, rootHash: root('c') })).toBe('The checkpoint signs a tree of 4 entries, smaller than the 5 this page saw first: the log was rolled back.');
  });

  it('refuses the same size with another root (a fork)', () => {
    const memory = new CheckpointMemory();
    memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('a') });
    expect(memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('b') })).toMatch(/^The checkpoint signs a tree of 5 entries with the root b+, but this page saw that size first with the root a+: the log forked\.$/);
  });

  it('refuses a checkpoint under another key than the first', () => {
    const memory = new CheckpointMemory();
    memory.observe({ keyLine: KEY, treeSize: 5, rootHash: root('a') });
    expect(memory.observe({ keyLine: 'other+89abcdef+AQ==', treeSize: 6, rootHash: root('a') })).toMatch(/^The log's key is now other\+89abcdef\+AQ==/);
  });
});
