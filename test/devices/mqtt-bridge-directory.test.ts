/** What the MQTT bridge reads from the registry and the orders, on both engines. */
import { randomUUID } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { StoreMqttDirectory } from '../../src/devices/index.js';
import { describeEachEngine } from '../support/engines.js';
import { createWorld, SETUP_ADMIN, type TestWorld } from '../support/factories.js';
import { dispatchedOrder, enrolDevice, orderCrew, releasedOrder, signedReport, type EnrolledDevice, type OrderCrew } from './device-channel-kit.js';

describeEachEngine('the MQTT bridge\'s directory', (engine) => {
  let world: TestWorld;
  let crew: OrderCrew;
  let mill: EnrolledDevice;
  let press: EnrolledDevice;
  let directory: StoreMqttDirectory;

  beforeEach(async () => {
    world = await createWorld(engine.store());
    crew = await orderCrew(world);
    mill = await enrolDevice(world, world.services);
    press = await enrolDevice(world, world.services, 'wc-press');
    directory = new StoreMqttDirectory({ store: engine.store(), clock: world.clock });
  });

  it('lists the dispatched orders with their JWS and work center until a device of the work center accepted or refused them', async () => {
    const forMill = await dispatchedOrder(world, crew);
    const forPress = await dispatchedOrder(world, crew, 'wc-press');
    const onlyReleased = await releasedOrder(world, crew);
    const jws = async (orderId: string) => (await engine.store().db.selectFrom('order_jws').select(['jws', 'jti']).where('order_id', '=', orderId).executeTakeFirstOrThrow());
    expect([...(await directory.dispatchedOrders())].sort((a, b) => a.number.localeCompare(b.number))).toEqual([
      { orderId: forMill.id, revision: forMill.revision, number: forMill.number, workCenterId: mill.workCenterId, jws: (await jws(forMill.id)).jws },
      { orderId: forPress.id, revision: forPress.revision, number: forPress.number, workCenterId: press.workCenterId, jws: (await jws(forPress.id)).jws },
    ].sort((a, b) => a.number.localeCompare(b.number)));
    expect(await directory.dispatchedOrder(forMill.id, forMill.revision)).toMatchObject({ orderId: forMill.id });
    expect(await directory.dispatchedOrder(forMill.id, forMill.revision + 1)).toBeUndefined();
    expect(await directory.dispatchedOrder(onlyReleased.id, onlyReleased.revision)).toBeUndefined();

    await world.services.reports.receive(mill.authenticated, signedReport(mill, forMill.id, 'accepted', { revision: forMill.revision, jti: (await jws(forMill.id)).jti }), 'mqtt', null);
    expect((await directory.dispatchedOrders()).map((order) => order.orderId)).toEqual([forPress.id]);
    expect(await directory.dispatchedOrder(forMill.id, forMill.revision)).toBeUndefined();
  });

  it('names the device behind a report topic only while it is active with a current certificate', async () => {
    expect(await directory.device(mill.id)).toEqual({
      device: { deviceId: mill.id, name: expect.any(String), kind: 'edge-agent', workCenterId: mill.workCenterId, serial: mill.authenticated.serial, notAfter: mill.authenticated.notAfter },
      reportsTopic: `forgeline/berlin/machining/wc-mill/reports/${mill.id}`,
    });
    expect(await directory.ordersTopic(press.workCenterId)).toBe('forgeline/lyon/assembly/wc-press/orders');
    expect(await directory.device(randomUUID())).toBeUndefined();
    await world.services.devices.revokeDevice(SETUP_ADMIN, mill.id, { reason: 'stolen', reasonCode: 'keyCompromise' });
    expect(await directory.device(mill.id)).toBeUndefined();
    expect(await directory.device(press.id)).toBeDefined();
    world.clock.advance(31 * 86_400_000);
    expect(await directory.device(press.id)).toBeUndefined();
  });
});
