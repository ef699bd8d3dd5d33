export * from './app.js';
export * from './data-folder.js';
export * from './problem.js';
export * from './serve.js';
export * from './services.js';
export * from './audit-files.js';
export { DEFAULT_RATE_LIMITS, NO_RATE_LIMITS, SECURITY_HEADERS, type RateLimitSettings } from './http-edge.js';
export * from './server-tls.js';
export { TLS_CIPHERS, TLS_MIN_VERSIONS, type TlsMinVersion } from './tls-options.js';
