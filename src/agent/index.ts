/** The edge agent that runs beside the machines of a work center (issue 6). */
export * from './jti-journal.js';
export * from './order-acceptance.js';
export * from './report-journal.js';
