/** Devices: registry, one-time enrolment, client certificates, renewal, revocation and the CRL. Other folders import from here only. */
export * from './device-certificates.js';
export * from './device-requests.js';
export * from './device-service.js';
export * from './device-views.js';
export * from './mqtt-topics.js';
export * from './mosquitto-config.js';
export * from './mqtt-broker-files.js';
export * from './mqtt-message.js';
export * from './mqtt-directory.js';
export * from './mqtt-bridge.js';
export * from './device-actor.js';
export * from './device-report-schema.js';
export * from './report-service.js';
export * from './report-batch.js';
export * from './order-feed.js';
