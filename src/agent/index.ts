/** The edge agent that runs beside the machines of a work center (issue 6). */
export * from './jti-journal.js';
export * from './order-acceptance.js';
export * from './report-journal.js';
export * from './accepted-jobs.js';
export * from './device-identity.js';
export * from './edge-agent.js';
export * from './https-transport.js';
export * from './server-link.js';
export * from './agent-process.js';
