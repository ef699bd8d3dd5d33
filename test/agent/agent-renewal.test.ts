/** The agent renewing its own certificate over mutual TLS, against a real server, and going on with the new one. */
import { X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEVICE_FOLDER_FILES, loadDeviceIdentity, renewalDue, renewDeviceFolder, ServerLink, writeDeviceFolder } from '../../src/agent/index.js';
import { createCertificateAuthority, issueServerCertificate } from '../../src/crypto/index.js';
import { DeviceService } from '../../src/devices/index.js';
import { buildApp, NO_RATE_LIMITS, type Services } from '../../src/server/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';
import { tempFolder } from '../support/temp-folders.js';
import { enrolDevice, type EnrolledDevice } from '../devices/device-channel-kit.js';

describeEachEngine('the agent renewing its certificate', (engine) => {
  let world: TestWorld;
  let services: Services;
  let app: FastifyInstance;
  let baseUrl: string;
  let caPem: string;
  let mill: EnrolledDevice;
  let dir: string;

  beforeEach(async () => {
    world = await createWorld(engine.store());
    // Certificates are checked by TLS on the real clock and by the server on the world's: both lie within them.
    const ca = await createCertificateAuthority({ commonName: 'Forgeline renewal test CA', validityDays: 3650, now: new Date(world.clock.now().getTime() - 86_400_000) });
    caPem = ca.certificatePem;
    services = { ...world.services, devices: new DeviceService({ store: engine.store(), clock: world.clock, ca }) };
    const server = await issueServerCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 30 });
    app = buildApp({ services, https: { key: server.privateKeyPem, cert: server.chainPem, ca: ca.certificatePem }, logger: false, rateLimits: NO_RATE_LIMITS, clock: world.clock });
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    mill = await enrolDevice(world, services);
    dir = tempFolder('forgeline-agent-renewal-');
    await writeDeviceFolder(dir, { keyPem: mill.privateKeyPem, chainPem: mill.chainPem, caPem });
  });

  afterEach(async () => {
    await app.close();
  });

  it('is due two thirds into the certificate\'s life, replaces key and certificate in place, and works with the new ones', async () => {
    const before = await loadDeviceIdentity(dir);
    expect(before).toMatchObject({ deviceId: mill.id, workCenterId: mill.workCenterId });
    const life = before.notAfter.getTime() - before.notBefore.getTime();
    expect(renewalDue(before).getTime() - before.notBefore.getTime()).toBe(Math.round((life * 2) / 3));

    const link = new ServerLink({ baseUrl, chainPem: before.chainPem, keyPem: before.keyPem, caPem });
    try {
      await renewDeviceFolder(dir, before.deviceId, link);
      const after = await loadDeviceIdentity(dir);
      expect(after).toMatchObject({ deviceId: mill.id, workCenterId: mill.workCenterId });
      expect(after.keyPem).not.toBe(before.keyPem);
      expect(new X509Certificate(after.chainPem).serialNumber).not.toBe(new X509Certificate(before.chainPem).serialNumber);
      expect((await stat(join(dir, DEVICE_FOLDER_FILES.key))).mode & 0o777).toBe(0o600);
      // The link presents the new certificate from its next connection, and the server knows it.
      link.useCertificate(after.chainPem, after.keyPem);
      // (A device route: it answers only when the server accepts the presented certificate.)
      await expect(link.verificationKeys()).resolves.toBeInstanceOf(Map);
      const detail = await services.devices.get(SETUP_ADMIN, mill.id);
      expect(detail.certificates).toHaveLength(2);
    } finally {
      await link.close();
    }
  });
});
