/**
 * The floor screens in a real browser (Debian's chromium) against `forgeline serve`: the
 * operator's work-center board on a tablet (start, progress with lots, complete, live updates
 * over server-sent events to a second tablet costing one request per change, a stream refused
 * for good left alone, the server's refusal of bad input), quality's hold
 * and its signed release, and logistics' material needs without any recipe.
 */
import { mkdir } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser } from '../support/browser.js';
import { startWebPlant, type WebPerson, type WebPlant, type WebSession } from './web-harness.js';

/** A shop-floor tablet held upright. */
const TABLET = { width: 800, height: 1280 };
const RECIPE = 'GEAR-12-MILL-v3';
const CUSTOMER = 'CUST-7781';
const SCREENSHOTS = 'test-results';

describeWithBrowser('the floor screens: operator board, quality and materials in a real browser', () => {
  let plant: WebPlant;
  let planner: WebPerson;
  let approver: WebPerson;
  let operator: WebPerson;
  let quality: WebPerson;
  let logistics: WebPerson;
  let signedOnce = false;
  const sessions: WebSession[] = [];
  let sequence = 0;

  beforeAll(async () => {
    plant = await startWebPlant();
    const item = await plant.admin.api('POST', '/api/v1/items', { code: 'STEEL-42', revision: 'A', description: 'Bar stock 42CrMo4', unit: 'kg' });
    expect(item.status).toBe(201);
    planner = await plant.person('pia.planner', ['planner']);
    approver = await plant.person('alan.approver', ['approver']);
    operator = await plant.person('olga.operator', [{ role: 'operator', scope: 'wc-mill' }]);
    quality = await plant.person('quinn.quality', ['quality']);
    logistics = await plant.person('lena.logistics', ['logistics']);
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    for (const session of sessions) await session.context.close();
    await plant?.close();
  }, 60_000);

  /** An order created and submitted by the planner, released by the approver with password and TOTP (then within the signing window), dispatched to wc-mill. */
  const dispatchedOrder = async (): Promise<{ id: string; number: string }> => {
    sequence += 1;
    const number = `PO-FLOOR-${sequence}`;
    const created = await planner.api('POST', '/api/v1/orders', {
      number,
      item: { code: 'GEAR-12', revision: 'A' },
      quantity: { value: '100', unit: 'pcs' },
      dueWindow: { start: '2026-12-01T06:00:00Z', end: `2026-12-0${sequence + 1}T18:00:00Z` },
      workCenterId: plant.nodes['wc-mill']?.id,
      operations: [{ seq: 10, code: 'SAW', description: 'Cut bar stock' }, { seq: 20, code: 'MILL', description: 'Mill teeth' }],
      materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true, operationSeq: 10 }],
      parameters: { recipe: RECIPE, setpoints: [{ name: 'spindle-rpm', value: '2400', unit: 'rpm' }] },
      customerReference: CUSTOMER,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    const submitted = await planner.api('POST', `/api/v1/orders/${id}/submit`, { version: created.json.version });
    expect(submitted.status).toBe(200);
    const totp = signedOnce ? {} : { totp: await approver.authenticator?.nextCode() };
    const released = await approver.api('POST', `/api/v1/orders/${id}/release`, { version: submitted.json.version, password: approver.password, ...totp });
    expect(released.status, JSON.stringify(released.json)).toBe(200);
    signedOnce = true;
    const dispatched = await planner.api('POST', `/api/v1/orders/${id}/dispatch`, { version: released.json.version });
    expect(dispatched.status, JSON.stringify(dispatched.json)).toBe(200);
    return { id, number };
  };

  const recoveryCodesUsed = new Map<string, number>();

  /** Signs `person` in on a tablet-sized browser profile of their own (a recovery code as the second factor, sparing the TOTP steps for signatures). */
  const signInOnTablet = async (person: WebPerson, path: string, prepare?: (page: Page) => Promise<void>): Promise<Page> => {
    const context = await plant.browser.newContext({ ignoreHTTPSErrors: true, viewport: TABLET });
    const page = await context.newPage();
    sessions.push({ context, page });
    await prepare?.(page);
    await page.goto(`${plant.url}${path}`);
    await page.getByLabel('Username').fill(person.username);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Each recovery code signs in once: a person signing in again takes the next.
    const used = recoveryCodesUsed.get(person.username) ?? 0;
    recoveryCodesUsed.set(person.username, used + 1);
    const recovery = person.authenticator?.recoveryCodes[used];
    if (recovery !== undefined) {
      await page.getByLabel('One-time code').fill(recovery);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  };

  const orderCard = (page: Page | Locator, number: string): Locator => page.getByRole('article', { name: number });
  const stored = async (id: string) => (await operator.api('GET', `/api/v1/orders/${id}`)).json;
  const liveOn = (page: Page) => page.getByRole('status').filter({ hasText: 'Live: changes show as they happen.' }).waitFor();

  /** The order API requests `page` makes from now on, as "GET /api/v1/orders?state=running&…" (the event stream left out). */
  const orderRequests = (page: Page): string[] => {
    const seen: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/v1/orders') && url.pathname !== '/api/v1/orders/events') seen.push(`${request.method()} ${url.pathname}${url.search}`);
    });
    return seen;
  };

  it('lets an operator on a tablet start an order, report progress with a lot and complete it, while a second tablet follows live', async () => {
    const order = await dispatchedOrder();
    const board = await signInOnTablet(operator, '/work-center');
    let secondRequests: string[] = [];
    const second = await signInOnTablet(operator, '/work-center', async (page) => {
      secondRequests = orderRequests(page);
    });
    for (const page of [board, second]) {
      await page.getByRole('heading', { level: 1, name: 'Work center Milling' }).waitFor();
      await orderCard(page, order.number).getByText('Ready to start').waitFor();
      await liveOn(page);
    }
    expect(await board.getByRole('link', { name: 'Work center' }).getAttribute('aria-current')).toBe('page');
    // Opening the board loads it once: one list per state it shows, then the order.
    expect(secondRequests.filter((request) => request.startsWith('GET /api/v1/orders?'))).toHaveLength(4);
    expect(secondRequests.filter((request) => request === `GET /api/v1/orders/${order.id}`)).toHaveLength(1);
    secondRequests.length = 0;

    const card = orderCard(board, order.number);
    await card.getByRole('button', { name: 'Start' }).click();
    await card.getByText('Running', { exact: true }).waitFor();
    // The other tablet hears the start over the event stream, without a reload, and fetches only that order.
    await orderCard(second, order.number).getByText('Running', { exact: true }).waitFor();
    expect(secondRequests).toEqual([`GET /api/v1/orders/${order.id}`]);

    // The setpoints the operator's role may see of an order on the floor; never the customer.
    await card.getByRole('button', { name: 'Show setpoints' }).click();
    await card.getByRole('row', { name: /spindle-rpm\s*2400 rpm/ }).waitFor();
    expect(await card.textContent()).toContain(RECIPE);
    expect(await board.content()).not.toContain(CUSTOMER);

    await card.getByRole('button', { name: 'Report progress' }).click();
    const form = board.getByRole('form', { name: `Report progress on ${order.number}` });
    expect(await form.getByLabel('Operation').inputValue()).toBe('20');
    await form.getByLabel('Good quantity').fill('40');
    await form.getByLabel('Scrap quantity').fill('2');
    await form.getByRole('button', { name: 'Add lot' }).click();
    await form.getByLabel('Lot 1 number').fill('LOT-7');
    await form.getByLabel('Lot 1 quantity').fill('5');
    await form.getByRole('button', { name: 'Send report' }).click();
    await form.getByRole('status').filter({ hasText: 'Reported 40 good and 2 scrap on operation 20.' }).waitFor();
    await card.getByRole('definition').filter({ hasText: '40 pcs' }).waitFor();
    await orderCard(second, order.number).getByRole('definition').filter({ hasText: '40 pcs' }).waitFor();
    const reported = await stored(order.id);
    expect(reported).toMatchObject({ state: 'running', goodQuantity: '40', scrapQuantity: '2' });
    expect(reported.progress).toEqual([expect.objectContaining({ operationSeq: 20, good: '40', scrap: '2', lots: [{ materialLine: 1, lot: 'LOT-7', quantity: '5' }] })]);
    await board.screenshot({ path: `${SCREENSHOTS}/web-floor-operator-board.png`, fullPage: true });

    // Bad input: the server's message is shown, and nothing changes.
    await form.getByLabel('Good quantity').fill('1');
    await form.getByLabel('Scrap quantity').fill('-1');
    await form.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/scrap: .*negative|scrap: .*decimal/i);
    await form.getByLabel('Scrap quantity').fill('0');
    await form.getByRole('button', { name: 'Add lot' }).click();
    await form.getByLabel('Lot 1 number').fill('LOT-8');
    await form.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/lots\.0\.quantity/);
    expect(await stored(order.id)).toMatchObject({ version: reported.version, goodQuantity: '40', scrapQuantity: '2', progress: [expect.objectContaining({ seq: 1 })] });
    expect((await stored(order.id)).progress).toHaveLength(1);
    await form.getByRole('button', { name: 'Close' }).click();

    await card.getByRole('button', { name: 'Complete' }).click();
    await board.getByRole('button', { name: 'Yes, complete' }).click();
    // Completed orders leave the board, on both tablets.
    await card.waitFor({ state: 'detached' });
    await orderCard(second, order.number).waitFor({ state: 'detached' });
    expect(await stored(order.id)).toMatchObject({ state: 'completed', goodQuantity: '40', scrapQuantity: '2' });
  }, 60_000);

  it('lets a quality inspector hold an order and release the hold with an electronic signature, which the board shows live', async () => {
    const order = await dispatchedOrder();
    const board = sessions[0]?.page;
    if (board === undefined) throw new Error('the operator board of the first test is not open');
    await orderCard(board, order.number).getByText('Ready to start').waitFor();

    const page = await signInOnTablet(quality, '/quality');
    await page.getByRole('heading', { level: 1, name: 'Quality' }).waitFor();
    const production = page.getByRole('list', { name: 'Orders in production' });
    await orderCard(production, order.number).getByRole('button', { name: 'Hold' }).click();
    await page.getByRole('form', { name: `Hold ${order.number}` }).getByLabel('Reason for the hold').fill('Surface cracks found on the first part');
    await page.getByRole('button', { name: 'Put on hold' }).click();
    const held = orderCard(page.getByRole('list', { name: 'Orders on hold' }), order.number);
    await held.getByText('On hold', { exact: true }).waitFor();
    expect(await stored(order.id)).toMatchObject({ state: 'held', heldFrom: 'dispatched' });
    await orderCard(board, order.number).getByText('Quality has put this order on hold').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/web-floor-quality.png`, fullPage: true });

    await held.getByRole('button', { name: 'Release hold' }).click();
    const dialog = page.getByRole('dialog', { name: `Release the hold on ${order.number}` });
    const { contentHash, version } = await stored(order.id);
    // The dialog shows exactly what is signed.
    expect(await dialog.textContent()).toContain(contentHash);
    expect(await dialog.getByLabel('Meaning of your signature').inputValue()).toBe('released from hold');
    await page.screenshot({ path: `${SCREENSHOTS}/web-floor-quality-signature.png` });
    await dialog.getByLabel('Your password').fill('not my password at all');
    await dialog.getByLabel('One-time code').fill('000000');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/password|signature/i);
    expect(await stored(order.id)).toMatchObject({ state: 'held', version });

    await dialog.getByLabel('Your password').fill(quality.password);
    await dialog.getByLabel('One-time code').fill((await quality.authenticator?.nextCode()) ?? '');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await dialog.waitFor({ state: 'detached' });
    await orderCard(page.getByRole('list', { name: 'Orders in production' }), order.number).getByText('Ready to start').waitFor();
    const released = await stored(order.id);
    expect(released).toMatchObject({ state: 'dispatched', heldFrom: null });
    expect(released.signatures).toContainEqual(expect.objectContaining({ action: 'unhold', meaning: 'released from hold', signer: quality.username, contentHash }));
    await orderCard(board, order.number).getByText('Ready to start').waitFor();
  }, 60_000);

  it('stops asking for live updates the server refuses for good, says so, and still shows the board once', async () => {
    const streams: string[] = [];
    let requests: string[] = [];
    const page = await signInOnTablet(operator, '/work-center', async (tablet) => {
      requests = orderRequests(tablet);
      // As the server answers an operator whose role here was taken away while the page was open.
      await tablet.route('**/api/v1/orders/events?*', async (route) => {
        streams.push(route.request().resourceType());
        await route.fulfill({ status: 403, contentType: 'application/problem+json', body: JSON.stringify({ status: 403, code: 'forbidden', title: 'You may not do this' }) });
      });
    });
    await page.getByRole('status').filter({ hasText: 'Live updates are refused: You may not do this.' }).waitFor();
    await orderCard(page, 'PO-FLOOR-2').waitFor();
    // The stream and the one look at its status, then nothing more, even after the retry delay.
    await page.waitForTimeout(6_000);
    expect(streams).toEqual(['eventsource', 'fetch']);
    expect(requests.filter((request) => request.startsWith('GET /api/v1/orders?'))).toHaveLength(4);
  }, 60_000);

  it('shows logistics the material needs and completions without any recipe, setpoint or customer', async () => {
    const page = await signInOnTablet(logistics, '/materials');
    await page.getByRole('heading', { level: 1, name: 'Materials' }).waitFor();
    expect(await page.getByRole('link', { name: 'Materials' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('link', { name: 'Work center' }).count()).toBe(0);
    const totals = page.getByRole('table', { name: 'Total per item' });
    await totals.getByRole('row', { name: /STEEL-42\s*12\.5 kg/ }).waitFor();
    await page.getByRole('table', { name: 'Per order' }).getByRole('row', { name: /PO-FLOOR-2/ }).waitFor();
    await page.getByRole('table', { name: 'Completed orders' }).getByRole('row', { name: /PO-FLOOR-1.*40 pcs.*2 pcs/ }).waitFor();
    const html = await page.content();
    for (const secret of [RECIPE, 'spindle-rpm', CUSTOMER]) expect(html).not.toContain(secret);
    await page.screenshot({ path: `${SCREENSHOTS}/web-floor-materials.png`, fullPage: true });
    // The API gives logistics no recipe either.
    const orders = (await logistics.api('GET', '/api/v1/orders?state=completed')).json.items as { id: string }[];
    const detail = await logistics.api('GET', `/api/v1/orders/${orders[0]?.id}?include=confidential`);
    expect(detail.status).toBe(403);
  }, 60_000);
  it('reads the quality and materials pages again every 30 s while they are visible, so others\' changes show without a click', async () => {
    const materials = await signInOnTablet(logistics, '/materials', (page) => page.clock.install());
    const inspector = await signInOnTablet(quality, '/quality', (page) => page.clock.install());
    await materials.getByRole('table', { name: 'Per order' }).waitFor();
    await inspector.getByRole('list', { name: 'Orders in production' }).waitFor();
    const order = await dispatchedOrder();
    expect(await materials.getByRole('table', { name: 'Per order' }).getByRole('row', { name: new RegExp(order.number) }).count()).toBe(0);
    expect(await orderCard(inspector.getByRole('list', { name: 'Orders in production' }), order.number).count()).toBe(0);
    await materials.clock.fastForward(30_000);
    await inspector.clock.fastForward(30_000);
    await materials.getByRole('table', { name: 'Per order' }).getByRole('row', { name: new RegExp(order.number) }).waitFor();
    await orderCard(inspector.getByRole('list', { name: 'Orders in production' }), order.number).waitFor();
  }, 60_000);
});
