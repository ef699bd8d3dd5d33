import {
  enrolmentTokenRequestSchema, enrolRequestSchema, newDeviceSchema, renewRequestSchema, revokeDeviceSchema,
  type CreatedEnrolmentToken, type DeviceCertificateView, type DeviceDetail, type DeviceView, type IssuedDeviceCertificateView,
} from '../devices/index.js';
import { deviceRoute } from './client-certificate.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** A certificate of a device as listed: serial, names, validity and status. */
function presentCertificate(certificate: DeviceCertificateView) {
  return {
    serial: certificate.serial, subject: certificate.subject, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
    issuedAt: certificate.issuedAt, status: certificate.status, revokedAt: certificate.revokedAt, revocationReason: certificate.revocationReason,
  };
}

/** The fields of a device that leave. */
function presentDevice(device: DeviceView) {
  return {
    id: device.id, name: device.name, kind: device.kind, workCenterId: device.workCenterId, status: device.status, createdBy: device.createdBy,
    createdAt: device.createdAt, revokedAt: device.revokedAt, revokedReason: device.revokedReason, lastSeenAt: device.lastSeenAt,
    certificate: device.certificate === null ? null : presentCertificate(device.certificate),
  };
}

function presentDeviceDetail(device: DeviceDetail) {
  return { ...presentDevice(device), certificates: device.certificates.map(presentCertificate) };
}

/** An enrolment token just minted: this once, the token. */
function presentToken(token: CreatedEnrolmentToken) {
  return { id: token.id, deviceId: token.deviceId, workCenterId: token.workCenterId, expiresAt: token.expiresAt, token: token.token };
}

/** A certificate just issued: what the device keeps beside its private key (which never left it). */
function presentIssued(issued: IssuedDeviceCertificateView) {
  return {
    deviceId: issued.deviceId, workCenterId: issued.workCenterId, serial: issued.serial, subject: issued.subject, notBefore: issued.notBefore,
    notAfter: issued.notAfter, certificate: issued.certificatePem, chain: issued.chainPem, ca: issued.caPem,
  };
}

/** Devices and their PKI (issue 5 point 6): registry, enrolment tokens, enrolment, renewal, revocation, the CRL. */
export function deviceRoutes(services: Services): RouteSpec[] {
  const { devices } = services;
  return [
    {
      method: 'POST', url: '/api/v1/devices', tag: 'devices', authenticated: true, status: 201, body: newDeviceSchema,
      summary: 'Register a device (machine, PLC, edge agent) in a work center (admin)',
      handler: async ({ actor, body }) => presentDevice(await devices.createDevice(actor, body)),
    },
    {
      method: 'GET', url: '/api/v1/devices', tag: 'devices', authenticated: true,
      summary: 'List the devices within your reach with their newest certificate (admins, auditors)',
      handler: async ({ actor }) => ({ items: (await devices.list(actor)).map(presentDevice) }),
    },
    {
      method: 'GET', url: '/api/v1/devices/:id', tag: 'devices', authenticated: true,
      summary: 'One device with every certificate issued to it (admins, auditors)',
      handler: async ({ actor, params }) => presentDeviceDetail(await devices.get(actor, params.id ?? '')),
    },
    {
      method: 'POST', url: '/api/v1/devices/:id/enrolment-tokens', tag: 'devices', authenticated: true, personOnly: true, status: 201, body: enrolmentTokenRequestSchema,
      summary: 'Mint a one-time enrolment token for a device (admin): short-lived, single use, bound to its work center',
      responseDescription: 'The token (fle_…), shown only in this answer and stored as a hash, with its expiry',
      handler: async ({ actor, params, body }) => presentToken(await devices.createEnrolmentToken(actor, params.id ?? '', body ?? {})),
    },
    {
      method: 'POST', url: '/api/v1/devices/:id/revoke', tag: 'devices', authenticated: true, personOnly: true, body: revokeDeviceSchema,
      summary: 'Revoke a device and all its certificates at once (admin): refused from its next request on, and listed in the CRL',
      handler: async ({ actor, params, body }) => presentDeviceDetail(await devices.revokeDevice(actor, params.id ?? '', body)),
    },
    {
      method: 'POST', url: '/api/v1/pki/enrol', tag: 'pki', authenticated: false, status: 201, body: enrolRequestSchema,
      summary: 'Enrol a device: its one-time token and a CSR (subject CN=<device id>, key ECDSA P-256 or Ed25519) for a 30-day client certificate',
      responseDescription: 'The certificate, the chain to present (certificate then CA) and the CA to trust the server by, all PEM',
      handler: async ({ body, request }) => presentIssued(await devices.enrol(body, request.ip)),
    },
    deviceRoute(devices, {
      method: 'POST', url: '/api/v1/pki/renew', tag: 'pki', status: 201, body: renewRequestSchema,
      summary: 'Renew the client certificate of the device on this mutual-TLS connection, for the key of a new CSR, before it expires',
      responseDescription: 'The new certificate (new serial, same device), its chain and the CA, all PEM',
      handler: async ({ device, body, request }) => presentIssued(await devices.renewFor(device, body, request.ip)),
    }),
    {
      method: 'GET', url: '/api/v1/pki/crl', tag: 'pki', authenticated: false,
      summary: 'The certificate revocation list of device certificates (X.509 v2 CRL, DER), signed by the Forgeline CA',
      responseDescription: 'application/pkix-crl (RFC 2585): signed again when a certificate is revoked, and hourly; nextUpdate 24 h on',
      handler: async ({ reply }) => {
        const crl = await devices.crl();
        reply.type('application/pkix-crl');
        return crl.der;
      },
    },
    {
      method: 'GET', url: '/api/v1/pki/ca', tag: 'pki', authenticated: false,
      summary: 'The Forgeline CA certificate (PEM) that issues device certificates and the server\'s own',
      responseDescription: 'application/x-pem-file',
      handler: async ({ reply }) => {
        reply.type('application/x-pem-file');
        return devices.caCertificatePem();
      },
    },
  ];
}
