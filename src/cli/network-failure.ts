import { CliError } from './cli-error.js';

// Node's TLS verification failures (see `tls` docs: X509 verify error codes).
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** The first error code found along an error's `cause` chain and inside AggregateErrors. */
function errorCodeOf(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errorCodeOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return errorCodeOf(cause, depth + 1);
}

/**
 * Turns a failure to exchange a request with the server (refused, unresolved,
 * untrusted certificate, reset) into one {@link CliError} a user can act on.
 */
export function describeNetworkFailure(error: unknown, baseUrl: string): CliError {
  const code = errorCodeOf(error);
  if (code === 'ECONNREFUSED') return new CliError('unreachable', `cannot reach the Forgeline server at ${baseUrl}: is \`forgeline serve\` running?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError('unreachable', `cannot resolve the host of ${baseUrl}: check --server or FORGELINE_SERVER`);
  if (code && UNTRUSTED_CERTIFICATE.has(code)) {
    return new CliError('untrusted-certificate', `the certificate of ${baseUrl} is not trusted (${code}): pass --ca <data>/tls/ca.pem or set FORGELINE_CA`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new CliError('untrusted-certificate', `the certificate of ${baseUrl} does not name this host: use the host name the server was initialized with`);
  if (code === 'CERT_HAS_EXPIRED') return new CliError('untrusted-certificate', `the certificate of ${baseUrl} has expired`);
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new CliError('unreachable', `the TLS handshake with ${baseUrl} failed: is the server running plain HTTP (then use http://)?`);
  }
  if ((code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') && baseUrl.startsWith('http://')) {
    return new CliError('unreachable', `the server at ${baseUrl} closed the connection: does it serve HTTPS (then use https://)?`);
  }
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new CliError('unreachable', `cannot reach the Forgeline server at ${baseUrl} (${reason})`);
}
