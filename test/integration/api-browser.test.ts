import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { startGatewayProcess, repoRoot } from '../helpers/gateway-process.js';
import { TOKENS, tokenEntries } from '../helpers/api-fixture.js';
import { skipUnless } from '../helpers/skip.js';

/**
 * The technician page in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against fabwatch running as a child process in simulated mode. Skipped with a reason when
 * chromium or playwright-core is missing, except in CI (CI=true) where that fails.
 */
const chromium = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// PLAYWRIGHT_CORE_PATH lets a developer point at a copy outside node_modules.
const pw: any = await import(process.env.PLAYWRIGHT_CORE_PATH ?? 'playwright-core').catch(() => null);
const missing = !chromium ? 'chromium is not installed (apt-get install chromium)' : !pw ? 'playwright-core is not installed (npm install)' : null;
const skip = skipUnless(missing);

// The page callbacks below run in Chromium: the browser globals they use (the DOM lib is only in
// src/web/tsconfig.json, not in the server's type check).
declare const document: any;
type Element = { getAttribute(name: string): string | null };

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

test('technician page in headless Chromium: 4 robots, live spectrum, commands with and without a token', { skip, timeout: 120_000 }, async (t) => {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.auth = { read: 'open', tokens: await tokenEntries() };
  const cfgPath = join(tmpdir(), `fabwatch-browser-${process.pid}.yaml`);
  writeFileSync(cfgPath, stringify(raw));
  const gw = await startGatewayProcess({ config: cfgPath });
  t.after(() => gw.stop('SIGKILL'));
  const base = `http://127.0.0.1:${gw.rest}`;

  const browser = await pw.chromium.launch({ executablePath: chromium, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const problems: string[] = [];
  page.on('console', (m: any) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));

  await page.goto(base);
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot').length === 4, null, { timeout: 20_000 });
  const ids = await page.$$eval('#robots .robot', (els: Element[]) => els.map((e) => e.getAttribute('data-robot')));
  assert.deepEqual(ids, ['robot-001', 'robot-002', 'robot-003', 'robot-004']);
  // Health scores are rendered once telemetry flows.
  await page.waitForFunction(() => [...document.querySelectorAll('#robots .health')].every((e) => /\d/.test(e.textContent ?? '')), null, { timeout: 20_000 });
  assert.equal(await page.textContent('#conn'), 'live');

  // The spectrum is redrawn as telemetry arrives over the WebSocket.
  const updates = async () => Number(await page.getAttribute('#spectrum', 'data-updates'));
  await page.waitForFunction(() => Number(document.getElementById('spectrum')!.dataset.updates) >= 1, null, { timeout: 20_000 });
  const u0 = await updates();
  await page.waitForFunction((n: number) => Number(document.getElementById('spectrum')!.dataset.updates) >= n + 2, u0, { timeout: 20_000 });
  assert.match((await page.textContent('#spec-peak')) ?? '', /peak [\d.]+ Hz/);
  assert.deepEqual(problems, [], 'no console errors while loading and streaming');

  // Selecting another robot switches the spectrum.
  await page.click('[data-robot="robot-003"]');
  await page.waitForFunction(() => /robot-003/.test(document.getElementById('sel-title')!.textContent ?? ''));

  // A command without a token is refused and the page says why; with a technician token it runs.
  await page.click('button[data-cmd="set_maintenance_mode"][data-params=\'{"enabled":true}\']');
  await page.waitForFunction(() => /refused/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 10_000 });
  assert.match((await page.textContent('#outcome')) ?? '', /refused \(401 TOKEN_REQUIRED\)/);
  let robot = (await (await fetch(`${base}/api/robots/robot-003`)).json()) as { maintenance: boolean };
  assert.equal(robot.maintenance, false);
  // Chromium itself logs the refused request's 401 status; nothing else may appear.
  assert.deepEqual(problems.splice(0), ['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);

  await page.fill('#token', TOKENS.tech);
  await page.click('button[data-cmd="set_maintenance_mode"][data-params=\'{"enabled":true}\']');
  await page.waitForFunction(() => /: ok —/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 10_000 });
  assert.match((await page.textContent('#outcome')) ?? '', /set_maintenance_mode on robot-003: ok/);
  robot = (await (await fetch(`${base}/api/robots/robot-003`)).json()) as { maintenance: boolean };
  assert.equal(robot.maintenance, true);
  await page.waitForFunction(() => /maint/.test(document.querySelector('[data-robot="robot-003"] .badge')!.textContent ?? ''));

  // Trends come from the history endpoint (and live frames).
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot').length === 4);
  // The particle counter's first sample takes its sample time (6 s in simulation).
  await page.waitForSelector('#cleanroom canvas', { timeout: 20_000 });
  await page.waitForTimeout(1500);
  mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
  const shot = join(repoRoot, 'test-artifacts', 'page.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(shot, join(repoRoot, 'docs', 'page.png'));
  assert.deepEqual(problems, [], 'no console errors');

  // The page says so when the gateway goes away.
  await gw.stop('SIGTERM');
  await page.waitForFunction(() => /unreachable/.test(document.getElementById('conn')!.textContent ?? ''), null, { timeout: 10_000 });
});
