/**
 * The agent's transport over MQTT with TLS (issue 6 point 4): connects with the device's key and
 * certificate, client id = device id, and a persistent session, so QoS 1 orders published while
 * the agent was away are delivered when it returns. Each order is acknowledged (PUBACK) only
 * after the agent handled it (recorded its jti or refused it), so a crash before that makes the
 * broker deliver it again. Reports are published at QoS 1 and count as sent on the broker's PUBACK.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { MQTT_MESSAGE_LIMIT_BYTES, parseOrderMessage } from '../devices/index.js';
import { loadDeviceIdentity, type DeviceIdentity } from './device-identity.js';
import type { OrderSource, ReportSink } from './edge-agent.js';
import type { SignedReport } from './report-journal.js';
import type { OrderDelivery } from './server-link.js';

/** The topics of one device, as the plant names them (`forgeline/<site>/<area>/<work center>/…`). */
export interface DeviceTopics {
  /** The work center's orders topic, which the device reads. */
  readonly orders: string;
  /** The device's own report topic, which it writes. */
  readonly reports: string;
}

/** A message on the orders topic that was not an order; dropped (and acknowledged, so it is not delivered again). */
export interface RefusedMessage {
  readonly topic: string;
  readonly code: 'message-refused';
  readonly reason: string;
}

/** What {@link MqttOrderChannel.open} needs. */
export interface MqttOrderChannelOptions {
  /** mqtts://host:port of the broker. */
  readonly url: string;
  /** The device folder (`device-key.pem`, `device-cert.pem`, `ca.pem`), or the identity read from it. */
  readonly deviceDir?: string | undefined;
  readonly identity?: DeviceIdentity | undefined;
  readonly topics: DeviceTopics;
  /** Handles one order; the order is acknowledged to the broker only once this resolved. */
  readonly onOrder: (order: OrderDelivery) => Promise<void>;
  /** Told of each malformed or oversized message dropped. */
  readonly onRefused?: ((refusal: RefusedMessage) => void) | undefined;
  /** One line per notable event (connected, disconnected, errors). */
  readonly log?: ((line: string) => void) | undefined;
  /** Reconnection backoff: first and largest wait. Default 500 ms to 30 s. */
  readonly reconnectMinMs?: number | undefined;
  readonly reconnectMaxMs?: number | undefined;
}

/** The broker is away (or the connection dropped): try again later. */
export class MqttUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MqttUnavailable';
  }
}

/** A report too large for any broker message: sending it again cannot help. */
export class MqttReportTooLarge extends Error {
  constructor(bytes: number) {
    super(`the report is ${bytes} bytes, over the MQTT message limit of ${MQTT_MESSAGE_LIMIT_BYTES}`);
    this.name = 'MqttReportTooLarge';
  }
}

/** What the client's event handlers and the channel both see. */
interface ChannelState {
  subscribed: boolean;
  closed: boolean;
}

/** MQTT 5 reason code 0x99, Payload format invalid (MQTT 5.0 §3.4.2.1). */
const PUBACK_PAYLOAD_INVALID = 153;

/** One device's MQTT connection: orders in, reports out. */
export class MqttOrderChannel {
  readonly #client: MqttClient;
  readonly #topics: DeviceTopics;
  readonly #deviceId: string;
  /** Shared with the client's event handlers, which exist before the channel does. */
  readonly #state: ChannelState;

  private constructor(client: MqttClient, topics: DeviceTopics, state: ChannelState, deviceId: string) {
    this.#client = client;
    this.#topics = topics;
    this.#state = state;
    this.#deviceId = deviceId;
  }

