/** `serveForgeline({ mqtt })`: the bridge starts with the server, from the broker folder of `mqtt config`, and stops with it. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { systemClock } from '../../src/audit/index.js';
import { buildMqttBrokerFiles } from '../../src/devices/index.js';
import { initDataFolder, mqttUrlProblem, readManifest, serveForgeline, storeOptionsFor } from '../../src/server/index.js';
import { openDatabase } from '../../src/store/index.js';
import { describeWithMosquitto, freePort, startMosquitto, writeBrokerFiles, type RunningMosquitto } from '../support/mosquitto.js';
import { tempFolder } from '../support/temp-folders.js';

it('accepts only mqtts://host:port as the broker URL', () => {
  expect(mqttUrlProblem('mqtts://broker.plant.local:8883')).toBeUndefined();
  expect(mqttUrlProblem('mqtt://broker.plant.local:1883')).toMatch(/must use mqtts/);
  expect(mqttUrlProblem('mqtts://user:secret@broker:8883')).toMatch(/without a path or credentials/);
  expect(mqttUrlProblem('broker:8883')).toMatch(/must use mqtts|not a URL/);
});

describeWithMosquitto('forgeline serve with an MQTT broker', () => {
  let broker: RunningMosquitto | undefined;

  afterAll(async () => {
    await broker?.stop();
  });

  it('connects the bridge as forgeline-server when the server starts and disconnects it when the server stops; refuses a folder without the identity', async () => {
    const dataDir = join(tempFolder('forgeline-mqtt-serve-'), 'data');
    await initDataFolder({ dataDir });
    const manifest = await readManifest(dataDir);
    const ca = { certificatePem: await readFile(join(dataDir, manifest.tls.ca), 'utf8'), privateKeyPem: await readFile(join(dataDir, manifest.tls.caKey), 'utf8') };
    const mqttDir = join(dataDir, 'mqtt');
    const port = await freePort();
    const store = await openDatabase(storeOptionsFor(dataDir, manifest));
    try {
      const bundle = await buildMqttBrokerFiles({
        store, clock: systemClock, ca, outDir: mqttDir, port, bindAddress: '127.0.0.1', tlsMinVersion: '1.3', persistence: false, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'],
        runAsUser: process.getuid?.() === 0 ? 'root' : undefined,
      });
      await mkdir(mqttDir, { recursive: true, mode: 0o700 });
      await writeBrokerFiles(mqttDir, bundle);
    } finally {
      await store.close();
    }
    broker = await startMosquitto(mqttDir, port);

    await expect(serveForgeline({ dataDir, port: 0, host: '127.0.0.1', log: false, mqtt: { url: `mqtts://127.0.0.1:${port}`, dir: join(dataDir, 'nowhere') } }))
      .rejects.toThrow(/nowhere\/[\w.-]+\.pem is missing: write the broker files with forgeline mqtt config/);

    const server = await serveForgeline({ dataDir, port: 0, host: '127.0.0.1', log: false, mqtt: { url: `mqtts://127.0.0.1:${port}`, dir: mqttDir } });
    try {
      await expect.poll(() => broker?.output() ?? '').toMatch(/New client connected from 127\.0\.0\.1:\d+ as forgeline-server /);
      // Let the bridge read the CONNACK the broker just sent (before it, a stop closes the socket without a DISCONNECT).
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await server.close();
    }
    await expect.poll(() => broker?.output() ?? '').toMatch(/Client forgeline-server disconnected\./);
    // Stopped for good: no reconnection follows.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(broker.output().match(/as forgeline-server /g)).toHaveLength(1);
  });
});
