/**
 * The overview's alerts, derived from what the store holds right now: orders past their due end,
 * orders on quality hold, and active devices silent for longer than the online window. Pure.
 */

/** The kinds of alert, in the order they are ranked within one severity. */
export const OVERVIEW_ALERT_KINDS = ['overdue', 'held', 'device-offline'] as const;

/** One of {@link OVERVIEW_ALERT_KINDS}. */
export type OverviewAlertKind = (typeof OVERVIEW_ALERT_KINDS)[number];

/** How urgent an alert is, most severe first. */
export const ALERT_SEVERITIES = ['critical', 'warning'] as const;

/** One of {@link ALERT_SEVERITIES}. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The most alerts the overview lists. */
export const MAX_ALERTS = 20;

/** One alert: what, how urgent, a plain-text message, and what it is about. */
export interface OverviewAlert {
  readonly kind: OverviewAlertKind;
  readonly severity: AlertSeverity;
  readonly message: string;
  /** The instant the alert counts from: the due end passed, the hold placed, the device last seen. */
  readonly since: string | null;
  readonly orderId?: string;
  readonly orderNumber?: string;
  readonly workCenterId?: string;
  readonly deviceId?: string;
  readonly deviceName?: string;
}

/** An order as the alerts need it. */
export interface AlertOrder {
  readonly id: string;
  readonly number: string;
  readonly workCenterId: string;
  readonly state: string;
  readonly dueEnd: string;
  readonly updatedAt: string;
}

/** A device as the alerts need it. */
export interface AlertDevice {
  readonly id: string;
  readonly name: string;
  readonly workCenterId: string;
  readonly lastSeenAt: string;
}

/** An order past its due end and not finished: critical, since a customer date is at risk. */
export function overdueAlert(order: AlertOrder, workCenterPath: string): OverviewAlert {
  return {
    kind: 'overdue', severity: 'critical', since: order.dueEnd, orderId: order.id, orderNumber: order.number, workCenterId: order.workCenterId,
    message: `Order ${order.number} at ${workCenterPath} is past its due end and still ${order.state}`,
  };
}

/** An order on quality hold: a warning, it waits for a quality decision. */
export function heldAlert(order: AlertOrder, workCenterPath: string): OverviewAlert {
  return {
    kind: 'held', severity: 'warning', since: order.updatedAt, orderId: order.id, orderNumber: order.number, workCenterId: order.workCenterId,
    message: `Order ${order.number} at ${workCenterPath} is on quality hold`,
  };
}

/** An active device that was seen once and has been silent for longer than the online window. */
export function deviceOfflineAlert(device: AlertDevice, workCenterPath: string): OverviewAlert {
  return {
    kind: 'device-offline', severity: 'warning', since: device.lastSeenAt, deviceId: device.id, deviceName: device.name, workCenterId: device.workCenterId,
    message: `Device ${device.name} at ${workCenterPath} is offline`,
  };
}

/**
 * The alerts to show: most severe first, then by kind, then the oldest first (the longest
 * overdue, the longest held, the longest silent), at most `max`.
 */
export function rankAlerts(alerts: readonly OverviewAlert[], max = MAX_ALERTS): OverviewAlert[] {
  const rank = (alert: OverviewAlert) => [ALERT_SEVERITIES.indexOf(alert.severity), OVERVIEW_ALERT_KINDS.indexOf(alert.kind)] as const;
  return [...alerts]
    .sort((a, b) => {
      const [severityA, kindA] = rank(a);
      const [severityB, kindB] = rank(b);
      return severityA - severityB || kindA - kindB || Date.parse(a.since ?? '') - Date.parse(b.since ?? '') || 0;
    })
    .slice(0, max);
}

/** How many alerts there are in all, per kind, and their sum: the list shows at most {@link MAX_ALERTS} of them. */
export interface AlertCounts {
  readonly total: number;
  readonly byKind: Readonly<Record<OverviewAlertKind, number>>;
}

/** The counts of each kind, summed. */
export function countAlerts(byKind: Readonly<Record<OverviewAlertKind, number>>): AlertCounts {
  const counts = Object.fromEntries(OVERVIEW_ALERT_KINDS.map((kind) => [kind, byKind[kind]])) as Record<OverviewAlertKind, number>;
  return { total: OVERVIEW_ALERT_KINDS.reduce((sum, kind) => sum + counts[kind], 0), byKind: counts };
}
