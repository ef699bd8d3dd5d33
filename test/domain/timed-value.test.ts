import { expect, it } from 'vitest';
import { TimedValue } from '../../src/domain/index.js';

it('answers the value held within its age, loads again after it or when the clock went back, and holds what was set', async () => {
  let loads = 0;
  const value = new TimedValue(5_000, () => Promise.resolve(`v${++loads}`));
  expect(await value.get(1_000)).toBe('v1');
  expect(await value.get(5_999)).toBe('v1');
  expect(await value.get(6_000)).toBe('v2');
  expect(await value.get(500)).toBe('v3');
  value.set('changed', 600);
  expect(await value.get(700)).toBe('changed');
  expect(loads).toBe(3);
});
