/**
 * The export the browser can offer: Forgeline has no HTTP export of the log (the complete,
 * verifiable export is `forgeline audit export` on the server), so the entries listed are
 * saved as a JSON file built in the page, with the filter that chose them.
 */
import type { AuditFilter } from './audit-api';
import type { AuditEntry } from './audit-types';

/** The file's content: when, which filter, and the entries as the server presented them. */
export function exportDocument(filter: AuditFilter, entries: readonly AuditEntry[], now: Date): string {
  const used = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== ''));
  return `${JSON.stringify({ exportedAt: now.toISOString(), filter: used, entries }, null, 2)}\n`;
}

/** Saves `text` as a download named `filename`, through an object URL (allowed by the CSP, unlike a data: navigation). */
export function downloadJson(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL; it is released once the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
