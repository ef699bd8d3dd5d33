export * from './audit-kinds.js';
export * from './audit-queries.js';
export * from './audit-trail.js';
