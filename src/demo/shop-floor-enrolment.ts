/**
 * Registering and enrolling an edge agent over the API, as `forgeline device add`, `device token`
 * and `device enrol` do: the admin registers the device and mints a one-time token; the device
 * makes its key, sends a CSR with the token, and keeps the certificate chain and the CA beside the
 * key, which never left it.
 */
import { writeDeviceFolder } from '../agent/index.js';
import { createDeviceCsr } from '../crypto/index.js';
import type { PlantNodeView } from './demo-api.js';
import type { DemoClient } from './demo-client.js';
import { DemoError } from './demo-error.js';

/** Registers an edge agent in `workCenter` as `admin`, enrols it as `device` (no session: the token is its credential), and writes its folder. Answers the device id. */
export async function enrolStationDevice(admin: DemoClient, device: DemoClient, workCenter: PlantNodeView, deviceDir: string): Promise<string> {
  const registered = await admin.expect<{ id: string }>(`register the edge agent of ${workCenter.code}`, {
    method: 'POST', path: '/api/v1/devices', body: { name: `${workCenter.name} edge agent`, kind: 'edge-agent', workCenterId: workCenter.id },
  }, 201);
  const path = `/api/v1/devices/${encodeURIComponent(registered.id)}/enrolment-tokens`;
  const { token } = await admin.expect<{ token: string }>(`mint the enrolment token of ${workCenter.code}`, { method: 'POST', path, body: {} }, 201);
  const { csrPem, privateKeyPem } = await createDeviceCsr(registered.id);
  const issued = await device.expect<{ chain: string; ca: string }>(`enrol the edge agent of ${workCenter.code}`, {
    method: 'POST', path: '/api/v1/pki/enrol', body: { token, csr: csrPem },
  }, 201);
  if (!issued.chain.includes('BEGIN CERTIFICATE') || !issued.ca.includes('BEGIN CERTIFICATE')) {
    throw new DemoError(`enrol the edge agent of ${workCenter.code}`, 'the answer holds no PEM certificate chain and CA');
  }
  await writeDeviceFolder(deviceDir, { keyPem: privateKeyPem, chainPem: issued.chain, caPem: issued.ca });
  return registered.id;
}