  /**
   * Starts connecting (in the background, with backoff while the broker is away) and subscribes
   * to the orders topic on every connection. Resolves once the identity is read; `whenConnected` waits.
   */
  static async open(options: MqttOrderChannelOptions): Promise<MqttOrderChannel> {
    const identity = options.identity ?? (options.deviceDir === undefined ? undefined : await loadDeviceIdentity(options.deviceDir));
    if (identity === undefined) throw new TypeError('MqttOrderChannel.open needs deviceDir or identity');
    const log = options.log ?? (() => undefined);
    const minDelay = options.reconnectMinMs ?? 500;
    let delay = minDelay;
    const state: ChannelState = { subscribed: false, closed: false };
    const settings: IClientOptions & Pick<ConnectionOptions, 'minVersion'> = {
      clientId: identity.deviceId,
      // A persistent session (MQTT 5.0 §3.1.2.4): orders published while the agent is away wait at the broker.
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
      ca: identity.caPem, cert: identity.chainPem, key: identity.keyPem, rejectUnauthorized: true, minVersion: 'TLSv1.3',
      reconnectPeriod: minDelay,
      connectTimeout: 10_000,
      customHandleAcks: (topic, payload, _packet, done) => {
        const order = topic === options.topics.orders ? parseOrderMessage(payload) : { ok: false as const, problem: { code: 'message-refused' as const, reason: `a message arrived on ${topic.slice(0, 200)}, which is not this device's orders topic` } };
        if (!order.ok) {
          log(`mqtt: dropped a message on ${topic.slice(0, 200)}: ${order.problem.reason}`);
          options.onRefused?.({ topic, ...order.problem });
          // Acknowledged all the same: delivering it again would only refuse it again.
          done(PUBACK_PAYLOAD_INVALID);
          return;
        }
        options.onOrder(order.value).then(
          () => done(0),
          (error: unknown) => {
            // Not handled (the disk failed?): no PUBACK, and a new connection so the broker delivers it again.
            log(`mqtt: order ${order.value.number} was not handled (${error instanceof Error ? error.message : String(error)}); the broker will deliver it again`);
            done(error instanceof Error ? error : new Error(String(error)));
            if (!state.closed) client.stream.destroy();
          },
        );
      },
    };
    const client = connect(options.url, settings);
    client.on('connect', () => {
      // Small messages that must arrive now: no Nagle delay (with delayed ACKs, some 40 ms a message).
      (client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
      delay = minDelay;
      client.options.reconnectPeriod = delay;
      log(`mqtt: connected to ${options.url} as ${identity.deviceId}`);
      client.subscribeAsync(options.topics.orders, { qos: 1 }).then((granted) => {
        // 0x80 and up: refused (MQTT 5.0 §3.9.3); Mosquitto grants and filters by ACL on delivery instead.
        if (granted.some((grant) => grant.qos >= 0x80)) log(`mqtt: the broker refused the subscription to ${options.topics.orders}`);
        else state.subscribed = true;
      }, (error: unknown) => log(`mqtt: subscribing to ${options.topics.orders} failed: ${error instanceof Error ? error.message : String(error)}`));
    });
    client.on('close', () => {
      state.subscribed = false;
      if (state.closed) return;
      client.options.reconnectPeriod = delay;
      delay = Math.min(delay * 2, options.reconnectMaxMs ?? 30_000);
    });
    client.on('error', (error) => log(`mqtt: ${error.message}`));
    return new MqttOrderChannel(client, options.topics, state, identity.deviceId);
  }

  /**
   * Connects with a renewed certificate and key from now on: the current connection is dropped so
   * the broker sees the new certificate at once (the persistent session keeps the orders queued
   * meanwhile), rather than only after the old one expired and a reconnection failed.
   */
  useIdentity(identity: DeviceIdentity): void {
    if (identity.deviceId !== this.#deviceId) throw new TypeError('a renewed certificate must name the same device');
    // mqtt.js builds every new connection's TLS socket from these options.
    Object.assign(this.#client.options, { ca: identity.caPem, cert: identity.chainPem, key: identity.keyPem });
    if (!this.#state.closed && this.#client.connected) this.#client.stream.destroy();
  }

  /** The serial (hex, as OpenSSL prints it) of the certificate the current connection presented; undefined while disconnected. */
  get presentedCertificateSerial(): string | undefined {
    if (!this.#client.connected) return undefined;
    const certificate = (this.#client.stream as Partial<TLSSocket> | undefined)?.getCertificate?.();
    return certificate !== null && certificate !== undefined && 'serialNumber' in certificate ? certificate.serialNumber : undefined;
  }

  /** Whether the channel is connected and subscribed now. */
  get ready(): boolean {
    return this.#client.connected && this.#state.subscribed;
  }

  /** Resolves once connected and subscribed; rejects after `timeoutMs`. */
  async whenConnected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      if (this.#state.closed) throw new MqttUnavailable('the channel is closed');
      if (Date.now() > deadline) throw new MqttUnavailable(`not connected to the broker within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Publishes a signed report at QoS 1 to the device's report topic; resolves on the broker's
   * PUBACK. Throws {@link MqttUnavailable} when not connected (the agent tries again later) and
   * {@link MqttReportTooLarge} for a report no broker message can carry.
   */
  async publishReport(signed: SignedReport): Promise<void> {
    const payload = Buffer.from(JSON.stringify(signed), 'utf8');
    if (payload.byteLength > MQTT_MESSAGE_LIMIT_BYTES) throw new MqttReportTooLarge(payload.byteLength);
    if (this.#state.closed || !this.#client.connected) throw new MqttUnavailable('not connected to the MQTT broker');
    try {
      await this.#client.publishAsync(this.#topics.reports, payload, { qos: 1 });
    } catch (error) {
      throw new MqttUnavailable(`the report was not acknowledged by the broker: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Disconnects (the broker keeps the session and queues the orders that arrive meanwhile). */
  async close(): Promise<void> {
    if (this.#state.closed) return;
    this.#state.closed = true;
    await this.#client.endAsync(!this.#client.connected);
  }
}

/** The channel as the edge agent's order source: opened on start, closed on stop. */
export class MqttOrderSource implements OrderSource {
  #channel: MqttOrderChannel | undefined;
  #options: Omit<MqttOrderChannelOptions, 'onOrder'>;

  constructor(options: Omit<MqttOrderChannelOptions, 'onOrder'>) {
    this.#options = options;
  }

  /** The open channel (for the report sink on the same connection); undefined before start. */
  get channel(): MqttOrderChannel | undefined {
    return this.#channel;
  }

  async start(onOrder: (delivery: OrderDelivery) => Promise<void>): Promise<void> {
    this.#channel = await MqttOrderChannel.open({ ...this.#options, onOrder });
  }

  /** A renewed certificate: used by the open channel now, and by one started later. */
  useIdentity(identity: DeviceIdentity): void {
    this.#options = { ...this.#options, identity };
    this.#channel?.useIdentity(identity);
  }

  async stop(): Promise<void> {
    await this.#channel?.close();
  }
}

/** Reports published over the order source's connection. */
export class MqttReportSink implements ReportSink {
  constructor(private readonly source: MqttOrderSource) {}

  async send(signed: SignedReport): Promise<void> {
    const channel = this.source.channel;
    if (channel === undefined) throw new MqttUnavailable('the MQTT channel is not open yet');
    await channel.publishReport(signed);
  }

  isPermanent(error: unknown): boolean {
    return error instanceof MqttReportTooLarge;
  }
}
