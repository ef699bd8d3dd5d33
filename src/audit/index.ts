export * from './audit-kinds.js';
export * from './audit-queries.js';
export * from './audit-trail.js';
export * from './checkpoint.js';
export * from './signed-note.js';
export * from './audit-log.js';
export * from './stored-tree.js';
export * from './checkpoint-scheduler.js';
