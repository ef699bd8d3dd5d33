import { z } from 'zod';
import { can, type Actor } from '../access/index.js';
import type { Clock } from '../audit/index.js';
import { addDecimals, ORDER_STATES, parseOrThrow, type OrderState } from '../domain/index.js';
import { catchUpAuditLookup, type Store } from '../store/index.js';
import { countAlerts, deviceOfflineAlert, heldAlert, MAX_ALERTS, overdueAlert, rankAlerts, type AlertCounts, type AlertOrder, type OverviewAlert } from './overview-alerts.js';
import { lastShifts, shiftIndexOf, type ShiftPattern, type ShiftWindow } from './overview-shifts.js';
import { orderReadScope, scopeCovers } from './order-read-scope.js';
import { dueInstant } from './order-queries.js';
import { pathIds } from './order-rows.js';

/** The overview takes no parameters: what it shows follows from the caller's roles alone. */
export const overviewQuerySchema = z.strictObject({});

/** A device counts as online when its client certificate was last accepted this recently. */
export const ONLINE_WITHIN_SECONDS = 120;

/** How many recent denials the overview lists. */
export const RECENT_DENIALS = 10;

/** The states an order can no longer be late in. */
const FINISHED: readonly OrderState[] = ['completed', 'closed', 'cancelled'];

/** The orders of one work center, counted by state. */
export interface WorkCenterCounts {
  readonly workCenterId: string;
  /** The codes from the enterprise down, `acme/berlin/machining/wc-mill`. */
  readonly path: string;
  readonly name: string;
  readonly counts: Readonly<Record<OrderState, number>>;
}

/** One shift of the throughput chart: orders completed in it and their good quantity per unit (exact decimal strings). */
export interface ShiftThroughput extends ShiftWindow {
  readonly completedOrders: number;
  readonly goodQuantityByUnit: Readonly<Record<string, string>>;
}

/** The devices of the work centers in scope, by where they stand. */
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

/** The overview of the plant as the caller may see it. */
export interface Overview {
  readonly generatedAt: string;
  readonly ordersByWorkCenter: readonly WorkCenterCounts[];
  /** The plant's IANA time zone, which the shifts' local names and the web's dates follow. */
  readonly timeZone: string;
  /** Where the plant's shifts start, local time, earliest first. */
  readonly shiftStarts: readonly string[];
  readonly throughput: readonly ShiftThroughput[];
  readonly devices: DeviceCounts;
  /** Null for a caller who may not read the audit log. */
  readonly recentDenials: readonly RecentDenial[] | null;
  /** The most urgent alerts, at most {@link MAX_ALERTS}. */
  readonly alerts: readonly OverviewAlert[];
  /** How many alerts there are in all, per kind: `alerts` shows only the first of them. */
  readonly alertCounts: AlertCounts;
}

/** A plant work center with its code path. */
interface WorkCenter {
  readonly id: string;
  readonly name: string;
  readonly path: string;
}

/** The reason of a denial as a short line: its detail's `reason`, else its `code`. */
function shortReason(detail: string): string | null {
  const parsed = JSON.parse(detail) as Record<string, unknown>;
  const reason = typeof parsed.reason === 'string' ? parsed.reason : typeof parsed.code === 'string' ? parsed.code : null;
  return reason === null || reason.length <= 160 ? reason : `${reason.slice(0, 159)}…`;
}

function zeroCounts(): Record<OrderState, number> {
  return Object.fromEntries(ORDER_STATES.map((state) => [state, 0])) as Record<OrderState, number>;
}

/**
 * The overview of issue 7 (orders by state per work center, throughput over the last shifts,
 * devices online, recent denials and alerts), within the caller's order-reading scope: the same
 * scope the order list applies, put into each query as the list of work centers it covers.
 */
