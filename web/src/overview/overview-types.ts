/** The overview as `GET /api/v1/overview` answers it (src/server/overview-routes.ts). */
import type { OrderState } from '../orders/order-types';

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
  readonly start: string;
  readonly end: string;
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

/** The whole overview. */
export interface Overview {
  readonly generatedAt: string;
  readonly ordersByWorkCenter: readonly WorkCenterCounts[];
  readonly shiftBoundariesUtc: readonly string[];
  readonly throughput: readonly ShiftThroughput[];
  readonly devices: DeviceCounts;
  /** Null unless the caller may read the audit log. */
  readonly recentDenials: readonly RecentDenial[] | null;
  readonly alerts: readonly OverviewAlert[];
}
