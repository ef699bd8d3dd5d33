/**
 * Machines over OPC UA (issue 6 point 5): the agent's ISA-95 job control server, its PKI, and a
 * simulated machine. Loading this folder loads node-opcua (seconds), so the agent imports it
 * only when it serves machines.
 */
export * from './job-order-book.js';
export * from './job-control-address-space.js';
export * from './job-control-server.js';
export * from './opcua-certificates.js';
export * from './opcua-logging.js';
export * from './simulated-machine.js';
