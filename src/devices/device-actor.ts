/**
 * A device acting on orders through the order service: a subject the one policy function judges
 * like anyone else, holding no more than an operator's execution rights in the device's own work
 * center, and narrowed further to exactly those actions, so a device can never read recipes
 * through the API, approve, dispatch, hold or act beyond its work center.
 */
import type { Action, Actor } from '../access/index.js';
import type { AuditActor } from '../audit/index.js';
import type { AuthenticatedDevice } from './device-certificates.js';

/** What a device may ask of the order service: read the orders it reports on, and execute them. */
export const DEVICE_ORDER_ACTIONS: readonly Action[] = ['order.read', 'order.start', 'order.pause', 'order.resume', 'order.progress', 'order.complete'];

/** The name a device acts and is audited under. */
export function deviceSubjectName(deviceId: string): string {
  return `device:${deviceId}`;
}

/**
 * The actor of a device's report: an operator scoped to its work center, restricted (as an API
 * token is) to {@link DEVICE_ORDER_ACTIONS} within that work center. Its user id is its subject
 * name: it is no user, and progress rows name it as their reporter.
 */
export function deviceOrderActor(device: AuthenticatedDevice, source: string | null): Actor {
  const name = deviceSubjectName(device.deviceId);
  return {
    subject: {
      userId: name,
      username: name,
      roles: [{ role: 'operator', scopeNodeId: device.workCenterId }],
      passwordMustChange: false,
      restriction: { tokenId: name, actions: DEVICE_ORDER_ACTIONS, scopeNodeId: device.workCenterId },
    },
    source,
  };
}

/** The audit log's view of a device (no user id: it is not a person), as the device PKI's entries name it. */
export function deviceAuditActor(deviceId: string, source: string | null): AuditActor {
  return { userId: null, username: deviceSubjectName(deviceId), source };
}
