export * from './passwords.js';
export * from './permissions.js';
export * from './policy.js';
export * from './session-service.js';
export * from './subject.js';
export * from './user-service.js';
