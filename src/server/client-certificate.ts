/**
 * Device routes: authenticated by the client certificate of the mutual-TLS connection, checked on
 * every request against the database (issue 5 point 6), so a revocation takes effect on the next
 * request, not when a CRL is fetched or a connection is reopened.
 */
import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { AuthenticatedDevice } from '../devices/index.js';
import type { RouteContext, RouteSpec } from './route.js';

/** What checks a client certificate: the device service satisfies it. */
export interface ClientCertificateChecker {
  checkClientCertificate(peerCertificate: Uint8Array | undefined, source: string | null): Promise<AuthenticatedDevice>;
}

/**
 * The DER of the client certificate on the request's TLS connection, or undefined (plain HTTP, no
 * certificate sent). The server asks for one without requiring it and without judging it
 * (`requestCert`, `rejectUnauthorized: false`): the check is {@link authenticateDevice}'s.
 */
export function peerCertificateOf(request: FastifyRequest): Buffer | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
  // The X509Certificate's DER only: getPeerCertificate() would build an object of every field on each request.
  const raw = socket.getPeerX509Certificate()?.raw;
  return raw !== undefined && raw.length > 0 ? raw : undefined;
}

/**
 * The device presenting the request's client certificate, or throws `certificate-invalid` (401:
 * none, expired, not issued to a device by this Forgeline) or `certificate-revoked` (403), which
 * the error handler answers as problem+json.
 */
export function authenticateDevice(request: FastifyRequest, checker: ClientCertificateChecker): Promise<AuthenticatedDevice> {
  return checker.checkClientCertificate(peerCertificateOf(request), request.ip);
}

/** A device route: its handler gets the device whose certificate was checked for this request. */
export interface DeviceRouteSpec extends Omit<RouteSpec, 'authenticated' | 'handler'> {
  readonly handler: (context: Omit<RouteContext, 'actor'> & { readonly device: AuthenticatedDevice }) => Promise<unknown>;
}

/**
 * Marks a route as a device route: no bearer token; the client certificate is checked with
 * {@link authenticateDevice} on every request before the handler runs.
 */
export function deviceRoute(checker: ClientCertificateChecker, spec: DeviceRouteSpec): RouteSpec {
  return {
    ...spec,
    authenticated: false,
    handler: async (context) => {
      const device = await authenticateDevice(context.request, checker);
      return spec.handler({ ...context, device });
    },
  };
}
