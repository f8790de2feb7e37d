import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { startGatewayProcess, repoRoot, getJson, type GatewayProcess } from '../helpers/gateway-process.js';
import { TOKENS, tokenEntries } from '../helpers/api-fixture.js';
import { browserSkip, launchPage } from '../helpers/browser.js';

/**
 * The alarms on the technician page, in headless Chromium against fabwatch running as a child
 * process in simulated mode: the active/unacknowledged list apart from the filtered history,
 * distinct accessible names and 44 px Acknowledge buttons, the state in words, and an
 * acknowledgement that survives a restart of the gateway process (same state dir).
 */
declare const document: any;

const ZONE_D = 'robot-003|iso20816|ISO20816_ZONE';

test('alarms page: active list apart from the history, named 44 px Acknowledge buttons, an acknowledgement survives a gateway restart, no console errors', { skip: browserSkip, timeout: 180_000 }, async (t) => {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.auth = { read: 'open', tokens: await tokenEntries() };
  const cfgPath = join(tmpdir(), `fabwatch-alarms-browser-${process.pid}.yaml`);
  writeFileSync(cfgPath, stringify(raw));
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-alarms-state-'));
  const start = () => startGatewayProcess({ config: cfgPath, env: { FABWATCH_STATE_DIR: stateDir } });
  let gw: GatewayProcess = await start();
  t.after(() => gw.stop('SIGKILL'));
  const { browser, page, problems } = await launchPage({ width: 1280, height: 1100 });
  t.after(() => browser.close());

  await page.goto(`http://127.0.0.1:${gw.rest}`);
  // The simulated fab: robot-003 runs in ISO 20816 zone D; robot-002 and robot-004 have bearing faults.
  const alarmItem = `#alarm-list [data-alarm="${ZONE_D}"]`;
  await page.waitForSelector(alarmItem, { timeout: 30_000 });
  assert.equal(await page.getAttribute(alarmItem, 'data-state'), 'UNACK_ACTIVE');
  assert.match((await page.textContent(`${alarmItem} .st`)) ?? '', /^active, unacknowledged · raised \d\d:\d\d:\d\d$/, 'the state in words');
  assert.equal(await page.textContent(`${alarmItem} .sev`), 'CRITICAL', 'the severity in words');
  await page.waitForFunction(() => document.querySelectorAll('#alarm-list button.ack').length >= 3, null, { timeout: 30_000 });

  // Every Acknowledge button has its own accessible name and is at least 44 px tall.
  const buttons = await page.$$eval('#alarm-list button.ack', (els: any[]) => els.map((e) => ({ name: e.getAttribute('aria-label'), h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width })));
  const names = buttons.map((b: { name: string }) => b.name);
  assert.equal(new Set(names).size, names.length, `distinct names: ${names.join(' | ')}`);
  assert.ok(names.includes('Acknowledge robot-003 ISO zone D'), names.join(' | '));
  for (const b of buttons) assert.ok(b.h >= 44 && b.w >= 44, `${b.name}: ${b.w}x${b.h} px`);
  const button = page.getByRole('button', { name: 'Acknowledge robot-003 ISO zone D', exact: true });

  // The history is a separate list, filtered by robot and severity.
  await page.waitForFunction(() => document.querySelectorAll('#history-list li.al').length > 0, null, { timeout: 20_000 });
  await page.selectOption('#hf-robot', 'robot-003');
  await page.waitForFunction(() => /page 1/.test(document.getElementById('history-status').textContent) && [...document.querySelectorAll('#history-list li')].every((e: any) => /robot-003/.test(e.textContent)), null, { timeout: 20_000 });
  await page.selectOption('#hf-severity', 'critical');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#history-list li.al')];
    return rows.length > 0 && rows.every((e: any) => /CRITICAL · robot-003/.test(e.textContent));
  }, null, { timeout: 20_000 });
  const fromApi = await getJson(`http://127.0.0.1:${gw.rest}/api/alerts?robot=robot-003&severity=critical&limit=25`);
  assert.equal(await page.$$eval('#history-list li.al', (els: any[]) => els.length), fromApi.alerts.length, 'the page shows what the API answers');

  // Acknowledge with a technician token and a comment.
  await page.fill('#token', TOKENS.tech);
  await page.fill('#ack-comment', 'bearing on order');
  await button.click();
  await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-state') === 'ACK_ACTIVE', alarmItem, { timeout: 20_000 });
  assert.match((await page.textContent('#outcome')) ?? '', /^Acknowledged robot-003 ISO zone D: active, acknowledged by tech-alice at \d\d:\d\d:\d\d$/);
  assert.match((await page.textContent(`${alarmItem} .st`)) ?? '', /^active, acknowledged by tech-alice at \d\d:\d\d:\d\d · raised .* · “bearing on order”$/);
  assert.equal(await page.$(`${alarmItem} button.ack`), null, 'no Acknowledge button once acknowledged');
  assert.match((await page.textContent('#alarms')) ?? '', /^\d+ active unacknowledged alarms?$/);
  assert.deepEqual(problems, [], 'no console errors before the restart');

  // Restart the gateway process with the same state dir: the zone D condition is raised again
  // and maps to the same, still acknowledged, alarm.
  await gw.stop('SIGTERM');
  await page.waitForFunction(() => /unreachable/.test(document.getElementById('conn').textContent ?? ''), null, { timeout: 20_000 });
  gw = await start();
  const base = `http://127.0.0.1:${gw.rest}`;
  const reRaised = async () => ((await getJson(`${base}/api/alerts?robot=robot-003&severity=critical`)).alerts as Array<{ alarm_id: string; code: string; state: string }>).find((a) => a.alarm_id === ZONE_D && a.code === 'ISO20816_ZONE_D');
  for (let i = 0; i < 120 && !(await reRaised()); i++) await new Promise((r) => setTimeout(r, 250));
  const again = await reRaised();
  assert.ok(again, 'zone D raised again after the restart');
  assert.equal(again.state, 'ACK_ACTIVE', 'raised again after the restart: acknowledged-active, not unacknowledged');
  const active = await getJson(`${base}/api/alerts/active`);
  const alarm = active.alarms.find((a: { alarm_id: string }) => a.alarm_id === ZONE_D);
  assert.deepEqual([alarm.state, alarm.acked_by, alarm.ack_comment], ['ACK_ACTIVE', 'tech-alice', 'bearing on order']);

  problems.length = 0; // the stopped gateway's refused reconnects are Chromium's own log lines
  await page.goto(base);
  await page.waitForSelector(alarmItem, { timeout: 30_000 });
  assert.equal(await page.getAttribute(alarmItem, 'data-state'), 'ACK_ACTIVE');
  assert.match((await page.textContent(`${alarmItem} .st`)) ?? '', /^active, acknowledged by tech-alice at /);
  await page.waitForTimeout(1500);
  mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'alarms.png'), fullPage: true });
  // At phone width the buttons keep their 44 px and the list does not overflow sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const phone = await page.$$eval('#alarm-list button.ack', (els: any[]) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(phone.length > 0 && phone.every((hgt: number) => hgt >= 44), `button heights at 390 px: ${phone.join(', ')}`);
  assert.ok(await page.$eval('#alarm-list', (e: any) => e.scrollWidth <= e.clientWidth), 'no sideways overflow');
  await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'alarms-phone.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no console errors after the restart');
});
