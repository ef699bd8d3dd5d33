export * from './order-queries.js';
export * from './order-history.js';
export * from './order-service.js';
export * from './order-signing.js';
export * from './order-secrets.js';
export * from './dispatch-signal.js';
export * from './order-change-signal.js';
export * from './order-change-follower.js';
