/** Order-signing keys and the keyring of a data folder. */
export * from './signing-key-service.js';
export * from './memory-keyring.js';
export * from './kek-rotation.js';
