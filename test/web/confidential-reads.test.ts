/** Confidential reads that fall back to plain ones when a role's scope forbids them (web/src/orders/confidential-reads.ts). */
import { describe, expect, it } from 'vitest';
import { ConfidentialReads } from '../../web/src/orders/confidential-reads.js';

class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Reads against a fake API that refuses every confidential read with `refusal`; `asked` lists the paths. */
function readsRefusing(refusal: string): { reads: ConfidentialReads; asked: string[] } {
  const asked: string[] = [];
  const reads = new ConfidentialReads({
    request: <T>(path: string): Promise<T> => {
      asked.push(path);
      return path.includes('include=confidential') ? Promise.reject(new Refused(refusal)) : Promise.resolve({ path } as T);
    },
    isForbidden: (error) => error instanceof Refused && error.code === 'forbidden',
  });
  return { reads, asked };
}

describe('reading an order with its confidential fields', () => {
  it('falls back to the plain read when the role scope forbids the confidential one, and does not ask again', async () => {
    const { reads, asked } = readsRefusing('forbidden');
    expect(await reads.read('/api/v1/orders/a', 'a', true, 'pia')).toEqual({ path: '/api/v1/orders/a' });
    expect(await reads.read('/api/v1/orders/a', 'a', true, 'pia')).toEqual({ path: '/api/v1/orders/a' });
    expect(await reads.read('/api/v1/orders/a/revisions/1', 'a', true, 'pia')).toEqual({ path: '/api/v1/orders/a/revisions/1' });
    expect(asked).toEqual(['/api/v1/orders/a?include=confidential', '/api/v1/orders/a', '/api/v1/orders/a', '/api/v1/orders/a/revisions/1']);
  });

  it('still asks for another reader or another order, and never when not asked to', async () => {
    const { reads, asked } = readsRefusing('forbidden');
    await reads.read('/api/v1/orders/b', 'b', true, 'pia');
    await reads.read('/api/v1/orders/b', 'b', true, 'quinn');
    await reads.read('/api/v1/orders/c', 'c', true, 'pia');
    await reads.read('/api/v1/orders/d', 'd', false, 'pia');
    expect(asked.filter((path) => path.includes('include=confidential'))).toEqual([
      '/api/v1/orders/b?include=confidential', '/api/v1/orders/b?include=confidential', '/api/v1/orders/c?include=confidential',
    ]);
    expect(asked.at(-1)).toBe('/api/v1/orders/d');
  });

  it('passes any other refusal on', async () => {
    const { reads } = readsRefusing('not-found');
    await expect(reads.read('/api/v1/orders/e', 'e', true, 'pia')).rejects.toMatchObject({ code: 'not-found' });
  });
});
