/**
 * Unsaved editor forms kept in this page's memory (never in web storage: a draft may hold a recipe
 * or a customer), so a session that ends mid-edit loses nothing: after the same person signs in
 * again the editor opens with their changes. Forms are kept per user, and all of them are
 * forgotten on sign-out and whenever someone else signs in (session-context.tsx), so one person's
 * unsaved form never reaches another. Each form keeps the order version it was edited from: a
 * restored form is saved against that version, so a change saved meanwhile is refused (409).
 */
import type { OrderForm } from './order-form.js';

/** A kept form and the order version it was edited from (undefined for a new order). */
export interface KeptDraft {
  readonly form: OrderForm;
  readonly baseVersion: number | undefined;
}

const kept = new Map<string, KeptDraft>();

/** The key of an editor: the user's id with the order's id, or with "new" for the create form. */
export function draftKey(userId: string, id: string | undefined): string {
  return JSON.stringify([userId, id ?? 'new']);
}

/** The form kept for `key`, if any. */
export function keptDraft(key: string): KeptDraft | undefined {
  return kept.get(key);
}

/** Keeps the form as it is now, with the version it was edited from. */
export function keepDraft(key: string, draft: KeptDraft): void {
  kept.set(key, draft);
}

/** Forgets the form (saved or discarded). */
export function forgetDraft(key: string): void {
  kept.delete(key);
}

/** Forgets every kept form (sign-out, or another person signed in on this page). */
export function forgetAllDrafts(): void {
  kept.clear();
}
