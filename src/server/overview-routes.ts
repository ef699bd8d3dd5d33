import { OrderOverview, overviewQuerySchema, shiftBoundariesUtc, type Overview, type OverviewAlert } from '../orders/index.js';
import type { RouteSpec } from './route.js';
import type { Services } from './services.js';

/** An alert as it leaves: the fields named, the optional ones only when set. */
function presentAlert(alert: OverviewAlert) {
  return {
    kind: alert.kind, severity: alert.severity, message: alert.message, since: alert.since,
    ...(alert.orderId !== undefined ? { orderId: alert.orderId, orderNumber: alert.orderNumber } : {}),
    ...(alert.workCenterId !== undefined ? { workCenterId: alert.workCenterId } : {}),
    ...(alert.deviceId !== undefined ? { deviceId: alert.deviceId, deviceName: alert.deviceName } : {}),
  };
}

/** The overview as it leaves: every field listed, nothing else goes. */
function presentOverview(overview: Overview) {
  return {
    generatedAt: overview.generatedAt,
    ordersByWorkCenter: overview.ordersByWorkCenter.map((center) => ({ workCenterId: center.workCenterId, path: center.path, name: center.name, counts: { ...center.counts } })),
    timeZone: overview.timeZone,
    shiftStarts: [...overview.shiftStarts],
    // Deprecated, kept so clients of before the plant's time setting go on working (add freely, rename none).
    shiftBoundariesUtc: shiftBoundariesUtc(overview.throughput, overview.shiftStarts.length),
    throughput: overview.throughput.map((shift) => ({
      start: shift.start, end: shift.end, label: shift.label, localStart: shift.localStart, localEnd: shift.localEnd,
      completedOrders: shift.completedOrders, goodQuantityByUnit: { ...shift.goodQuantityByUnit },
    })),
    devices: { ...overview.devices },
    recentDenials: overview.recentDenials?.map((denial) => ({
      index: denial.index, kind: denial.kind, at: denial.at, actor: denial.actor, orderId: denial.orderId, reason: denial.reason,
    })) ?? null,
    alerts: overview.alerts.map(presentAlert),
    alertCounts: { total: overview.alertCounts.total, byKind: { ...overview.alertCounts.byKind } },
  };
}

/** The overview (issue 7 point 9): what a supervisor, planner, admin or auditor sees first. */
export function overviewRoutes(services: Services): RouteSpec[] {
  const overview = new OrderOverview(services);
  return [
    {
      method: 'GET', url: '/api/v1/overview', tag: 'overview', authenticated: true, query: overviewQuerySchema,
      summary: "Orders by state per work center, throughput over the last six shifts (the plant's time zone and shift starts, each shift with its local name and UTC bounds; shiftBoundariesUtc, deprecated, the UTC times of day the latest shifts started), devices online, recent denials (audit readers), the 20 most urgent alerts and how many there are per kind, within your scope",
      handler: async ({ actor, query }) => presentOverview(await overview.overview(actor, query)),
    },
  ];
}
