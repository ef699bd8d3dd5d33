/**
 * The overview in a real browser (Debian's chromium) against `forgeline serve`: a planner sees the
 * orders by state per work center, the throughput chart with the order completed in this shift,
 * and an overdue alert; an auditor sees the recent denials, which the planner's page does not show.
 * An admin first sets the plant's time zone in the admin pages: the overview's times follow it.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser } from '../support/browser.js';
import { startWebPlant, type WebPerson, type WebPlant, type WebSession } from './web-harness.js';

const SCREENSHOTS = 'test-results';
/** A zone unlike the browser's and without daylight saving, so the test reads the same on any day. */
const PLANT_ZONE = 'Asia/Kolkata';

describeWithBrowser('the web UI: the overview of orders, throughput, devices and alerts', () => {
  let plant: WebPlant;
  let planner: WebPerson;
  let auditor: WebPerson;
  const sessions: WebSession[] = [];
  const late = 'PO-OV-LATE';
  let lateDue = '';

  beforeAll(async () => {
    plant = await startWebPlant();
    planner = await plant.person('pia.planner', ['planner']);
    const approver = await plant.person('alan.approver', ['approver']);
    const operator = await plant.person('olga.operator', [{ role: 'operator', scope: 'wc-mill' }]);
    auditor = await plant.person('ada.auditor', ['auditor']);
    const create = async (number: string, workCenter: string, dueEnd: string) => {
      const created = await planner.api('POST', '/api/v1/orders', {
        number,
        item: { code: 'GEAR-12', revision: 'A' },
        quantity: { value: '25', unit: 'pcs' },
        dueWindow: { start: '2026-01-01T06:00:00Z', end: dueEnd },
        workCenterId: plant.nodes[workCenter]?.id,
        operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
        materials: [],
        parameters: { recipe: 'GEAR-12-MILL-v3', setpoints: [] },
        customerReference: null,
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      return created.json as { id: string; version: number };
    };
    const step = async (person: WebPerson, order: { id: string; version: number }, action: string, body: Record<string, unknown> = {}) => {
      const answer = await person.api('POST', `/api/v1/orders/${order.id}/${action}`, { version: order.version, ...body });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      return answer.json as { id: string; version: number };
    };
    const future = new Date(Date.now() + 7 * 86_400_000).toISOString();
    // One order completed now, in the current shift, with 25 good parts.
    let done = await create('PO-OV-DONE', 'wc-mill', future);
    done = await step(planner, done, 'submit');
    done = await step(approver, done, 'release', { password: approver.password, totp: await approver.authenticator?.nextCode() });
    done = await step(planner, done, 'dispatch');
    done = await step(operator, done, 'start');
    done = await step(operator, done, 'progress', { operationSeq: 10, good: '25' });
    await step(operator, done, 'complete');
    // A draft on the mill, and one on the lathe an hour past its due end.
    await create('PO-OV-DRAFT', 'wc-mill', future);
    lateDue = new Date(Date.now() - 3_600_000).toISOString();
    await create(late, 'wc-lathe', lateDue);
    // A refusal for the log to hold: planners may not read it.
    expect((await planner.api('GET', '/api/v1/audit/entries')).status).toBe(403);
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    for (const session of sessions) await session.context.close();
    await plant?.close();
  }, 60_000);

  it("lets an admin set the plant's time zone after a confirmation, showing the server's refusal of an unknown one", async () => {
    const session = await plant.signIn(plant.admin, '/admin/plant-time');
    sessions.push(session);
    const { page } = session;
    await page.getByRole('heading', { level: 1, name: 'Plant time' }).waitFor();
    await page.getByText('Time zone UTC; shifts start at 06:00, 14:00, 22:00 local time.', { exact: false }).waitFor();
    // A zone the server does not know: its refusal is shown, and nothing changes.
    await page.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Change plant time' }).click();
    await page.getByRole('button', { name: 'Yes, change the plant time' }).click();
    await page.getByRole('alert').filter({ hasText: '"Mars/Olympus_Mons" is not an IANA time zone this server knows' }).waitFor();
    await page.getByLabel('Time zone').fill(PLANT_ZONE);
    await page.getByRole('button', { name: 'Change plant time' }).click();
    await page.getByRole('button', { name: 'Yes, change the plant time' }).click();
    await page.getByRole('status').filter({ hasText: `Plant time is now ${PLANT_ZONE}, shifts starting at 06:00, 14:00, 22:00.` }).waitFor();
    expect((await plant.admin.api('GET', '/api/v1/plant/time')).json).toEqual({ timeZone: PLANT_ZONE, shifts: ['06:00', '14:00', '22:00'] });
    await page.screenshot({ path: `${SCREENSHOTS}/web-admin-plant-time.png`, fullPage: true });
  });

  it('shows a planner the orders by state per work center, this shift\'s throughput and an overdue alert', async () => {
    const session = await plant.signIn(planner, '/');
    sessions.push(session);
    const { page } = session;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).waitFor();
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(links.slice(0, 2)).toEqual(['Home', 'Overview']);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const table = page.getByRole('table', { name: 'Orders by state per work center' });
    // The page's first read is asynchronous: the counts are read once its rows are there.
    await table.getByRole('row', { name: /^Turning/ }).waitFor();
    const headers = await table.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['Work center', 'Draft', 'Submitted', 'Released', 'Dispatched', 'Running', 'Paused', 'Held', 'Completed', 'Closed', 'Cancelled', 'Total']);
    const cells = async (name: RegExp) => table.getByRole('row', { name }).getByRole('cell').allTextContents();
    // Milling: one draft and one completed; Turning: the late draft.
    expect(await cells(/^Milling/)).toEqual(['1', '0', '0', '0', '0', '0', '0', '1', '0', '0', '2']);
    expect(await cells(/^Turning/)).toEqual(['1', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1']);
    await table.getByRole('rowheader', { name: /acme\/berlin\/machining\/wc-mill/ }).waitFor();

    const chart = page.getByRole('img', { name: /^Completed orders per shift/ });
    await chart.waitFor();
    // Each shift is named by its start on the plant's clock.
    expect(await chart.getAttribute('aria-label')).toMatch(/, (06|14|22):00 \(current shift\): 1$/);
    await page.getByText(`Times are plant time, ${PLANT_ZONE}.`).waitFor();
    await page.getByText(`Shifts start at 06:00, 14:00, 22:00 plant time (${PLANT_ZONE})`, { exact: false }).waitFor();
    await page.getByText('Throughput as a table').click();
    const throughput = page.getByRole('table', { name: 'Throughput per shift' });
    expect(await throughput.getByRole('row').last().getByRole('cell').allTextContents()).toEqual(['8 h', '1', '25 pcs']);

    const alerts = page.getByRole('list', { name: 'Alerts' });
    const overdue = alerts.getByRole('listitem').filter({ hasText: late });
    await overdue.getByText('Critical').waitFor();
    await overdue.getByRole('link', { name: `Order ${late} at acme/berlin/machining/wc-lathe is past its due end and still draft` }).waitFor();
    await page.getByText('1 alert: 1 overdue.').waitFor();
    // The due end shows on the plant's clock, not the browser's (the browser's own formatter, so its locale does not matter).
    const dueText = await page.evaluate(([iso, zone]) => {
      const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
      return { plant: new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone }).format(new Date(iso)), browser: new Intl.DateTimeFormat(undefined, options).format(new Date(iso)) };
    }, [lateDue, PLANT_ZONE] as const);
    expect(dueText.plant).not.toBe(dueText.browser);
    await overdue.getByText(`Due ${dueText.plant}`).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Devices' }).waitFor();
    expect(await page.getByRole('heading', { level: 2, name: 'Recent denials' }).count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/web-overview.png`, fullPage: true });
  });

  it('shows an auditor the recent denials', async () => {
    const session = await plant.signIn(auditor, '/overview');
    sessions.push(session);
    const { page } = session;
    await page.getByRole('heading', { level: 2, name: 'Recent denials' }).waitFor();
    const row = page.getByRole('table', { name: 'Recent denials, newest first' }).getByRole('row').filter({ hasText: 'pia.planner' });
    await row.getByText('audit.read', { exact: true }).waitFor();
    await row.getByRole('cell', { name: 'no role of yours allows audit.read here' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/web-overview-auditor.png`, fullPage: true });
  });
});
