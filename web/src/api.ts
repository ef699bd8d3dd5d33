/**
 * The one way the app talks to the API: same-origin, JSON in and out, the CSRF
 * token sent on every unsafe method, and RFC 9457 problems turned into
 * {@link ApiError}s. The CSRF token lives in this module only (never in web
 * storage or a readable cookie); after a reload the session route gives it back.
 */

/** A refusal from the API (or the network), with the problem's stable `code` and a message safe to show. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;

  constructor(problem: { status: number; code: string; title: string; detail?: string | undefined }) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
  }
}

/** True for an {@link ApiError}, optionally one with the given code. */
export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

let csrfToken: string | undefined;
const unauthenticatedListeners = new Set<() => void>();

/** Keeps (or forgets, with undefined) the session's CSRF token for the requests that follow. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Calls `listener` whenever the API says the session is gone (401 `unauthenticated`); returns the unsubscribe. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** The HTTP methods the server checks the CSRF token on. */
const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What {@link apiRequest} sends. */
export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  /** Leave a 401 to the caller instead of telling the listeners (the session probe and sign-in). */
  readonly quietUnauthenticated?: boolean;
  /** Answer the body as text (text/plain, application/jose) instead of JSON. */
  readonly text?: boolean;
}

/**
 * Calls the API at `path` and answers its JSON (undefined for 204). The answer is
 * trusted to have the shape the contract gives it: the server is same-origin.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE_METHODS.has(method) && csrfToken !== undefined) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network-error', title: 'The server could not be reached; check the connection and try again' });
  }
  if (!response.ok) {
    const error = await problemOf(response);
    if (error.code === 'unauthenticated' && !options.quietUnauthenticated) {
      for (const listener of unauthenticatedListeners) listener();
    }
    throw error;
  }
  if (response.status === 204) return undefined as T;
  if (options.text) return (await response.text()) as T;
  return (await response.json()) as T;
}

/** Reads an error answer: problem+json when the server sent one, else a plain message from the status. */
async function problemOf(response: Response): Promise<ApiError> {
  const fallback = { status: response.status, code: `http-${response.status}`, title: `The server answered ${response.status} ${response.statusText}`.trim() };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return new ApiError(fallback);
  }
  if (typeof body !== 'object' || body === null) return new ApiError(fallback);
  const problem = body as Record<string, unknown>;
  return new ApiError({
    status: response.status,
    code: typeof problem.code === 'string' ? problem.code : fallback.code,
    title: typeof problem.title === 'string' ? problem.title : fallback.title,
    detail: typeof problem.detail === 'string' && problem.detail !== '' ? problem.detail : undefined,
  });
}

/** A message to show for any error: the problem's detail (as a sentence) or title, or a generic line. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const text = error.detail ?? error.title;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  return 'Something went wrong; try again.';
}
