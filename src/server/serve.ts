import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLookupFiller, CheckpointScheduler, DEFAULT_CHECKPOINT_POLICY, systemClock, type CheckpointPolicy } from '../audit/index.js';
import { loadAuditIdentity } from './audit-identity.js';
import { keyringFileRotation, loadDataKeyring } from './data-keyring.js';
import { catchUpAuditLookup, openDatabase } from '../store/index.js';
import { buildApp } from './app.js';
import { createServerLogger } from './request-log.js';
import type { RateLimitSettings } from './http-edge.js';
import { DATA_MANIFEST, readManifest, storeOptionsFor } from './data-folder.js';
import { createServices } from './services.js';
import { loadServerTls } from './server-tls.js';
import type { TlsMinVersion } from './tls-options.js';
import { createMqttBridge, type MqttServeOptions } from './mqtt-serve.js';
import { SearchIndexBackfill, type SearchBackfillOptions } from '../orders/index.js';

/** Options of {@link serveForgeline}. */
export interface ServeOptions {
  readonly dataDir: string;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** Serve plain HTTP: only behind a TLS-terminating proxy, and only when asked for explicitly. */
  readonly insecureHttp?: boolean | undefined;
  readonly databaseUrl?: string | undefined;
  /** Log requests as JSON lines to stdout (default true). */
  readonly log?: boolean | undefined;
  /** When the audit log signs checkpoints (default: every 10 s while it grows, or every 1,000 entries). */
  readonly checkpointPolicy?: CheckpointPolicy | undefined;
  /** Witness key lines whose cosignatures the log accepts (default: any well-formed cosignature). */
  readonly witnessKeys?: readonly string[] | undefined;
  /** Rate limits per source address (default 600 requests, 20 sign-ins and 30 failed tokens a minute; 0 turns one off). */
  readonly rateLimits?: Partial<RateLimitSettings> | undefined;
  /** Reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the client; default none. */
  readonly trustProxy?: readonly string[] | undefined;
  /** The lowest TLS version accepted: '1.3' (default) or, asked for explicitly, '1.2' (ECDHE with AEAD suites only). */
  readonly tlsMinVersion?: TlsMinVersion | undefined;
  /** Publish dispatched orders to and receive reports from an MQTT broker (issue 6 point 4); none when absent. */
  readonly mqtt?: MqttServeOptions | undefined;
  /** The background fill of older orders' search columns after the start: batch size and pause (defaults 200 orders, 25 ms). */
  readonly searchBackfill?: SearchBackfillOptions | undefined;
}

/** A running server. */
export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Opens a data folder's database and serves the API over HTTPS (default https://localhost:8443). */
export async function serveForgeline(options: ServeOptions): Promise<RunningServer> {
  const manifest = await readManifest(options.dataDir);
  const store = await openDatabase(storeOptionsFor(options.dataDir, manifest, options.databaseUrl));
  try {
    const tls = options.insecureHttp ? undefined : await loadServerTls(options.dataDir, manifest, systemClock.now());
    const https = tls && { key: tls.key, cert: tls.cert, ca: tls.ca, minVersion: options.tlsMinVersion ?? '1.3' };
    // Requests are logged by path only, never their query string (request-log.ts).
    const logger = options.log === false ? false : createServerLogger();
    if (logger && tls?.warning) logger.warn(`server certificate: ${tls.warning}; clients will refuse it: import a new one with forgeline tls import`);
    if (logger && https?.minVersion === '1.2') logger.warn('TLS 1.2 is enabled (tlsMinVersion 1.2), with ECDHE and AEAD cipher suites only; TLS 1.3 stays preferred');
    const auditIdentity = await loadAuditIdentity(options.dataDir, manifest);
    const keyring = await loadDataKeyring(options.dataDir, join(options.dataDir, DATA_MANIFEST), manifest);
    // A folder older than keyrings was just given a file keyring, which is also what the rotation assumes when the manifest names none.
    const keyringFile = keyringFileRotation(options.dataDir, manifest);
    // The Forgeline CA signs device certificates and the CRL (issue 5 point 6).
    const deviceCa = { certificatePem: await readFile(join(options.dataDir, manifest.tls.ca), 'utf8'), privateKeyPem: await readFile(join(options.dataDir, manifest.tls.caKey), 'utf8') };
    const services = createServices({ store, clock: systemClock, auditIdentity, witnessKeys: options.witnessKeys ?? [], keyring, deviceCa, ...(keyringFile === undefined ? {} : { keyringFile }) });
    const app = buildApp({ services, https, logger, rateLimits: options.rateLimits, trustProxy: options.trustProxy });
    // A refusal to sign means the stored log was changed behind the server's back: say so loudly.
    const scheduler = new CheckpointScheduler(services.auditLog, options.checkpointPolicy ?? DEFAULT_CHECKPOINT_POLICY, (error) => {
      if (logger) logger.error({ err: error }, 'audit checkpoint refused');
      else process.emitWarning(`audit checkpoint refused: ${error instanceof Error ? error.message : String(error)}`);
    });
    // The audit lookup is filled outside order transactions; queries catch up too, so this only keeps their share small.
    const lookupFiller = new AuditLookupFiller(() => catchUpAuditLookup(store), (error) => {
      if (logger) logger.error({ err: error }, 'audit lookup catch-up failed');
      else process.emitWarning(`audit lookup catch-up failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    // Orders from before migration 0015 get their customer tag in the background; one log line when done.
    const backfill = new SearchIndexBackfill(services.orders.searchIndex, (line) => {
      if (logger) logger[line.level](line.fields, line.message);
      else if (line.level !== 'info') process.emitWarning(line.message);
    }, options.searchBackfill);
    // Read before listening, so a missing identity file stops the start with nothing running.
    const mqtt = options.mqtt === undefined ? undefined : await createMqttBridge(services, systemClock, options.mqtt, (line) => (logger ? logger.info(line) : undefined));
    const host = options.host ?? 'localhost';
    await app.listen({ host, port: options.port ?? 8443 });
    scheduler.start();
    lookupFiller.start();
    mqtt?.start();
    void backfill.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port ?? 8443;
    const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      close: () =>
        (closing ??= (async () => {
          // First, so the fill's batch in hand is written and done before the store closes.
          await backfill.stop();
          await mqtt?.stop();
          await app.close();
          await scheduler.stop();
          await lookupFiller.stop();
          await store.close();
        })()),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
