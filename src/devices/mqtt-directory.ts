/**
 * What the MQTT bridge reads from the database: the device behind a report topic (active, with a
 * current certificate), a work center's orders topic, and the orders dispatched and not yet
 * started, with their release JWS. Read-only; the bridge writes only through the report service
 * and the audit trail.
 */
import type { Clock } from '../audit/index.js';
import type { Store } from '../store/index.js';
import type { AuthenticatedDevice } from './device-certificates.js';
import { ordersTopic, reportsTopic, workCenterPlace, type TopicPlantNode } from './mqtt-topics.js';
import type { OrderMessage } from './mqtt-message.js';

/** A device that may report over MQTT, with the one topic its reports may arrive on. */
export interface MqttReportingDevice {
  readonly device: AuthenticatedDevice;
  readonly reportsTopic: string;
}

/** An order to publish, with the work center whose topic it goes to. */
export interface RoutedOrder extends OrderMessage {
  readonly workCenterId: string;
}

/** The bridge's view of the registry and the orders; swapped for a fake in tests. */
export interface MqttDirectory {
  /** The device named by a report topic, or undefined when it is unknown, revoked, or has no current certificate. */
  device(deviceId: string): Promise<MqttReportingDevice | undefined>;
  /** The orders topic of a work center; throws when its codes cannot be topic levels. */
  ordersTopic(workCenterId: string): Promise<string>;
  /** Every order in state dispatched at its current revision, with its JWS, that no device of its work center accepted or refused yet. */
  dispatchedOrders(): Promise<readonly RoutedOrder[]>;
  /** One order if it is still dispatched at `revision`; undefined when it moved on. */
  dispatchedOrder(orderId: string, revision: number): Promise<RoutedOrder | undefined>;
}

/** {@link MqttDirectory} over the store; a dispatched order counts as pending the way the HTTPS order feed counts it. */
export class StoreMqttDirectory implements MqttDirectory {
  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {}

  async device(deviceId: string): Promise<MqttReportingDevice | undefined> {
    const now = this.deps.clock.now().toISOString();
    // The newest current certificate: the broker accepted one of them (it checks the CRL), and a
    // renewed device uses the newest key; the report service checks the signature against it.
    const row = await this.deps.store.db.selectFrom('devices')
      .innerJoin('device_certificates', 'device_certificates.device_id', 'devices.id')
      .select(['devices.id', 'devices.name', 'devices.kind', 'devices.work_center_id', 'device_certificates.serial', 'device_certificates.not_after'])
      .where('devices.id', '=', deviceId)
      .where('devices.status', '=', 'active')
      .where('device_certificates.revoked_at', 'is', null)
      .where('device_certificates.not_before', '<=', now)
      .where('device_certificates.not_after', '>', now)
      .orderBy('device_certificates.not_after', 'desc')
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const place = workCenterPlace(row.work_center_id, await this.#nodes(row.work_center_id));
    return {
      device: { deviceId: row.id, name: row.name, kind: row.kind, workCenterId: row.work_center_id, serial: row.serial, notAfter: row.not_after },
      reportsTopic: reportsTopic(place, row.id),
    };
  }

  async ordersTopic(workCenterId: string): Promise<string> {
    return ordersTopic(workCenterPlace(workCenterId, await this.#nodes(workCenterId)));
  }

  dispatchedOrders(): Promise<readonly RoutedOrder[]> {
    return this.#dispatched();
  }

  async dispatchedOrder(orderId: string, revision: number): Promise<RoutedOrder | undefined> {
    const [order] = await this.#dispatched(orderId);
    return order?.revision === revision ? order : undefined;
  }

  async #dispatched(orderId?: string): Promise<RoutedOrder[]> {
    let query = this.deps.store.db.selectFrom('orders')
      .innerJoin('order_jws', (join) => join.onRef('order_jws.order_id', '=', 'orders.id').onRef('order_jws.revision', '=', 'orders.revision'))
      .select(['orders.id', 'orders.revision', 'orders.number', 'orders.work_center_id', 'order_jws.jws'])
      .where('orders.state', '=', 'dispatched')
      // Accepted or refused by a device of the work center (as the HTTPS feed counts it): it reached them.
      .where((eb) => eb.not(eb.exists(eb.selectFrom('device_reports').select('device_reports.kind')
        .whereRef('device_reports.order_id', '=', 'orders.id')
        .whereRef('device_reports.revision', '=', 'orders.revision')
        .whereRef('device_reports.work_center_id', '=', 'orders.work_center_id')
        .where('device_reports.kind', 'in', ['accepted', 'refused']))));
    if (orderId !== undefined) query = query.where('orders.id', '=', orderId);
    const rows = await query.orderBy('orders.updated_at').orderBy('orders.id').execute();
    return rows.map((row) => ({ orderId: row.id, revision: Number(row.revision), number: row.number, workCenterId: row.work_center_id, jws: row.jws }));
  }

  /** The work center and its ancestors, as topics need them. */
  async #nodes(workCenterId: string): Promise<Map<string, TopicPlantNode>> {
    const workCenter = await this.deps.store.db.selectFrom('plant_nodes').select(['path']).where('id', '=', workCenterId).executeTakeFirst();
    const ids = (workCenter?.path ?? '').split('/').filter(Boolean);
    if (ids.length === 0) return new Map();
    const rows = await this.deps.store.db.selectFrom('plant_nodes').select(['id', 'kind', 'code', 'path']).where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, { ...row, path: row.path.split('/').filter(Boolean) }]));
  }
}
