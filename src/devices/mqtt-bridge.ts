/**
 * The server's side of the MQTT transport (issue 6 point 4): one connection to the broker over
 * TLS 1.3 with the server's MQTT identity and a persistent session, that publishes each
 * dispatched order's JWS to its work center's orders topic (QoS 1) and hands each report
 * arriving on a device's report topic to the report service. A report is acknowledged to the
 * broker only once the service stored it (or it was refused and audited), so the broker keeps it
 * for the next connection if the server stops in between. Bad messages are dropped and audited;
 * nothing a device sends stops the bridge.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { ConnectionOptions } from 'node:tls';
import { AuditTrail, type AuditActor, type Clock } from '../audit/index.js';
import { ForgelineError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { AuthenticatedDevice } from './device-certificates.js';
import { MQTT_SERVER_IDENTITY } from './mosquitto-config.js';
import type { MqttDirectory, RoutedOrder } from './mqtt-directory.js';
import { encodeOrderMessage, parseMessageJson, parseReportTopic, MQTT_MESSAGE_LIMIT_BYTES } from './mqtt-message.js';
import { ALL_REPORTS_FILTER } from './mqtt-topics.js';

/** The report service as the bridge calls it (`services.reports`): stores a signed report or throws a ForgelineError. */
export interface MqttReportReceiver {
  receive(device: AuthenticatedDevice, signed: unknown, via: 'mqtt', source: string | null): Promise<unknown>;
}

/** The zone check (`services.zones`): throws conduit-refused unless a conduit permits the flow over MQTT. */
export interface MqttConduitCheck {
  conduitFor(workCenterId: string, transport: 'mqtt', flow: 'orders' | 'reports'): Promise<unknown>;
}

/** The dispatch announcements (`services.dispatches`). */
export interface DispatchAnnouncements {
  subscribe(listener: (order: { readonly orderId: string; readonly revision: number; readonly workCenterId: string }) => void): () => void;
}

/** The broker and the server's identity on it (the files `forgeline mqtt config` wrote). */
export interface MqttBrokerConnection {
  /** mqtts://host:port */
  readonly url: string;
  readonly caPem: string;
  readonly certificatePem: string;
  readonly keyPem: string;
  /** The MQTT client id; one per server instance sharing a broker (the broker disconnects an older client with the same id). */
  readonly clientId?: string | undefined;
}

/** What the bridge is built from. */
export interface MqttBridgeOptions {
  readonly broker: MqttBrokerConnection;
  readonly store: Store;
  readonly clock: Clock;
  readonly directory: MqttDirectory;
  readonly reports: MqttReportReceiver;
  readonly zones?: MqttConduitCheck | undefined;
  readonly dispatches: DispatchAnnouncements;
  /** How often dispatched orders are looked for besides the announcements (another instance's dispatches); 0 never. Default 15 s. */
  readonly pollMs?: number | undefined;
  /** Reconnection backoff: first and largest wait. Default 500 ms to 30 s. */
  readonly reconnectMinMs?: number | undefined;
  readonly reconnectMaxMs?: number | undefined;
  /** One line per notable event (connected, refused messages, failures); defaults to nothing. */
  readonly log?: ((line: string) => void) | undefined;
}

/** At most one `mqtt.message-refused` entry per sender and minute; the ones held back are counted into the next. */
const REFUSAL_AUDIT_INTERVAL_MS = 60_000;
/** MQTT 5 reason code 0x99, Payload format invalid (MQTT 5.0 §3.4.2.1): the report was refused, not lost. */
const PUBACK_PAYLOAD_INVALID = 153;

