/**
 * The server's log (pino, JSON lines) and how a request appears in it. A request is logged by its
 * method and path only, never its query string: a query can carry what must not be kept in logs
 * (a search term, a cursor, and in clients older than POST /api/v1/orders/search a confidential
 * customer reference), and logs are kept longer and read by more people than the database.
 */
import type { FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';

/** A request as the log line shows it. */
export interface LoggedRequest {
  readonly method: string;
  /** The path, without `?` and what follows. */
  readonly url: string;
  readonly host: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
}

/** The path of a request target: everything before the query string (RFC 9110 section 7.1). */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The `req` serializer of the server's log: Fastify's own fields, the URL cut to its path. */
export function serializeRequest(request: FastifyRequest): LoggedRequest {
  return {
    method: request.method,
    url: pathOf(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * The server's logger: info and up, requests by path only ({@link serializeRequest}), credentials
 * redacted should a header ever be logged. To stdout unless `destination` is given (tests).
 */
export function createServerLogger(destination?: DestinationStream): Logger {
  const options = { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie'], serializers: { req: serializeRequest } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
