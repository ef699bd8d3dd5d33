/**
 * Unsaved editor forms kept in this page's memory (never in web storage: a draft may hold a recipe
 * or a customer), so a session that ends mid-edit loses nothing: after signing in again the
 * editor opens with the person's changes. A save, or discarding them, forgets the form.
 */
import type { OrderForm } from './order-form.js';

const kept = new Map<string, OrderForm>();

/** The key of an editor: the order's id, or "new" for the create form. */
export function draftKey(id: string | undefined): string {
  return id ?? 'new';
}

/** The form kept for `key`, if any. */
export function keptDraft(key: string): OrderForm | undefined {
  return kept.get(key);
}

/** Keeps the form as it is now. */
export function keepDraft(key: string, form: OrderForm): void {
  kept.set(key, form);
}

/** Forgets the form (saved or discarded). */
export function forgetDraft(key: string): void {
  kept.delete(key);
}
