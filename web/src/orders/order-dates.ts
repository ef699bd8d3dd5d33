/** Due dates between the API's RFC 3339 instants and the browser's `datetime-local` inputs. */

/** An RFC 3339 instant as a `datetime-local` input value in the browser's time zone ("2026-12-01T06:00"). */
export function toLocalInput(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/**
 * A `datetime-local` value as an RFC 3339 UTC instant without milliseconds (the form the API
 * compares due dates in); text that is no date is passed on as typed, for the server to refuse.
 */
export function fromLocalInput(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().replace('.000Z', 'Z');
}
