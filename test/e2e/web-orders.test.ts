/**
 * The planner's and approver's screens in a real browser (Debian's chromium) against the real
 * server: a draft created with an operation and a material, edited, submitted, found in the
 * filtered list, its revisions compared; then an approver reviews it, signs its release in the
 * electronic-signature dialog that shows the content hash, and holds it with a reason; a planner
 * cancels another, submitted, order with a reason.
 */
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser } from '../support/browser.js';
import { startWebPlant, type WebPerson, type WebPlant } from './web-harness.js';

const NUMBER = 'PO-WEB-1';

describeWithBrowser('the web UI: planner and approver work with orders in a real browser', () => {
  let plant: WebPlant;
  let planner: WebPerson;
  let approver: WebPerson;
  let page: Page;
  let orderId: string;

  beforeAll(async () => {
    plant = await startWebPlant();
    const material = await plant.admin.api('POST', '/api/v1/items', { code: 'STEEL-42', revision: 'A', description: 'Bar stock 42CrMo4', unit: 'kg' });
    expect(material.status).toBe(201);
    planner = await plant.person('paula.planner', ['planner']);
    // Approving and holding (quality) in one person: the release is signed by someone who did not write the order.
    approver = await plant.person('anna.approver', ['approver', 'quality']);
    await mkdir('test-results', { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await plant?.close();
  }, 60_000);

  const order = async () => (await planner.api('GET', `/api/v1/orders/${orderId}?include=confidential`)).json;

  /** The content of a small draft, as POST /api/v1/orders takes it with a number. */
  const draftContent = () => ({
    item: { code: 'GEAR-12', revision: 'A' }, quantity: { value: '50', unit: 'pcs' },
    dueWindow: { start: '2026-12-05T06:00:00.000Z', end: '2026-12-06T18:00:00.000Z' }, priority: 'normal', workCenterId: plant.nodes['wc-mill']?.id,
    operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }], materials: [], notes: null,
  });

  it('lets a planner create a draft with an operation and a material, refuse a bad quantity with the server\'s message, keep the edit through a lost session, save and submit it', async () => {
    const session = await plant.signIn(planner, '/orders');
    page = session.page;
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New order' }).click();
    const header = page.getByRole('region', { name: 'Header' });
    await header.getByLabel('Order number').fill(NUMBER);
    await header.getByLabel('Item code').fill('GEAR-12');
    await header.getByLabel('Item revision').fill('A');
    await header.getByLabel('Quantity').fill('120');
    await header.getByLabel('Unit').fill('pcs');
    await header.getByLabel('Due from').fill('2026-12-01T06:00');
    await header.getByLabel('Due by').fill('2026-12-03T18:00');
    await header.getByLabel('Work center').selectOption({ label: 'Milling (wc-mill)' });
    await header.getByLabel('Customer reference').fill('CUST-7781');
    const operation = page.getByRole('group', { name: 'Operation 1' });
    await operation.getByLabel('Code').fill('MILL');
    await operation.getByLabel('Description').fill('Mill teeth');
    await page.getByRole('button', { name: 'Add material' }).click();
    const material = page.getByRole('group', { name: 'Material 1' });
    await material.getByLabel('Item code').fill('STEEL-42');
    await material.getByLabel('Quantity').fill('12.5');
    await material.getByLabel('Unit').fill('kg');
    await material.getByLabel('Lot tracked').check();
    await page.getByLabel('Recipe').fill('GEAR-12-MILL-v1');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { name: `Order ${NUMBER}` }).waitFor();
    orderId = /\/orders\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    expect(await order()).toMatchObject({
      state: 'draft', revision: 1,
      content: {
        quantity: { value: '120', unit: 'pcs' }, customerReference: 'CUST-7781', parameters: { recipe: 'GEAR-12-MILL-v1', setpoints: [] },
        operations: [{ seq: 10, code: 'MILL', description: 'Mill teeth' }],
        materials: [{ line: 1, itemCode: 'STEEL-42', quantity: { value: '12.5', unit: 'kg' }, lotTracked: true }],
      },
    });

    await page.getByRole('link', { name: 'Edit draft' }).click();
    const quantity = page.getByRole('region', { name: 'Header' }).getByLabel('Quantity');
    await expect.poll(() => quantity.inputValue()).toBe('120');
    await quantity.fill('abc');
    await page.getByRole('button', { name: 'Save draft' }).click();
    // The server's own message, and nothing saved.
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/decimal/i);
    expect(await order()).toMatchObject({ revision: 1, version: 1, content: { quantity: { value: '120' } } });

    // The session ends mid-edit: signing in again brings the editor back with the changes kept.
    await session.context.clearCookies();
    await quantity.fill('150');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    await page.getByLabel('Username').fill(planner.username);
    await page.getByLabel('Password', { exact: true }).fill(planner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Your unsaved changes from before are restored.' }).waitFor();
    expect(await quantity.inputValue()).toBe('150');
    expect((await order()).revision).toBe(1);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: `Order ${NUMBER}` }).waitFor();
    expect(await order()).toMatchObject({ state: 'draft', revision: 2, content: { quantity: { value: '150' }, customerReference: 'CUST-7781', parameters: { recipe: 'GEAR-12-MILL-v1' } } });

    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Submitted' }).count()).toBe(1);
    expect((await order()).state).toBe('submitted');
  });

  it('finds the order in the list filtered by state on the server, and compares its revisions side by side', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    const filters = page.getByRole('form', { name: 'Filter orders' });
    await filters.getByLabel('State').selectOption('draft');
    await filters.getByRole('button', { name: 'Show orders' }).click();
    await page.getByText('No orders match.').waitFor();
    await filters.getByLabel('State').selectOption('submitted');
    await filters.getByLabel('Due until').fill('2026-12-31');
    // A due window is listed soonest due first: the page asks the server for sort=due.
    const dueSorted = page.waitForRequest((request) => request.url().includes('/api/v1/orders?') && request.url().includes('sort=due'));
    await filters.getByRole('button', { name: 'Show orders' }).click();
    await dueSorted;
    await page.getByRole('link', { name: NUMBER }).waitFor();
    // Searched on the server by item code prefix and by the whole customer reference, in any letter case.
    await filters.getByLabel('Item code starts with').fill('GEAR');
    await filters.getByLabel('Customer reference').fill('CUST-0000');
    await filters.getByRole('button', { name: 'Show orders' }).click();
    await page.getByText('No orders match.').waitFor();
    await filters.getByLabel('Customer reference').fill('cust-7781');
    // The reference goes in a POST body, so it is in no URL (nor the server's or a proxy's log).
    const customerSearch = page.waitForRequest((request) => request.url().endsWith('/api/v1/orders/search'));
    await filters.getByRole('button', { name: 'Show orders' }).click();
    const searched = await customerSearch;
    expect(searched.method()).toBe('POST');
    expect(searched.postDataJSON()).toMatchObject({ customer: 'cust-7781', itemPrefix: 'GEAR' });
    await page.getByRole('link', { name: NUMBER }).waitFor();
    // Dates are on the plant's clock (UTC until an admin sets it), and the page says so.
    await page.getByText('dates and times in plant time (UTC)').waitFor();
    await page.getByRole('link', { name: NUMBER }).click();
    await page.getByRole('link', { name: 'Revision history' }).click();
    const diff = page.getByRole('table', { name: 'Revision 1 and revision 2' });
    const changed = diff.getByRole('row', { name: /^quantity\.value / });
    await expect.poll(() => changed.textContent()).toContain('120');
    expect(await changed.textContent()).toContain('150');
    expect(await diff.getByRole('row').count()).toBe(2); // the header and the one changed field
    // Each revision is read (and its confidential read audited) once for the page's life, not again on each selection.
    const reads: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/revisions/')) reads.push(request.url());
    };
    page.on('request', onRequest);
    await page.getByLabel('Left revision').selectOption('2');
    await page.getByRole('status').filter({ hasText: 'No field differs.' }).waitFor();
    await page.getByLabel('Left revision').selectOption('1');
    await diff.waitFor();
    page.off('request', onRequest);
    expect(reads).toEqual([]);
    await page.screenshot({ path: 'test-results/web-orders-planner.png', fullPage: true });
  });

  it('lets an approver review the first release, refuses a wrong password, and releases with password, code and meaning over the hash shown', async () => {
    ({ page } = await plant.signIn(approver, '/approvals'));
    await page.getByRole('link', { name: NUMBER }).click();
    await page.getByRole('heading', { name: 'First release' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Content of the first release' }).getByRole('row', { name: /^quantity\.value / }).textContent()).toContain('150');
    await page.screenshot({ path: 'test-results/web-orders-approver.png', fullPage: true });

    await page.getByRole('button', { name: 'Release…' }).click();
    const dialog = page.getByRole('dialog', { name: `Sign the release of ${NUMBER}` });
    const hash = (await order()).contentHash as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await dialog.getByLabel('Content hash (SHA-256)').textContent()).toBe(hash);

    await dialog.getByLabel('Your password').fill('not my password at all');
    await dialog.getByLabel('One-time code').fill('000000');
    await dialog.getByRole('button', { name: 'Sign and release' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/password is wrong/);
    expect(await order()).toMatchObject({ state: 'submitted', signatures: [] });

    await dialog.getByLabel('Meaning of your signature').fill('approved for production, run 42');
    await dialog.getByLabel('Your password').fill(approver.password);
    await dialog.getByLabel('One-time code').fill(await approver.authenticator!.nextCode());
    await dialog.getByRole('button', { name: 'Sign and release' }).click();
    await page.getByRole('status').filter({ hasText: 'Released' }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await order()).toMatchObject({
      state: 'released',
      signatures: [{ signer: 'anna.approver', action: 'release', meaning: 'approved for production, run 42', revision: 2, contentHash: hash }],
    });
  }, 60_000);

  it('holds the released order with a reason, and shows the hold', async () => {
    await page.getByRole('button', { name: 'Hold order…' }).click();
    const form = page.getByRole('form', { name: 'Hold order' });
    await form.getByLabel('Reason for the hold').fill('Coolant contamination suspected');
    await form.getByRole('button', { name: 'Hold order' }).click();
    await page.getByRole('status').filter({ hasText: 'Held: Coolant contamination suspected' }).waitFor();
    await page.getByText('Held (was released)').first().waitFor();
    const banner = page.getByRole('region', { name: 'On hold' });
    await expect.poll(() => banner.textContent()).toContain('Reason: Coolant contamination suspected');
    expect(await banner.textContent()).toContain('Held by anna.approver');
    expect(await page.getByRole('list', { name: 'Changes' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/create by paula\.planner \(revision 1\)$/),
      expect.stringMatching(/edit by paula\.planner \(revision 2\)$/),
      expect.stringMatching(/submit by paula\.planner \(revision 2\)$/),
      expect.stringMatching(/release by anna\.approver \(revision 2\)$/),
      expect.stringMatching(/hold by anna\.approver \(revision 2\); reason: Coolant contamination suspected$/),
    ]);
    expect(await order()).toMatchObject({ state: 'held', heldFrom: 'released' });
    // On a 360 px phone the screen fits its width: wide tables scroll inside their own box.
    await page.setViewportSize({ width: 360, height: 780 });
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await page.screenshot({ path: 'test-results/web-orders-held-360.png', fullPage: true });
  });

  it('never shows one person\'s unsaved form to the next on the same page, and refuses a restored form over a change saved meanwhile', async () => {
    const body = draftContent();
    const created = await planner.api('POST', '/api/v1/orders', { number: 'PO-WEB-2', ...body });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    const peter = await plant.person('peter.planner', ['planner']);

    const session = await plant.signIn(planner, `/orders/${id}/edit`);
    page = session.page;
    const quantity = page.getByRole('region', { name: 'Header' }).getByLabel('Quantity');
    await expect.poll(() => quantity.inputValue()).toBe('50');
    await quantity.fill('777');
    // Paula signs out without saving; Peter signs in on the same page (no reload: the page's memory is what is at stake).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    await page.getByLabel('Username').fill(peter.username);
    await page.getByLabel('Password', { exact: true }).fill(peter.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: 'PO-WEB-2' }).click();
    await page.getByRole('link', { name: 'Edit draft' }).click();
    await expect.poll(() => quantity.inputValue()).toBe('50');
    expect(await page.getByText('Your unsaved changes from before are restored').count()).toBe(0);

    // Peter's session ends mid-edit; Paula saves meanwhile; Peter's restored form is refused, not saved over hers.
    await quantity.fill('888');
    await session.context.clearCookies();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Sign in to Forgeline' }).waitFor();
    expect((await planner.api('PATCH', `/api/v1/orders/${id}`, { ...body, quantity: { value: '999', unit: 'pcs' }, version: 1 })).status).toBe(200);
    await page.getByLabel('Username').fill(peter.username);
    await page.getByLabel('Password', { exact: true }).fill(peter.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'the order was saved since, so saving them will be refused' }).waitFor();
    expect(await quantity.inputValue()).toBe('888');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('This order was saved after you started editing it').waitFor();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/version/);
    const saved = (await planner.api('GET', `/api/v1/orders/${id}`)).json;
    expect(saved).toMatchObject({ revision: 2, content: { quantity: { value: '999' } } });
    await page.getByRole('button', { name: 'Discard my changes' }).click();
    await expect.poll(() => quantity.inputValue()).toBe('999');
  }, 60_000);

  it('lets a planner cancel a submitted order with a reason: the server holds it cancelled, and the audit entry carries the reason', async () => {
    const created = await planner.api('POST', '/api/v1/orders', { number: 'PO-WEB-3', ...draftContent() });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    expect((await planner.api('POST', `/api/v1/orders/${id}/submit`, { version: 1 })).status).toBe(200);

    const session = await plant.signIn(planner, `/orders/${id}`);
    try {
      const own = session.page;
      await own.getByRole('heading', { name: 'Order PO-WEB-3' }).waitFor();
      await own.getByRole('button', { name: 'Cancel order…' }).click();
      const form = own.getByRole('form', { name: 'Cancel order' });
      await form.getByLabel('Reason for cancelling').fill('Customer withdrew the order');
      await form.getByRole('button', { name: 'Cancel order', exact: true }).click();
      await own.getByRole('status').filter({ hasText: 'Cancelled: Customer withdrew the order' }).waitFor();
      expect((await planner.api('GET', `/api/v1/orders/${id}`)).json).toMatchObject({ state: 'cancelled' });
      const audit = await plant.admin.api('GET', `/api/v1/audit/entries?orderId=${id}&kind=order.cancel`);
      expect(audit.status).toBe(200);
      expect(audit.json.items).toEqual([
        expect.objectContaining({ kind: 'order.cancel', outcome: 'ok', actor: 'paula.planner', orderId: id, detail: expect.objectContaining({ reason: 'Customer withdrew the order' }) }),
      ]);
      // Nothing left to do with a cancelled order.
      expect(await own.getByRole('button', { name: 'Cancel order…' }).count()).toBe(0);
    } finally {
      await session.context.close();
    }
  });
});
