export * from './item-service.js';
export * from './plant-service.js';
export * from './zone-service.js';
