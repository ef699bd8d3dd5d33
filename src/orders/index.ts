export * from './order-queries.js';
export * from './order-service.js';
