/**
 * Timings of the web UI in Debian's chromium (driven by playwright-core, never a downloaded
 * browser): the sign-in page's first load in fresh profiles, and the planner's pages on a
 * signed-in profile, each to the moment its content is visible.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { quantile } from './timing.js';

/** Where Debian installs the browser (as test/support/browser.ts). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser cannot run here; undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;
}

/** Starts headless chromium with the tests' flags: no sandbox (containers), no GPU, no background fetches. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A fresh browser profile: the server's certificate is its data folder's own, so the profile ignores HTTPS errors. UTC keeps the date filter's days the bench's days. */
export function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-US' });
}

/** Median, p95 and the samples of a list of milliseconds. */
export interface Timings {
  readonly n: number;
  readonly p50: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** Summarizes samples (ms). */
export function timings(samples: readonly number[]): Timings {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), max: sorted.at(-1) ?? Number.NaN, samples };
}

/**
 * Runs in the page before its own scripts (plain JavaScript: this file is typed for Node, not
 * the DOM): records first-contentful-paint and when the sign-in form's username field appears.
 */
const MARK_SCRIPT = `(() => {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.name === 'first-contentful-paint') globalThis.__benchFcp = entry.startTime;
  }).observe({ type: 'paint', buffered: true });
  const watcher = new MutationObserver(() => {
    if (globalThis.__benchForm === undefined && document.querySelector('input[autocomplete="username"]') !== null) {
      globalThis.__benchForm = performance.now();
      watcher.disconnect();
    }
  });
  watcher.observe(document, { childList: true, subtree: true });
})()`;

/** Reads the marks and the navigation timing; paint entries are queued after the frame that painted, so it waits a few frames for one. */
const READ_SCRIPT = `(async () => {
  const fcp = () => globalThis.__benchFcp ?? performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint')?.startTime;
  for (let frame = 0; frame < 30 && fcp() === undefined; frame += 1) await new Promise((resolve) => requestAnimationFrame(resolve));
  const navigation = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const scripts = resources.filter((entry) => new URL(entry.name).pathname.endsWith('.js'));
  return {
    formMs: globalThis.__benchForm ?? null,
    loadMs: navigation ? navigation.loadEventStart - navigation.startTime : null,
    fcpMs: fcp() ?? null,
    transferBytes: (navigation?.transferSize ?? 0) + resources.reduce((sum, entry) => sum + entry.transferSize, 0),
    scriptEncodedBytes: scripts.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
    scriptDecodedBytes: scripts.reduce((sum, entry) => sum + entry.decodedBodySize, 0),
  };
})()`;

/** One first load of a page, from the page's own clock (navigation start = 0). */
export interface FirstLoad {
  readonly loadMs: number;
  /** First contentful paint; undefined when the browser reported none. */
  readonly fcpMs: number | undefined;
  /** When the sign-in form's username field was added to the document (a mutation observer's clock reading). */
  readonly formMs: number;
  /** Bytes over the wire for the document and every resource, headers included. */
  readonly transferBytes: number;
  /** The JavaScript files' bodies as sent (compressed, if the server compressed them) and as run. */
  readonly scriptEncodedBytes: number;
  readonly scriptDecodedBytes: number;
}

/** Opens `url` in a fresh profile and reads its navigation and paint timings. */
export async function firstLoad(browser: Browser, url: string): Promise<FirstLoad> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    // Installed before any script of the page runs, so the observers see the paint and the form however early they come.
    await page.addInitScript({ content: MARK_SCRIPT });
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('input[autocomplete="username"]').waitFor();
    const read = (await page.evaluate(READ_SCRIPT)) as Omit<FirstLoad, 'formMs' | 'loadMs' | 'fcpMs'> & { formMs: number | null; loadMs: number | null; fcpMs: number | null };
    return { ...read, formMs: read.formMs ?? Number.NaN, loadMs: read.loadMs ?? Number.NaN, fcpMs: read.fcpMs ?? undefined };
  } finally {
    await context.close();
  }
}

/** Signs `username` in through the sign-in page of a fresh profile and waits for the app behind it. */
export async function signInPage(browser: Browser, url: string, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return { context, page };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** The first order row of the order list's first page (the table is named by its caption). */
export function firstOrderRow(page: Page) {
  return page.getByRole('table', { name: 'Orders, page 1' }).locator('tbody tr').first();
}

/** The first work-center row of the overview's state table. */
export function firstStateRow(page: Page) {
  return page.getByRole('table', { name: 'Orders by state per work center' }).locator('tbody tr').first();
}

/** Milliseconds (Node's clock) from just before a full navigation to `url` until `visible` resolves. */
export async function timeNavigation(page: Page, url: string, visible: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await visible();
  return performance.now() - began;
}

/**
 * On the order list, sets the due-date window through the filter form and times the click on
 * "Show orders" until the row of `expectedNumber` (the window's soonest due order: the page sorts a
 * due window by due date) is the list's first.
 */
export async function timeDueFilter(page: Page, url: string, fromDay: string, toDay: string, expectedNumber: string): Promise<number> {
  await page.goto(`${url}/orders`, { waitUntil: 'commit' });
  await firstOrderRow(page).waitFor();
  await page.getByLabel('Due from').fill(fromDay);
  await page.getByLabel('Due until').fill(toDay);
  const began = performance.now();
  await page.getByRole('button', { name: 'Show orders' }).click();
  await page.getByRole('table', { name: 'Orders, page 1' }).locator('tbody tr').first().getByRole('rowheader', { name: expectedNumber, exact: true }).waitFor();
  return performance.now() - began;
}
