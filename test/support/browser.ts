/**
 * A real browser for tests: Debian's chromium driven by playwright-core (never a downloaded
 * browser). Absent chromium skips the suites that need it, or fails them when
 * FORGELINE_REQUIRE_SERVICES=1.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { beforeAll, describe } from 'vitest';

/** Where Debian installs the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser cannot run here; undefined when it can. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;

/** `describe` for suites that need a real browser: skipped with the reason when chromium is missing, or failing when FORGELINE_REQUIRE_SERVICES=1. */
export function describeWithBrowser(title: string, body: () => void): void {
  if (chromiumMissing === undefined) {
    describe(title, body);
  } else if (process.env.FORGELINE_REQUIRE_SERVICES === '1') {
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`${chromiumMissing} (required because FORGELINE_REQUIRE_SERVICES=1)`);
      });
      body();
    });
  } else {
    // The default reporter hides skipped titles; say it once.
    console.warn(`${chromiumMissing}: the browser tests are skipped`);
    describe.skip(`${title} skipped: ${chromiumMissing} (set FORGELINE_REQUIRE_SERVICES=1 to fail instead)`, body);
  }
}

/** Starts headless chromium as the project's tests may: no sandbox (containers), no GPU, no background fetches. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
