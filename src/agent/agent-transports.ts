/**
 * The transports and the machine side `forgeline agent run` builds from its options: MQTT for
 * orders and reports (the HTTPS link still serves the keys, the topics and renewal), and the
 * OPC UA job-control server for the machine's controller.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AgentProcessOptions } from './agent-process.js';
import { MqttOrderSource, MqttReportSink } from './mqtt-order-channel.js';
import { OpcuaMachineJobs } from './opcua-machine.js';

/**
 * The agent's OPC UA application identity: its ApplicationUri and name, and the host names its
 * certificate must carry for an endpoint on `host` (the names the job-control server gives it).
 */
export function agentOpcuaIdentity(deviceId: string, host?: string): { applicationUri: string; applicationName: string; dnsNames: string[] } {
  return {
    applicationUri: `urn:forgeline:agent:${deviceId}`,
    applicationName: `Forgeline agent ${deviceId}`,
    dnsNames: [...new Set([host ?? hostname(), hostname(), 'localhost'])],
  };
}

/** The agent's OPC UA PKI folder inside its device folder. */
export function agentOpcuaPkiDir(dir: string): string {
  return join(dir, 'opcua');
}

/** Orders and reports over MQTT with TLS, on the topics the server names for this device. */
export function mqttTransport(url: string): NonNullable<AgentProcessOptions['transport']> {
  return async ({ identity, link, log }) => {
    const topics = await link.mqttTopics();
    const orders = new MqttOrderSource({ url, identity, topics, log, onRefused: (refusal) => log(`MQTT message on ${refusal.topic} dropped: ${refusal.reason}`) });
    return { orders, reports: new MqttReportSink(orders), useIdentity: (renewed) => orders.useIdentity(renewed) };
  };
}

/** The OPC UA job-control server for the machine's controller on `port` (0: any free port). */
export function opcuaMachine(dir: string, port: number, host?: string, onListening?: (endpointUrl: string, certificatePem: string) => void): NonNullable<AgentProcessOptions['machine']> {
  return async ({ identity, log }) => {
    const { JobControlServer, setOpcuaLogSink } = await import('./opcua/index.js');
    setOpcuaLogSink((level, message) => log(`OPC UA ${level}: ${message}`));
    const agentIdentity = agentOpcuaIdentity(identity.deviceId);
    const server = new JobControlServer({
      port, ...(host === undefined ? {} : { host, hostname: host }), pkiDir: agentOpcuaPkiDir(dir),
      applicationUri: agentIdentity.applicationUri, applicationName: agentIdentity.applicationName,
    });
    await server.start();
    log(`OPC UA job control at ${server.endpointUrl} (SignAndEncrypt only; trust a machine with forgeline agent trust-machine)`);
    onListening?.(server.endpointUrl, server.certificatePem);
    return new OpcuaMachineJobs(server);
  };
}