/** The server's MQTT bridge: `start()` once, `stop()` on shutdown. */
export class MqttBridge {
  readonly #options: MqttBridgeOptions;
  readonly #audit: AuditTrail;
  readonly #log: (line: string) => void;
  readonly #refusals = new Map<string, { lastAt: number; held: number }>();
  /** Orders published on the current connection, so a poll publishes each once (a reconnect publishes all again). */
  readonly #published = new Set<string>();
  #client: MqttClient | undefined;
  #unsubscribe: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #reconnectDelay: number;
  /** Whether the reports filter is subscribed on the current connection. */
  #subscribed = false;
  /** Work in flight (publishes, report handling), awaited by stop(). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(options: MqttBridgeOptions) {
    this.#options = options;
    this.#audit = new AuditTrail({ store: options.store, clock: options.clock });
    this.#log = options.log ?? (() => undefined);
    this.#reconnectDelay = options.reconnectMinMs ?? 500;
  }

  /** Whether the bridge is connected to the broker now. */
  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /**
   * Connects (in the background: a broker that is away is waited for, with backoff) and starts
   * publishing dispatches and receiving reports. Resolves at once; `whenConnected` waits.
   */
  start(): void {
    if (this.#client !== undefined) throw new Error('the MQTT bridge is already started');
    const { broker } = this.#options;
    const settings: IClientOptions & Pick<ConnectionOptions, 'minVersion'> = {
      clientId: broker.clientId ?? MQTT_SERVER_IDENTITY,
      // A persistent session (MQTT 5.0 §3.1.2.4): reports published while the server was away wait at the broker.
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
      ca: broker.caPem, cert: broker.certificatePem, key: broker.keyPem, rejectUnauthorized: true, minVersion: 'TLSv1.3',
      reconnectPeriod: this.#reconnectDelay,
      connectTimeout: 10_000,
      resubscribe: true,
      customHandleAcks: (topic, payload, _packet, done) => {
        this.#track(this.#onReport(topic, payload)).then(
          (code) => done(code),
          (error: unknown) => {
            // Not stored and not refused (the database is away): no PUBACK, and a new session
            // so the broker delivers it again (MQTT 5.0 §4.4).
            this.#log(`mqtt: a report on ${topic} was not handled (${messageOf(error)}); reconnecting so the broker delivers it again`);
            done(error instanceof Error ? error : new Error(String(error)));
            this.#client?.stream.destroy();
          },
        );
      },
    };
    const client = connect(broker.url, settings);
    this.#client = client;
    client.on('connect', () => {
      // Small messages that must arrive now: no Nagle delay (with delayed ACKs, some 40 ms a message).
      (client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
      this.#reconnectDelay = this.#options.reconnectMinMs ?? 500;
      client.options.reconnectPeriod = this.#reconnectDelay;
      this.#log(`mqtt: connected to ${broker.url}`);
      this.#track(this.#onConnected(client)).catch((error: unknown) => this.#log(`mqtt: catching up after connecting failed: ${messageOf(error)}`));
    });
    // A report published at QoS 0 is delivered at QoS 0 and has no PUBACK: handled all the same.
    client.on('message', (topic, payload, packet) => {
      if (packet.qos !== 0) return;
      this.#track(this.#onReport(topic, payload)).catch((error: unknown) => this.#log(`mqtt: a QoS 0 report on ${topic} was not handled: ${messageOf(error)}`));
    });
    client.on('close', () => {
      this.#published.clear();
      this.#subscribed = false;
      if (this.#stopping) return;
      // Back off while the broker stays away (mqtt.js reconnects after reconnectPeriod).
      client.options.reconnectPeriod = this.#reconnectDelay;
      this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, this.#options.reconnectMaxMs ?? 30_000);
    });
    client.on('error', (error) => this.#log(`mqtt: ${error.message}`));
    this.#unsubscribe = this.#options.dispatches.subscribe((order) => {
      this.#track(this.#publishAnnounced(order.orderId, order.revision)).catch((error: unknown) => this.#log(`mqtt: publishing order ${order.orderId} failed: ${messageOf(error)}`));
    });
    const pollMs = this.#options.pollMs ?? 15_000;
    if (pollMs > 0) {
      this.#pollTimer = setInterval(() => {
        if (client.connected) this.#track(this.#publishPending(false)).catch((error: unknown) => this.#log(`mqtt: looking for dispatched orders failed: ${messageOf(error)}`));
      }, pollMs);
      this.#pollTimer.unref();
    }
  }

  /** Resolves once connected and subscribed, or rejects after `timeoutMs`. */
  async whenConnected(timeoutMs = 10_000): Promise<void> {
    const client = this.#client;
    if (client === undefined) throw new Error('the MQTT bridge is not started');
    const deadline = Date.now() + timeoutMs;
    while (!(client.connected && this.#subscribed)) {
      if (Date.now() > deadline) throw new Error(`not connected to ${this.#options.broker.url} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops: no more publishing or receiving, the work in flight finished, the connection closed (the broker keeps the session). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    const client = this.#client;
    if (client === undefined) return;
    // Graceful when connected (DISCONNECT sent); forced otherwise, so no reconnect timer stays behind.
    await client.endAsync(!client.connected);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const forget = (): void => void this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  async #onConnected(client: MqttClient): Promise<void> {
    this.#subscribed = false;
    const granted = await client.subscribeAsync(ALL_REPORTS_FILTER, { qos: 1 });
    // Mosquitto answers 0x80 when the ACL forbids the filter: the identity is not the server's.
    if (granted.some((grant) => grant.qos !== 1)) this.#log(`mqtt: the broker did not grant ${ALL_REPORTS_FILTER} at QoS 1: check that the ACL names ${MQTT_SERVER_IDENTITY}`);
    this.#subscribed = true;
    // Whatever was dispatched while the broker was away goes out now.
    await this.#publishPending(true);
  }

  async #publishPending(all: boolean): Promise<void> {
    const orders = (await this.#options.directory.dispatchedOrders()).filter((order) => all || !this.#published.has(keyOf(order)));
    // Published side by side: mqtt.js keeps them in flight together, each waiting for its PUBACK.
    await Promise.all(orders.map((order) => this.#publish(order)));
  }

  async #publishAnnounced(orderId: string, revision: number): Promise<void> {
    // Not connected: the (re)connection publishes every dispatched order, this one included.
    if (this.#client?.connected !== true) return;
    const order = await this.#options.directory.dispatchedOrder(orderId, revision);
    if (order !== undefined) await this.#publish(order);
  }

  async #publish(order: RoutedOrder): Promise<void> {
    const client = this.#client;
    if (client?.connected !== true) return;
    let topic: string;
    try {
      topic = await this.#options.directory.ordersTopic(order.workCenterId);
      await this.#options.zones?.conduitFor(order.workCenterId, 'mqtt', 'orders');
    } catch (error) {
      if (!(error instanceof ForgelineError)) throw error;
      this.#published.add(keyOf(order));
      await this.#refuse(`work-center:${order.workCenterId}`, { userId: null, username: 'forgeline-server', source: null }, {
        topic: null, code: error.code, reason: `order ${order.number} was not published over MQTT: ${error.message}`, orderId: order.orderId, workCenterId: order.workCenterId,
      }, order.orderId);
      return;
    }
    await client.publishAsync(topic, encodeOrderMessage(order), { qos: 1, retain: false });
    this.#published.add(keyOf(order));
  }

  /** Handles one report; answers the PUBACK reason code (0 stored or duplicate, 0x99 refused). */
  async #onReport(topic: string, payload: Buffer): Promise<number> {
    const parsedTopic = parseReportTopic(topic);
    const sender = parsedTopic.ok ? parsedTopic.value.deviceId : 'unknown';
    const actor: AuditActor = { userId: null, username: parsedTopic.ok ? `device:${sender}` : 'mqtt:unknown', source: null };
    const refuse = async (code: string, reason: string): Promise<number> => {
      await this.#refuse(`device:${sender}`, actor, { topic: topic.slice(0, 300), code, reason, bytes: payload.byteLength });
      return PUBACK_PAYLOAD_INVALID;
    };
    if (payload.byteLength > MQTT_MESSAGE_LIMIT_BYTES) return refuse('message-refused', `the message is ${payload.byteLength} bytes, over the limit of ${MQTT_MESSAGE_LIMIT_BYTES}`);
    if (!parsedTopic.ok) return refuse(parsedTopic.problem.code, parsedTopic.problem.reason);
    const reporting = await this.#options.directory.device(sender);
    if (reporting === undefined) return refuse('message-refused', `device ${sender} is unknown, revoked, or has no current certificate`);
    if (reporting.reportsTopic !== topic) return refuse('message-refused', `device ${sender} reports on ${reporting.reportsTopic}, not on this topic`);
    const body = parseMessageJson(payload);
    if (!body.ok) return refuse(body.problem.code, body.problem.reason);
    try {
      // The report service checks the signature, that report.deviceId is this device, the order, and de-duplicates.
      await this.#options.reports.receive(reporting.device, body.value, 'mqtt', null);
      return 0;
    } catch (error) {
      if (error instanceof ForgelineError) return refuse(error.code, error.message);
      throw error;
    }
  }

  /** Audits a refusal, at most once a minute per sender; the log line is written every time. */
  async #refuse(key: string, actor: AuditActor, detail: Record<string, unknown> & { code: string; reason: string }, orderId?: string): Promise<void> {
    this.#log(`mqtt: refused (${detail.code}) ${detail.reason}`);
    const now = this.#options.clock.now().getTime();
    const last = this.#refusals.get(key);
    if (last !== undefined && now - last.lastAt < REFUSAL_AUDIT_INTERVAL_MS) {
      last.held += 1;
      return;
    }
    if (this.#refusals.size > 10_000) {
      for (const [other, entry] of this.#refusals) if (now - entry.lastAt >= REFUSAL_AUDIT_INTERVAL_MS) this.#refusals.delete(other);
    }
    this.#refusals.set(key, { lastAt: now, held: 0 });
    await this.#audit.recordAlone({
      kind: 'mqtt.message-refused', outcome: 'denied', actor, orderId: orderId ?? null,
      detail: { ...detail, ...(last !== undefined && last.held > 0 ? { heldBack: last.held } : {}) },
    });
  }
}

function keyOf(order: { readonly orderId: string; readonly revision: number }): string {
  return `${order.orderId}@${order.revision}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
