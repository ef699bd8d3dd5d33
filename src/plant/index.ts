export * from './item-service.js';
export * from './plant-service.js';
export * from './zone-service.js';
export * from './plant-time.js';
export * from './plant-time-service.js';
