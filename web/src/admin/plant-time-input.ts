/** The plant time form's input read as the API takes it. */

/** The shift starts as typed ("06:00, 14:00,22:00") as a list; the server checks the times and their order. */
export function shiftsOf(text: string): string[] {
  return text.split(/[,\s]+/).map((start) => start.trim()).filter((start) => start !== '');
}
