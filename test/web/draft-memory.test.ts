/** Unsaved editor forms kept in the page's memory (web/src/orders/draft-memory.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { draftKey, forgetAllDrafts, forgetDraft, keepDraft, keptDraft } from '../../web/src/orders/draft-memory.js';
import { emptyForm } from '../../web/src/orders/order-form.js';

describe('unsaved editor forms', () => {
  beforeEach(() => forgetAllDrafts());

  it('keeps a form with the version it was edited from, for its user only', () => {
    const form = { ...emptyForm(), notes: 'pia\'s unsaved change' };
    keepDraft(draftKey('pia', 'order-1'), { form, baseVersion: 3 });
    expect(keptDraft(draftKey('pia', 'order-1'))).toEqual({ form, baseVersion: 3 });
    expect(keptDraft(draftKey('paul', 'order-1'))).toBeUndefined();
    expect(keptDraft(draftKey('pia', 'order-2'))).toBeUndefined();
  });

  it('does not let a user id and an order id run together into another\'s key', () => {
    expect(draftKey('a:b', 'c')).not.toBe(draftKey('a', 'b:c'));
    expect(draftKey('pia', undefined)).toBe(draftKey('pia', 'new'));
  });

  it('forgets one form, or all of them (sign-out, another person signs in)', () => {
    keepDraft(draftKey('pia', 'order-1'), { form: emptyForm(), baseVersion: 1 });
    keepDraft(draftKey('pia', undefined), { form: emptyForm(), baseVersion: undefined });
    forgetDraft(draftKey('pia', 'order-1'));
    expect(keptDraft(draftKey('pia', 'order-1'))).toBeUndefined();
    expect(keptDraft(draftKey('pia', undefined))).toBeDefined();
    forgetAllDrafts();
    expect(keptDraft(draftKey('pia', undefined))).toBeUndefined();
  });
});