export class OrderOverview {
  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock; readonly plantTime: { current(): Promise<ShiftPattern> } }) {}

  /** The overview for `actor`; `input` must be empty (no query parameters). */
  async overview(actor: Actor, input: unknown = {}): Promise<Overview> {
    parseOrThrow(overviewQuerySchema, input, 'overview query');
    const scope = await orderReadScope(this.deps.store, actor);
    const now = this.deps.clock.now();
    const pattern = await this.deps.plantTime.current();
    const workCenters = (await this.workCenters()).filter((center) => scopeCovers(scope, center.id, pathIds(center.idPath)[1]));
    const ids = workCenters.map((center) => center.id);
    const pathOf = new Map(workCenters.map((center) => [center.id, center.path]));
    const mayReadAudit = can(actor.subject, 'audit.read', { kind: 'system' }).allowed;
    if (mayReadAudit || ids.length > 0) await catchUpAuditLookup(this.deps.store);
    const [ordersByWorkCenter, throughput, devices, orderAlerts, recentDenials] = await Promise.all([
      this.countsByWorkCenter(workCenters),
      this.throughput(ids, now, pattern),
      this.devices(ids, now, pathOf),
      this.orderAlerts(ids, now, pathOf),
      mayReadAudit ? this.recentDenials() : Promise.resolve(null),
    ]);
    return {
      generatedAt: now.toISOString(),
      ordersByWorkCenter,
      timeZone: pattern.timeZone,
      shiftStarts: [...pattern.shifts],
      throughput,
      devices: devices.counts,
      recentDenials,
      alerts: rankAlerts([...orderAlerts.alerts, ...devices.alerts]),
      alertCounts: countAlerts({ overdue: orderAlerts.overdue, held: orderAlerts.held, 'device-offline': devices.alerts.length }),
    };
  }

  /** Every work center with its code path and the ids on its path (the plant is a small table). */
  private async workCenters(): Promise<(WorkCenter & { readonly idPath: string })[]> {
    const nodes = await this.deps.store.db.selectFrom('plant_nodes').select(['id', 'kind', 'code', 'name', 'path']).execute();
    const codeOf = new Map(nodes.map((node) => [node.id, node.code]));
    return nodes
      .filter((node) => node.kind === 'work-center')
      .map((node) => ({ id: node.id, name: node.name, idPath: node.path, path: pathIds(node.path).map((id) => codeOf.get(id) ?? id).join('/') }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** One grouped query over the orders of the work centers in scope; a work center without orders shows zeros. */
  private async countsByWorkCenter(workCenters: readonly WorkCenter[]): Promise<WorkCenterCounts[]> {
    if (workCenters.length === 0) return [];
    const rows = await this.deps.store.db
      .selectFrom('orders')
      .select((eb) => ['work_center_id', 'state', eb.fn.countAll().as('count')])
      .where('work_center_id', 'in', workCenters.map((center) => center.id))
      .groupBy(['work_center_id', 'state'])
      .execute();
    const counts = new Map(workCenters.map((center) => [center.id, zeroCounts()]));
    for (const row of rows) {
      const of = counts.get(row.work_center_id);
      if (of !== undefined && (ORDER_STATES as readonly string[]).includes(row.state)) of[row.state as OrderState] = Number(row.count);
    }
    return workCenters.map((center) => ({ workCenterId: center.id, path: center.path, name: center.name, counts: counts.get(center.id) ?? zeroCounts() }));
  }

  /**
   * Orders completed per shift, with their good quantity. When an order completed is taken from the
   * audit log (its `order.complete` entry), the system of record; the quantity from the order, which
   * no progress report changes after completion.
   */
  private async throughput(workCenterIds: readonly string[], now: Date, pattern: ShiftPattern): Promise<ShiftThroughput[]> {
    const shifts = lastShifts(now, pattern);
    const totals = shifts.map(() => ({ orders: new Set<string>(), quantities: new Map<string, string>() }));
    const first = shifts[0];
    if (workCenterIds.length > 0 && first !== undefined) {
      const rows = await this.deps.store.db
        .selectFrom('audit_lookup as l')
        .innerJoin('audit_entries as e', 'e.idx', 'l.idx')
        .innerJoin('orders as o', 'o.id', 'e.order_id')
        .select(['e.at', 'o.id', 'o.good_quantity', 'o.unit'])
        .where('l.kind', '=', 'order.complete').where('e.kind', '=', 'order.complete')
        .where('l.outcome', '=', 'ok').where('e.outcome', '=', 'ok')
        .where('l.at', '>=', first.start)
        .where('o.work_center_id', 'in', [...workCenterIds])
        .execute();
      for (const row of rows) {
        const total = totals[shiftIndexOf(shifts, row.at)];
        if (total === undefined || total.orders.has(row.id)) continue;
        total.orders.add(row.id);
        total.quantities.set(row.unit, addDecimals(total.quantities.get(row.unit) ?? '0', row.good_quantity));
      }
    }
    return shifts.map((shift, index) => {
      const total = totals[index];
      return {
        ...shift, completedOrders: total?.orders.size ?? 0,
        goodQuantityByUnit: Object.fromEntries([...(total?.quantities ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))),
      };
    });
  }

  /** The devices of the work centers in scope counted, and an alert for each active one silent past the window. */
  private async devices(workCenterIds: readonly string[], now: Date, pathOf: ReadonlyMap<string, string>): Promise<{ counts: DeviceCounts; alerts: OverviewAlert[] }> {
    const counts = { total: 0, online: 0, offline: 0, revoked: 0, onlineWithinSeconds: ONLINE_WITHIN_SECONDS };
    if (workCenterIds.length === 0) return { counts, alerts: [] };
    const rows = await this.deps.store.db
      .selectFrom('devices')
      .select(['id', 'name', 'work_center_id', 'status', 'last_seen_at'])
      .where('work_center_id', 'in', [...workCenterIds])
      .execute();
    const alerts: OverviewAlert[] = [];
    const cutoff = now.getTime() - ONLINE_WITHIN_SECONDS * 1000;
    for (const row of rows) {
      counts.total += 1;
      if (row.status === 'revoked') counts.revoked += 1;
      else if (row.last_seen_at !== null && Date.parse(row.last_seen_at) >= cutoff) counts.online += 1;
      else {
        counts.offline += 1;
        // A device never seen has not gone silent: it has not been set up yet.
        if (row.last_seen_at !== null) {
          alerts.push(deviceOfflineAlert({ id: row.id, name: row.name, workCenterId: row.work_center_id, lastSeenAt: row.last_seen_at }, pathOf.get(row.work_center_id) ?? ''));
        }
      }
    }
    return { counts, alerts };
  }

  /**
   * Orders past their due end and not finished, and orders on quality hold: at most as many of each
   * as are ever shown, and how many there are of each in all (a count from the same conditions).
   */
  private async orderAlerts(workCenterIds: readonly string[], now: Date, pathOf: ReadonlyMap<string, string>): Promise<{ alerts: OverviewAlert[]; overdue: number; held: number }> {
    if (workCenterIds.length === 0) return { alerts: [], overdue: 0, held: 0 };
    const db = this.deps.store.db;
    const columns = ['id', 'number', 'work_center_id', 'state', 'due_end', 'updated_at'] as const;
    const overdueOrders = () => db.selectFrom('orders').where('work_center_id', 'in', [...workCenterIds])
      .where('due_end', '<', dueInstant(now.toISOString())).where('state', 'not in', [...FINISHED]);
    const heldOrders = () => db.selectFrom('orders').where('work_center_id', 'in', [...workCenterIds]).where('state', '=', 'held');
    const [overdue, held, overdueCount, heldCount] = await Promise.all([
      overdueOrders().select(columns).orderBy('due_end').orderBy('id').limit(MAX_ALERTS).execute(),
      heldOrders().select(columns).orderBy('updated_at').orderBy('id').limit(MAX_ALERTS).execute(),
      overdueOrders().select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      heldOrders().select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
    ]);
    const alertOrder = (row: (typeof overdue)[number]): AlertOrder => ({
      id: row.id, number: row.number, workCenterId: row.work_center_id, state: row.state, dueEnd: row.due_end, updatedAt: row.updated_at,
    });
    return {
      alerts: [
        ...overdue.map((row) => overdueAlert(alertOrder(row), pathOf.get(row.work_center_id) ?? '')),
        ...held.map((row) => heldAlert(alertOrder(row), pathOf.get(row.work_center_id) ?? '')),
      ],
      overdue: Number(overdueCount.count),
      held: Number(heldCount.count),
    };
  }

  /** The newest refused attempts in the audit log, newest first. */
  private async recentDenials(): Promise<RecentDenial[]> {
    const rows = await this.deps.store.db
      .selectFrom('audit_lookup as l')
      .innerJoin('audit_entries as e', 'e.idx', 'l.idx')
      .select(['e.idx', 'e.kind', 'e.at', 'e.actor', 'e.order_id', 'e.detail'])
      .where('l.outcome', '=', 'denied').where('e.outcome', '=', 'denied')
      .orderBy('l.idx', 'desc')
      .limit(RECENT_DENIALS)
      .execute();
    return rows.map((row) => ({ index: Number(row.idx), kind: row.kind, at: row.at, actor: row.actor, orderId: row.order_id, reason: shortReason(row.detail) }));
  }
}
