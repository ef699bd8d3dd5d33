/** The edge agent that runs beside the machines of a work center (issue 6). */
export * from './jti-journal.js';
export * from './order-acceptance.js';
export * from './report-journal.js';
export * from './accepted-jobs.js';
export * from './device-identity.js';
export * from './edge-agent.js';
export * from './https-transport.js';
export * from './server-link.js';
export * from './agent-process.js';
export * from './mqtt-order-channel.js';
// OPC UA (issue 6 point 5): types only here, because loading node-opcua takes seconds; call loadOpcuaJobControl() when machines are served.
export type { JobControlServerOptions, JobEvent, JobEventKind, JobOffer, JobOrder, JobOrderState, MachineAction, SimulatedMachineOptions, TrustedCertificate } from './opcua/index.js';
/** Loads the OPC UA job control server, its PKI helpers and the simulated machine (node-opcua). */
export const loadOpcuaJobControl = () => import('./opcua/index.js');
export * from './agent-transports.js';
export * from './opcua-machine.js';
