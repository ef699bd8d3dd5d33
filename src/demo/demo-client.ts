import { Agent, fetch } from 'undici';
import { DemoError } from './demo-error.js';

/** The parts of an RFC 9457 problem document the demo reads. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

/** What a request came back with: the decoded body on success, the problem otherwise. */
export type Answer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly problem: Problem };

/** One request: method, path under the server's origin, and optional query, JSON body and headers. */
export interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function problemOf(status: number, body: unknown, text: string): Problem {
  const document = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    status,
    code: typeof document.code === 'string' ? document.code : `http-${status}`,
    detail: typeof document.detail === 'string' ? document.detail : text.slice(0, 200) || 'no detail',
  };
}

/**
 * The HTTPS connection pool to one Forgeline server, trusting only the CA given
 * (the data folder's own), as a plant's client would be configured.
 */
export class HttpsConnection {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    caPem: string,
  ) {
    this.agent = new Agent({ connect: { ca: caPem } });
  }

  /** Sends one request as the holder of `token` (or anonymously); network failures throw a {@link DemoError} naming `step`. */
  async send<T>(step: string, call: Call, token: string | null): Promise<Answer<T>> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) search.set(key, String(value));
    const url = `${this.baseUrl}${call.path}${search.size > 0 ? `?${search.toString()}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...call.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const response = await fetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        dispatcher: this.agent,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new DemoError(step, `${call.method} ${call.path} did not reach the server: ${cause}`);
    }
    const body = text === '' ? undefined : parseJson(text);
    if (status >= 400) return { ok: false, status, problem: problemOf(status, body, text) };
    if (text !== '' && body === undefined) throw new DemoError(step, `${call.method} ${call.path} answered ${status} with a body that is not JSON`);
    return { ok: true, status, body: body as T };
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A signed-in (or anonymous) user of the API: every call carries their bearer token. */
export class DemoClient {
  constructor(
    private readonly connection: HttpsConnection,
    /** Who this is, for messages. */
    readonly username: string,
    private readonly token: string | null = null,
  ) {}

  /** The same connection as the holder of another token. */
  signedIn(username: string, token: string): DemoClient {
    return new DemoClient(this.connection, username, token);
  }

  /** Sends a request and returns whatever came back. */
  send<T>(step: string, call: Call): Promise<Answer<T>> {
    return this.connection.send<T>(step, call, this.token);
  }

  /** Sends a request that must succeed with `status`; anything else throws a {@link DemoError}. */
  async expect<T>(step: string, call: Call, status = 200): Promise<T> {
    const answer = await this.send<T>(step, call);
    if (!answer.ok) throw new DemoError(step, `${answer.status} ${answer.problem.code}: ${answer.problem.detail}`);
    if (answer.status !== status) throw new DemoError(step, `expected HTTP ${status}, got ${answer.status}`);
    return answer.body;
  }

  /** Sends a request the server must refuse with `code`; returns the problem, or throws when it was allowed or refused otherwise. */
  async expectRefusal(step: string, call: Call, code: string): Promise<Problem> {
    const answer = await this.send<unknown>(step, call);
    if (answer.ok) throw new DemoError(step, `expected the refusal ${code}, but the server allowed it (${answer.status})`);
    if (answer.problem.code !== code) {
      throw new DemoError(step, `expected the refusal ${code}, got ${answer.status} ${answer.problem.code}: ${answer.problem.detail}`);
    }
    return answer.problem;
  }
}
