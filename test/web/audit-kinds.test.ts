/** The browser's list of audit kinds for its filters is the server's list, so no kind goes missing from the filter. */
import { expect, it } from 'vitest';
import { AUDIT_KINDS, AUDIT_OUTCOMES } from '../../src/audit/index.js';
import { AUDIT_KINDS as WEB_KINDS, AUDIT_OUTCOMES as WEB_OUTCOMES } from '../../web/src/audit/audit-kinds.js';

it('offers every audit kind and outcome the server writes, in its order', () => {
  expect(WEB_KINDS).toEqual(AUDIT_KINDS);
  expect(WEB_OUTCOMES).toEqual(AUDIT_OUTCOMES);
});
