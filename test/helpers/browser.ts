import { existsSync } from 'node:fs';
import { skipUnless } from './skip.js';

/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) for the page tests. `skip`
 * goes through the skip helper: skipped locally with a reason, a failure under CI=true.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// PLAYWRIGHT_CORE_PATH lets a developer point at a copy outside node_modules.
export const playwright: any = await import(process.env.PLAYWRIGHT_CORE_PATH ?? 'playwright-core').catch(() => null);
export const browserSkip = skipUnless(!chromiumPath ? 'chromium is not installed (apt-get install chromium)' : !playwright ? 'playwright-core is not installed (npm install)' : null);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launch Chromium; collects console errors and page errors into `problems`. */
export async function launchPage(viewport: { width: number; height: number }): Promise<{ browser: any; page: any; problems: string[] }> {
  const browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m: any) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
  return { browser, page, problems };
}
