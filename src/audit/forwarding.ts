/** Streaming the audit log to a SIEM, a file or stdout (issue 3, point 8): the public surface, re-exported by index.ts. */
export * from './audit-forwarder.js';
export * from './forward-error.js';
export * from './forward-record.js';
export * from './forward-source.js';
export * from './forward-state.js';
export * from './forward-targets.js';
export * from './file-forward-target.js';
export * from './syslog-format.js';
export * from './syslog-tls-target.js';
