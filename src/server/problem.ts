import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, ForgelineError, isForgelineError, type ErrorCode } from '../domain/index.js';

/** The media type of RFC 9457 problem details. */
export const PROBLEM_JSON = 'application/problem+json';

/** An RFC 9457 problem document with Forgeline's stable `code`. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly problems?: readonly { path: string; message: string }[];
  readonly [extension: string]: unknown;
}

/** The problem document for a {@link ForgelineError}; `type` is a stable URN per code. */
export function toProblem(error: ForgelineError, instance?: string): ProblemDocument {
  return {
    ...error.extensions,
    type: `urn:forgeline:problem:${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.problems.length ? { problems: error.problems } : {}),
  };
}

// Fastify's own client errors, by their code, mapped to ours.
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation-failed',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
};

/** Maps any error to a user-safe {@link ForgelineError}; unknown ones become a plain `internal`. */
export function toForgelineError(error: unknown): ForgelineError {
  if (isForgelineError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  const message = typeof fastifyError.message === 'string' ? fastifyError.message : '';
  if (/forbidden prototype property|constructor property/i.test(message)) {
    return new ForgelineError('forbidden-key', 'The body contains a forbidden key: __proto__ or constructor');
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new ForgelineError(mapped, mapped === 'malformed-json' ? `The body is not well-formed JSON: ${message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'parse error'}` : undefined);
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return new ForgelineError('malformed-json');
  if (fastifyError.statusCode === 413) return new ForgelineError('body-too-large');
  if (fastifyError.statusCode === 415) return new ForgelineError('unsupported-media-type');
  return new ForgelineError('internal', 'Something went wrong on the server; the incident is logged');
}

/** The one error boundary at the HTTP edge: known errors as problem+json, unknown ones logged and hidden. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toForgelineError(error);
  if (known.status >= 500) request.log.error({ err: error }, known.code === 'internal' ? 'unhandled error' : known.message);
  else request.log.info({ code: known.code, status: known.status }, known.message);
  // A refusal that says when to come back (a locked sign-in) says it in the standard header too (RFC 9110 §10.2.3).
  const retryAfter = known.extensions.retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isSafeInteger(retryAfter) && retryAfter > 0) reply.header('retry-after', String(retryAfter));
  return reply.code(known.status).type(PROBLEM_JSON).send(toProblem(known, request.url.split('?')[0]));
}
