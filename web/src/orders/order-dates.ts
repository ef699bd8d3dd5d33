/** Due dates between the API's RFC 3339 instants and the browser's `date` and `datetime-local` inputs, on the plant's clock. */
import { instantOfLocalInput, localInputOf } from '../format.js';

/** An RFC 3339 instant as a `datetime-local` input value in the plant's time zone ("2026-12-01T06:00"). */
export function toLocalInput(iso: string | undefined): string {
  return localInputOf(iso);
}

/**
 * A `datetime-local` value, read in the plant's time zone, as an RFC 3339 UTC instant without
 * milliseconds (the form the API compares due dates in); text that is no date is passed on as
 * typed, for the server to refuse.
 */
export function fromLocalInput(value: string): string {
  return instantOfLocalInput(value) ?? value;
}

/** A day of a `date` input as the instant it starts (or its last second) in the plant's time zone, in UTC; undefined for none. */
export function dayBound(day: string, end: boolean): string | undefined {
  if (day === '') return undefined;
  return instantOfLocalInput(`${day}T${end ? '23:59:59' : '00:00:00'}`);
}
