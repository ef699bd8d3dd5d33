/** A field-level problem as the server lists it in a problem document. */
export interface ApiProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A refusal from the Forgeline server: the HTTP status and the RFC 9457
 * problem document's stable `code`, `detail` and field `problems`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly problems: readonly ApiProblem[];

  constructor(init: { status: number; code: string; detail: string; problems?: readonly ApiProblem[] }) {
    super(init.detail);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.problems = init.problems ?? [];
  }
}

function asProblems(value: unknown): ApiProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { path, message } = entry as Record<string, unknown>;
    return typeof message === 'string' ? [{ path: typeof path === 'string' ? path : '', message }] : [];
  });
}

/**
 * Builds the {@link ApiError} for a failed response from its body: a problem
 * document when the server sent one, else a generic error naming the status.
 */
export function apiErrorFrom(status: number, statusText: string, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null) {
    const problem = body as Record<string, unknown>;
    const code = typeof problem.code === 'string' ? problem.code : `http-${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : statusText;
    return new ApiError({ status, code, detail, problems: asProblems(problem.problems) });
  }
  return new ApiError({ status, code: `http-${status}`, detail: `the server answered ${status} ${statusText}`.trim() });
}
