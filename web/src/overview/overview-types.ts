/** The overview as `GET /api/v1/overview` answers it (src/server/overview-routes.ts). */
import type { OrderState } from '../orders/order-types.js';

/** The orders of one work center counted by state. */
export interface WorkCenterCounts {
  readonly workCenterId: string;
  /** Plant codes from the enterprise down, `acme/berlin/machining/wc-mill`. */
  readonly path: string;
  readonly name: string;
  readonly counts: Readonly<Record<OrderState, number>>;
}

/** One shift of throughput: orders completed in it and their good quantity per unit (exact decimal strings). */
export interface ShiftThroughput {
  /** UTC bounds, start inclusive, end exclusive. */
  readonly start: string;
  readonly end: string;
  /** The shift's name: its start in the plant's pattern (`22:00`). */
  readonly label: string;
  /** Its bounds on the plant's clock (`2026-10-24T22:00`). */
  readonly localStart: string;
  readonly localEnd: string;
  readonly completedOrders: number;
  readonly goodQuantityByUnit: Readonly<Record<string, string>>;
}

/** The devices in the caller's scope by where they stand. */
export interface DeviceCounts {
  readonly total: number;
  readonly online: number;
  readonly offline: number;
  readonly revoked: number;
  readonly onlineWithinSeconds: number;
}

/** A refused attempt from the audit log, in short. */
export interface RecentDenial {
  readonly index: number;
  readonly kind: string;
  readonly at: string;
  readonly actor: string;
  readonly orderId: string | null;
  readonly reason: string | null;
}

/** An alert derived from the running system. */
export interface OverviewAlert {
  readonly kind: 'overdue' | 'held' | 'device-offline';
  readonly severity: 'critical' | 'warning';
  readonly message: string;
  readonly since: string | null;
  readonly orderId?: string;
  readonly orderNumber?: string;
  readonly workCenterId?: string;
  readonly deviceId?: string;
  readonly deviceName?: string;
}

/** How many alerts there are in all, per kind: the list shows only the most urgent. */
export interface AlertCounts {
  readonly total: number;
  readonly byKind: Readonly<Record<OverviewAlert['kind'], number>>;
}

/** The whole overview. */
export interface Overview {
  readonly generatedAt: string;
  readonly ordersByWorkCenter: readonly WorkCenterCounts[];
  /** The plant's IANA time zone: the shifts' local names and this page's times. */
  readonly timeZone: string;
  /** Where the shifts start, local time. */
  readonly shiftStarts: readonly string[];
  readonly throughput: readonly ShiftThroughput[];
  readonly devices: DeviceCounts;
  /** Null unless the caller may read the audit log. */
  readonly recentDenials: readonly RecentDenial[] | null;
  readonly alerts: readonly OverviewAlert[];
  readonly alertCounts: AlertCounts;
}
