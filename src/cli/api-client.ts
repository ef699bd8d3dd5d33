import { Agent, fetch as undiciFetch } from 'undici';
import { apiErrorFrom } from './api-error.js';
import { CliError } from './cli-error.js';
import { describeNetworkFailure } from './network-failure.js';

/** The fetch the client calls: undici's, or a fake in tests. */
export type FetchFunction = (url: string, init: Parameters<typeof undiciFetch>[1]) => Promise<Pick<Response, 'ok' | 'status' | 'statusText' | 'headers' | 'text'>>;

/** Where the client talks to and as whom. */
export interface ApiClientOptions {
  /** The server's base URL, e.g. https://localhost:8443 (no trailing slash). */
  readonly baseUrl: string;
  /** The bearer token, or null for anonymous requests (login). */
  readonly token: string | null;
  /** PEM certificate authorities to trust instead of the system's, or null. */
  readonly caPem: string | null;
  /** Replaces undici's fetch (tests). */
  readonly fetch?: FetchFunction;
  /** A client certificate chain and its key (PEM) presented on the TLS connection: a device renewing its certificate. */
  readonly clientCertificate?: { readonly cert: string; readonly key: string } | undefined;
}

/** Query parameters; undefined, null and empty values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Extra request options. */
export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Encodes one path segment (an id or a username) for a URL. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

/**
 * A small typed HTTPS client of the Forgeline API: bearer auth, JSON bodies,
 * problem+json refusals as {@link ApiError}, and network failures as one clear
 * {@link CliError}. Owns a connection pool; call {@link ApiClient.close} when done.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly fetch: FetchFunction;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.agent = new Agent({
      connect: { ...(options.caPem ? { ca: options.caPem } : {}), ...(options.clientCertificate ? { cert: options.clientCertificate.cert, key: options.clientCertificate.key } : {}) },
    });
    this.fetch = options.fetch ?? (undiciFetch as unknown as FetchFunction);
  }

  /** GET a JSON resource. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** GET a resource that is text, not JSON (a compact JWS, a signed note); errors still come as problem+json. */
  async getText(path: string, accept: string): Promise<string> {
    const headers: Record<string, string> = { accept: `${accept}, application/problem+json` };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Awaited<ReturnType<FetchFunction>>;
    try {
      response = await this.fetch(this.urlOf(path, undefined), { method: 'GET', headers, body: undefined, dispatcher: this.agent });
    } catch (error) {
      throw describeNetworkFailure(error, this.baseUrl);
    }
    const text = await response.text();
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, text === '' ? undefined : parseJson(text));
    return text;
  }

  /** POST a JSON body; resolves to the parsed answer (undefined for 204). */
  post<T>(path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<T> {
    return this.request<T>('POST', path, { body, headers });
  }

  /** PUT a JSON body (replaces the resource). */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  /** PATCH with a JSON body. */
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  /** DELETE a resource. */
  async delete(path: string): Promise<void> {
    await this.request<unknown>('DELETE', path, {});
  }

  /** Sends one request and decodes the answer. */
  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const url = this.urlOf(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Awaited<ReturnType<FetchFunction>>;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: this.agent,
      });
    } catch (error) {
      throw describeNetworkFailure(error, this.baseUrl);
    }
    const text = await response.text();
    const body = text === '' ? undefined : parseJson(text);
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, body);
    if (text !== '' && body === undefined) {
      throw new CliError('bad-response', `the server at ${this.baseUrl} answered ${method} ${path} with something that is not JSON: is it a Forgeline server?`);
    }
    return body as T;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private urlOf(path: string, query: Query | undefined): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    }
    const suffix = search.size > 0 ? `?${search.toString()}` : '';
    return `${this.baseUrl}${path}${suffix}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
