/** How the board reads a refused event stream's HTTP status: try again later, or stop and say why. */

/**
 * True for a refusal that asking again will not change: the request or the work center is wrong
 * (400, 404, 422) or the role is missing (403). A 401 (signed out), 408, 429 and 5xx are not:
 * the sign-in screen handles the first, time the others.
 */
export function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}
