export * from './audit-kinds.js';
export * from './audit-queries.js';
export * from './audit-trail.js';
export * from './checkpoint.js';
export * from './signed-note.js';
