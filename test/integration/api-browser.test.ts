import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
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

/** The simulated fab (MQTT off, open reads, the test tokens) as a child process, and a Chromium. */
async function startPageGateway(t: { after(fn: () => unknown): void }, name: string) {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.auth = { read: 'open', tokens: await tokenEntries() };
  const cfgPath = join(tmpdir(), `fabwatch-${name}-${process.pid}.yaml`);
  writeFileSync(cfgPath, stringify(raw));
  const gw = await startGatewayProcess({ config: cfgPath });
  t.after(() => gw.stop('SIGKILL'));
  const browser = await pw.chromium.launch({ executablePath: chromium, args: ARGS });
  t.after(() => browser.close());
  return { gw, base: `http://127.0.0.1:${gw.rest}`, browser };
}

/**
 * Console errors and uncaught exceptions of a page, collected into `problems`. (Also defines the
 * `__name` helper that tsx adds to named functions in the callbacks this file runs in the page.)
 */
async function watchProblems(page: any, problems: string[]): Promise<void> {
  await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  page.on('console', (m: any) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
}

test('technician page in headless Chromium: robots by priority, live spectrum, safe commands, freshness', { skip, timeout: 120_000 }, async (t) => {
  const { gw, base, browser } = await startPageGateway(t, 'browser');
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const problems: string[] = [];
  await watchProblems(page, problems);

  await page.goto(base);
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot').length === 4, null, { timeout: 20_000 });
  // Health scores are rendered once telemetry flows.
  await page.waitForFunction(() => [...document.querySelectorAll('#robots .health')].every((e) => /\d/.test(e.textContent ?? '')), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#conn'), 'live');

  // Which robot first: the attention strip lists the robots by priority.rank — on the simulated fab
  // the three faulty robots come before the healthy robot-001 — and the cards follow the same order.
  const order = () => page.$$eval('#attention-list [data-attention]', (els: Element[]) => els.map((e) => e.getAttribute('data-attention')));
  await page.waitForFunction(() => document.querySelector('#attention-list [data-attention]:last-child')?.getAttribute('data-attention') === 'robot-001', null, { timeout: 20_000 });
  const attention = await order();
  assert.deepEqual([...attention].sort(), ['robot-001', 'robot-002', 'robot-003', 'robot-004']);
  assert.equal(attention[3], 'robot-001', `faulty robots first: ${attention.join(', ')}`);
  const api = (await (await fetch(`${base}/api/robots`)).json()) as { robots: Array<{ robot_id: string; priority: { rank: number } | null; status_reasons: string[] }> };
  assert.equal(api.robots.find((r) => r.robot_id === 'robot-001')!.priority!.rank, 4, 'the API ranks robot-001 last too');
  assert.deepEqual(await page.$$eval('#robots .robot', (els: Element[]) => els.map((e) => e.getAttribute('data-robot'))), await order(), 'cards in priority order');
  const items = await page.$$eval('#attention-list [data-attention]', (els: any[]) => els.map((e) => ({ why: e.querySelector('.why').textContent, rul: e.querySelector('.rul').textContent })));
  for (const it of items) {
    assert.ok(it.why.length > 3, 'each robot has its one-line reason');
    assert.match(it.rul, /^RUL (learning|failed|no degradation detected \(> [\d.]+ \w+\)|degrading: [\d.]+ \w+ \[[\d.]+ \w+–[\d.]+ \w+\])/);
  }
  const top = api.robots.find((r) => r.robot_id === attention[0])!;
  assert.ok(top.status_reasons.length > 0);
  // The alarm count and the uplink state are shown.
  await page.waitForFunction(() => /^\d+ active unacknowledged alarms?$/.test(document.getElementById('alarms')!.textContent ?? ''), null, { timeout: 20_000 });
  assert.equal(await page.textContent('#uplink'), 'uplink disabled');
  // Freshness: every card shows the age of its data.
  await page.waitForFunction(() => [...document.querySelectorAll('#robots .age')].every((e) => /^updated \d+ s ago$/.test(e.textContent ?? '')), null, { timeout: 20_000 });

  // The spectrum is redrawn as telemetry arrives over the WebSocket.
  const updates = async () => Number(await page.getAttribute('#spectrum', 'data-updates'));
  await page.waitForFunction(() => Number(document.getElementById('spectrum')!.dataset.updates) >= 1, null, { timeout: 20_000 });
  const u0 = await updates();
  await page.waitForFunction((n: number) => Number(document.getElementById('spectrum')!.dataset.updates) >= n + 2, u0, { timeout: 20_000 });
  assert.match((await page.textContent('#spec-peak')) ?? '', /peak [\d.]+ Hz/);
  assert.deepEqual(problems, [], 'no console errors while loading and streaming');

  // Cards are updated in place: 20 rapid clicks (100 ms presses) while updates stream select the
  // clicked robot every time (the list used to be rebuilt ~3.7 times a second and lost clicks).
  const seq = ['robot-002', 'robot-004', 'robot-001', 'robot-003'];
  const missed: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = seq[(i * 3) % 4]!;
    await page.click(`#robots [data-robot="${id}"]`, { delay: 100 });
    const pressed = await page.$$eval('#robots .robot[aria-pressed="true"]', (els: Element[]) => els.map((e) => e.getAttribute('data-robot')));
    if (pressed.length !== 1 || pressed[0] !== id) missed.push(`click ${i} on ${id}: pressed ${pressed.join(',')}`);
  }
  assert.deepEqual(missed, [], 'every click selects its robot');
  // Keyboard focus on a card survives the updates.
  await page.focus('#robots [data-robot="robot-002"]');
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-robot')), 'robot-002');

  // Selecting another robot switches the spectrum, and the command panel names its target.
  await page.click('[data-robot="robot-003"]');
  await page.waitForFunction(() => /robot-003/.test(document.getElementById('sel-title')!.textContent ?? ''));
  assert.equal(await page.textContent('#cmd-target'), 'Target: robot-003 — Transfer chamber robot (imbalance)');
  assert.equal(await page.getAttribute('[data-attention="robot-003"]', 'aria-current'), 'true');
  assert.equal(await page.getAttribute('#outcome', 'aria-live'), 'polite');

  // A command without a token is refused and the page says why; with a technician token it runs.
  await page.click('button[data-cmd="set_maintenance_mode"][data-params=\'{"enabled":true}\']');
  await page.waitForFunction(() => /refused/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 20_000 });
  assert.match((await page.textContent('#outcome')) ?? '', /refused \(401 TOKEN_REQUIRED\)/);
  let robot = (await (await fetch(`${base}/api/robots/robot-003`)).json()) as { maintenance: boolean };
  assert.equal(robot.maintenance, false);
  // Chromium itself logs the refused request's 401 status; nothing else may appear.
  assert.deepEqual(problems.splice(0), ['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);

  await page.fill('#token', TOKENS.tech);
  await page.click('button[data-cmd="set_maintenance_mode"][data-params=\'{"enabled":true}\']');
  await page.waitForFunction(() => /: ok —/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 20_000 });
  assert.match((await page.textContent('#outcome')) ?? '', /set_maintenance_mode on robot-003: ok/);
  robot = (await (await fetch(`${base}/api/robots/robot-003`)).json()) as { maintenance: boolean };
  assert.equal(robot.maintenance, true);
  await page.waitForFunction(() => /maint/.test(document.querySelector('[data-robot="robot-003"] .badge')!.textContent ?? ''));

  // Stop sampling asks first and names its robot; cancelling sends nothing.
  await page.click('button[data-cmd="stop_acquisition"]');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.textContent('#confirm-text'), 'Stop sampling on robot-003 — Transfer chamber robot (imbalance)?');
  await page.click('#confirm-cancel');
  assert.equal(await page.textContent('#outcome'), 'Stop sampling on robot-003: cancelled');
  // "Bearing replaced" (reset_rul) asks first too; confirmed, the robot's RUL tracker starts again.
  await page.click('button[data-cmd="reset_rul"]');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.textContent('#confirm-text'), 'Bearing replaced: restart the RUL tracker (back to learning) on robot-003 — Transfer chamber robot (imbalance)?');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => /reset_rul on robot-003: ok/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 20_000 });
  // The confirmation names the robot selected when the button was pressed; confirmed, it stops that one.
  await page.click('[data-robot="robot-004"]');
  await page.click('button[data-cmd="stop_acquisition"]');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.textContent('#confirm-text'), 'Stop sampling on robot-004 — Transfer chamber robot (inner-race defect)?');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => /stop_acquisition on robot-004: ok/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector('[data-robot="robot-004"] .stopped')!.hasAttribute('hidden'));
  assert.match((await page.textContent('[data-robot="robot-004"] .age')) ?? '', /^sampling stopped at \d\d:\d\d:\d\d · no data since \d\d:\d\d:\d\d$/);
  assert.ok(await page.$('#robots [data-robot="robot-004"].stale'), 'a stopped robot is dimmed');
  await page.waitForFunction(() => /^sampling stopped at .* · no data since /.test(document.getElementById('spec-age')!.textContent ?? ''), null, { timeout: 20_000 });
  assert.ok(await page.$('#spectrum.stale'), 'its spectrum is dimmed too');
  assert.equal(await page.$('#robots [data-robot="robot-003"] .stopped[hidden]') !== null, true, 'robot-003 still samples');
  // robot-003 keeps sampling while robot-004's last sample stays where it was (polled, not a fixed wait: the machine may be loaded).
  const sampled = async (id: string) => ((await (await fetch(`${base}/api/robots/${id}`)).json()) as { sensors: { last_sample_at: string } }).sensors.last_sample_at;
  const [s3, s4] = [await sampled('robot-003'), await sampled('robot-004')];
  for (let i = 0; i < 60 && (await sampled('robot-003')) === s3; i++) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 1500));
  assert.notEqual(await sampled('robot-003'), s3, 'robot-003 kept sampling');
  assert.equal(await sampled('robot-004'), s4, 'robot-004 stopped');
  await page.click('button[data-cmd="start_acquisition"]');
  await page.waitForFunction(() => /start_acquisition on robot-004: ok/.test(document.getElementById('outcome')!.textContent ?? ''), null, { timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector('#robots [data-robot="robot-004"]')!.classList.contains('stale'), null, { timeout: 15_000 });
  assert.equal(await page.textContent('#spec-age'), '');
  assert.deepEqual(problems, [], 'no console errors while commanding');

  // Trends come from the history endpoint (and live frames).
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot').length === 4);
  // The particle counter's first sample takes its sample time (6 s in simulation).
  await page.waitForSelector('#cleanroom canvas', { timeout: 20_000 });
  // Each room has its verdict in the attention strip (the simulated rooms are within class unless an excursion is running).
  const cr = (await (await fetch(`${base}/api/cleanroom/status`)).json()) as { locations: Array<{ location: string }> };
  await page.waitForFunction((n: number) => document.querySelectorAll('#rooms .room').length === n, cr.locations.length);
  for (const text of await page.$$eval('#rooms .room', (els: any[]) => els.map((e) => e.textContent)))
    assert.match(text, /^[\w-]+ (ISO \d: within class|ISO \d: above class \(best ISO [\d.]+\)|ISO \d: no valid data.*|excursion: (alert|action|limit) level, [\d.]+ µm at [\d.]+x the limit|counter fault .*)$/);
  await page.waitForTimeout(1500);
  mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
  const shot = join(repoRoot, 'test-artifacts', 'page.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(shot, join(repoRoot, 'docs', 'page.png'));
  assert.deepEqual(problems, [], 'no console errors');

  // The page says so when the gateway goes away: the cards are dimmed with the time of their last
  // data and the uplink state becomes unknown (it is not known any more).
  await gw.stop('SIGTERM');
  await page.waitForFunction(() => /unreachable/.test(document.getElementById('conn')!.textContent ?? ''), null, { timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot.stale').length === 4, null, { timeout: 15_000 });
  for (const text of await page.$$eval('#robots .age', (els: any[]) => els.map((e) => e.textContent))) assert.match(text, /^no data since \d\d:\d\d:\d\d$/);
  await page.waitForFunction(() => document.getElementById('uplink')!.textContent === 'uplink unknown', null, { timeout: 20_000 });
});

/** Every rendered text's contrast with its background (WCAG 2.1: 4.5:1, 3:1 for large text), opacity included. */
const contrastFailures = () =>
  // Runs in Chromium.
  (() => {
    const parse = (c: string) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    type C = { r: number; g: number; b: number; a: number };
    const blend = (fg: C, bg: C): C => ({ r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1 });
    const lum = (c: C) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const win: any = globalThis;
    const bad: string[] = [];
    const walker = document.createTreeWalker(document.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || !el.getClientRects().length || el.closest('dialog:not([open]), [hidden], option')) continue;
      // WCAG 1.4.3 exempts inactive controls (a disabled Older/Newer button of the alert history).
      if (el.closest(':disabled')) continue;
      const cs = win.getComputedStyle(el);
      if (cs.visibility === 'hidden') continue;
      const layers: C[] = [];
      let opacity = 1;
      for (let e = el; e; e = e.parentElement) {
        const s = win.getComputedStyle(e);
        opacity *= Number(s.opacity);
        const c = parse(s.backgroundColor);
        if (c && c.a > 0 && !layers.some((l) => l.a === 1)) layers.push(c);
      }
      let bg: C = { r: 255, g: 255, b: 255, a: 1 };
      for (const l of layers.reverse()) bg = blend(l, bg);
      const text = parse(cs.color)!;
      const fg = blend({ ...text, a: text.a * opacity }, bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
      if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${n.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`);
    }
    return bad;
  })();

/** Every visible control, the alarm list and history included: with an accessible name, and at least 44 x 44 px. */
const controlFailures = () =>
  [...document.querySelectorAll('button, select, input')]
    .filter((e: any) => e.getClientRects().length && !e.closest('dialog:not([open])'))
    .flatMap((e: any) => {
      const r = e.getBoundingClientRect();
      const name = (e.getAttribute('aria-label') ?? (e.labels?.length ? e.labels[0].textContent : null) ?? e.textContent ?? '').trim();
      const what = e.id || e.dataset.robot || e.dataset.attention || e.dataset.cmd || e.textContent.trim().slice(0, 20);
      return [...(name ? [] : [`${what}: no accessible name`]), ...(r.width < 44 || r.height < 44 ? [`${what}: ${Math.round(r.width)}x${Math.round(r.height)} px`] : [])];
    });

/** Pixels of a chart's canvas that are not background: a drawn chart has many. */
const inkedPixels = (sel: string) => {
  const c = document.querySelector(`${sel} canvas`);
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
  return n;
};

test('technician page: charts with units and read-outs, light WebSocket and history, accessible, at 1440x900 and 390x844', { skip, timeout: 150_000 }, async (t) => {
  const { base, browser } = await startPageGateway(t, 'charts');
  const shots = mkdtempSync(join(tmpdir(), 'fabwatch-shots-'));
  const problems: string[] = [];

  // ------------------------------------------------------------------ desktop, 1440 x 900
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await watchProblems(page, problems);
  const received: Array<{ type: string; payload: any }> = [];
  const sent: any[] = [];
  page.on('websocket', (ws: any) => {
    ws.on('framereceived', (f: { payload: string }) => received.push(JSON.parse(f.payload)));
    ws.on('framesent', (f: { payload: string }) => sent.push(JSON.parse(f.payload)));
  });
  const historyRequests: URL[] = [];
  page.on('request', (r: any) => {
    if (/\/history\?/.test(r.url())) historyRequests.push(new URL(r.url()));
  });
  await page.goto(base);
  await page.waitForFunction(() => document.querySelectorAll('#robots .robot[aria-pressed="true"]').length === 1, null, { timeout: 20_000 });
  // Every robot has analysed a window (its state then carries spectra).
  await page.waitForFunction(() => [...document.querySelectorAll('#robots .health')].every((e) => /\d/.test(e.textContent ?? '')), null, { timeout: 30_000 });
  const first = await page.getAttribute('#robots .robot[aria-pressed="true"]', 'data-robot');
  await page.waitForFunction(() => Number(document.getElementById('spectrum')!.dataset.updates) >= 2, null, { timeout: 20_000 });

  // WebSocket weight: the page subscribes to every robot's summary and to the selected robot only.
  assert.deepEqual(sent.slice(0, 2), [
    { type: 'subscribe', channel: 'summary' },
    { type: 'subscribe', channel: `robot:${first}` },
  ]);
  const subscribedAt = received.findIndex((f) => f.type === 'subscribed' && f.payload.channels.length === 2);
  assert.ok(subscribedAt > 0, 'the subscription is confirmed');
  /** Until frames from `from` on hold telemetry of `selected` and a state update of every robot (the machine may be loaded). */
  const settle = async (from: number, selected: string) => {
    for (let i = 0; i < 100; i++) {
      const seen = new Set(received.slice(from).filter((f) => f.type === 'robot_update' || (f.type === 'telemetry' && f.payload.robot_id === selected)).map((f) => `${f.type}:${f.payload.robot_id}`));
      if (seen.has(`telemetry:${selected}`) && ['robot-001', 'robot-002', 'robot-003', 'robot-004'].every((id) => seen.has(`robot_update:${id}`))) return;
      await page.waitForTimeout(200);
    }
  };
  await settle(subscribedAt + 1, first!);
  const check = (frames: typeof received, selected: string) => {
    const tele = frames.filter((f) => f.type === 'telemetry');
    assert.ok(tele.length >= 1, `telemetry of the selected robot arrives: ${frames.map((f) => `${f.type}:${f.payload?.robot_id ?? JSON.stringify(f.payload).slice(0, 80)}`).join(' ')}`);
    assert.deepEqual([...new Set(tele.map((f) => f.payload.robot_id))], [selected], 'telemetry (with its spectrum) of the selected robot only');
    const others = frames.filter((f) => f.type === 'robot_update' && f.payload.robot_id !== selected);
    assert.equal(new Set(others.map((f) => f.payload.robot_id)).size, 3, 'the other robots still update (their cards)');
    for (const f of others) assert.ok(f.payload.summary === true && f.payload.spectrum === null && f.payload.envelope_spectrum === null, `no spectra of ${f.payload.robot_id}`);
    const mine = frames.filter((x) => x.type === 'robot_update' && x.payload.robot_id === selected);
    assert.ok(mine.length >= 1 && mine.every((f) => !f.payload.summary), `the selected robot in full: ${frames.map((f) => `${f.type}:${f.payload?.robot_id ?? JSON.stringify(f.payload).slice(0, 80)}${f.payload?.summary ? ':S' : ''}`).join(' ')}`);
    return mine;
  };
  check(received.slice(subscribedAt + 1), first!);

  // Selecting another robot moves the subscription; its state is read once (compressed JSON).
  const other = first === 'robot-002' ? 'robot-003' : 'robot-002';
  const robotRead = page.waitForResponse((r: any) => r.url().endsWith(`/api/robots/${other}`));
  await page.click(`#robots [data-robot="${other}"]`);
  const read = await robotRead;
  assert.equal(read.status(), 200);
  assert.match((await read.allHeaders())['content-encoding'] ?? '', /^(br|gzip)$/, 'JSON compressed (Chromium accepts br and gzip)');
  for (let i = 0; i < 50 && sent.length < 4; i++) await page.waitForTimeout(100);
  assert.deepEqual(sent.slice(2, 4), [
    { type: 'unsubscribe', channel: `robot:${first}` },
    { type: 'subscribe', channel: `robot:${other}` },
  ]);
  const moved = received.length;
  await page.waitForFunction((id: string) => new RegExp(id).test(document.getElementById('spectrum')!.getAttribute('aria-label') ?? ''), other, { timeout: 20_000 });
  // Frames already on the way when the subscription moved are skipped: from the confirmation on.
  for (let i = 0; i < 50 && !received.slice(moved - 5).some((f) => f.type === 'subscribed' && f.payload.channels.some((c: any) => c.robotId === other)); i++) await page.waitForTimeout(100);
  const confirmed = received.findIndex((f, i) => i >= moved - 5 && f.type === 'subscribed' && f.payload.channels.some((c: any) => c.robotId === other));
  assert.ok(confirmed > 0, 'the new subscription is confirmed');
  await settle(confirmed + 1, other);
  const full = check(received.slice(confirmed + 1), other);
  assert.ok(full.some((f) => f.payload.spectrum?.amplitudes?.length && f.payload.envelope_spectrum?.values?.length), 'with its spectra');

  // Charts: every axis has its unit, markers are listed in words, the container says what it shows.
  const label = (sel: string) => page.getAttribute(sel, 'aria-label');
  assert.match((await label('#spectrum'))!, new RegExp(`^Amplitude spectrum of ${other}, 0–[\\d.]+ Hz: highest band [\\d.]+ Hz at [\\d.e-]+ g; markers 1X [\\d.]+ Hz, BPFO`));
  assert.equal(await page.getAttribute('#spectrum', 'role'), 'figure');
  const markers = await page.$$eval('#spec-markers li', (els: any[]) => els.map((e) => e.textContent));
  assert.deepEqual(markers.map((m: string) => m.split(' ')[0]), ['1X', 'BPFO', 'BPFI', '2xBSF', 'FTF']);
  await page.waitForSelector('#envelope-box:not([hidden])', { timeout: 20_000 });
  assert.match((await label('#envelope'))!, /^Squared envelope spectrum of robot-\d+ \(demodulated band [\d.]+–[\d.]+ Hz\): highest band [\d.]+ Hz at [\d.e-]+ × the mean squared envelope/);
  // The hover read-out: frequency and amplitude with units at the cursor.
  const box = await page.$('#spectrum .u-over');
  const bb = await box.boundingBox();
  await page.mouse.move(bb.x + bb.width * 0.3, bb.y + bb.height / 2);
  const readout = await page.$$eval('#spectrum .u-legend .u-value', (els: any[]) => els.map((e) => e.textContent));
  assert.match(readout[0], /^[\d.]+ Hz$/, `x read-out ${readout}`);
  assert.match(readout[1], /^[\d.e-]+ g$/, `amplitude read-out ${readout}`);

  // Trends: one chart per unit, the history asked for the plotted fields only, decimated to the chart's width.
  await page.waitForFunction(() => /latest/.test(document.getElementById('trend-rms')!.getAttribute('aria-label') ?? ''), null, { timeout: 20_000 });
  assert.match((await label('#trend-rms'))!, new RegExp(`^RMS of ${other}, last hour: latest [\\d.e-]+ g, lowest`));
  assert.match((await label('#trend-vel'))!, /velocity RMS of robot-\d+, last hour: latest [\d.e-]+ mm\/s/);
  assert.match((await label('#trend-health'))!, /health score of robot-\d+, last hour: latest [\d.]+ \/ 100/);
  const trendWidth = await page.$eval('#trend-rms', (e: any) => e.clientWidth);
  const before = historyRequests.length;
  const rangeAnswer = page.waitForResponse((r: any) => /\/history\?/.test(r.url()));
  await page.selectOption('#range', '8h');
  const answer = await rangeAnswer;
  assert.equal(answer.status(), 200);
  const q = historyRequests[before]!;
  assert.equal(q.pathname, `/api/robots/${other}/history`);
  assert.equal(q.searchParams.get('fields'), 'vibration.rms,vibration.velocity_rms_mm_s,health_score');
  assert.equal(Number(q.searchParams.get('max_points')), Math.max(50, Math.min(2000, trendWidth)));
  assert.ok(Math.abs(Number(q.searchParams.get('from')) - (Date.now() - 8 * 3_600_000)) < 60_000, 'from = 8 h ago');
  const body = await answer.json();
  assert.deepEqual(Object.keys(body.points[0]).sort(), ['health_score', 'ts', 'vibration.rms', 'vibration.velocity_rms_mm_s']);
  await page.waitForFunction(() => /last 8 hours/.test(document.getElementById('trend-rms')!.getAttribute('aria-label') ?? ''));
  assert.equal(await page.getAttribute('#range', 'id'), 'range');
  assert.equal((await page.textContent('label[for="range"]'))?.trim(), 'time range');

  // Cleanroom: a limit line only where the class has a limit; the ISO 4 room has none at 5 µm (the
  // API: not applicable), and the page says so instead of drawing one.
  await page.waitForFunction(() => document.querySelectorAll('#cleanroom [role="figure"]').length === 3, null, { timeout: 20_000 });
  const cr = (await (await fetch(`${base}/api/cleanroom/status`)).json()) as { locations: Array<{ location: string; configured_class: number; margins: Array<{ size_um: number; applicable: boolean }> }> };
  const expectNotes = cr.locations
    .map((l) => ({ l, na: l.margins.filter((m) => !m.applicable).map((m) => `≥${m.size_um} µm`) }))
    .filter((x) => x.na.length)
    .map((x) => `ISO ${x.l.configured_class} sets no limit at ${x.na.join(', ')} (not applicable): no limit line there`);
  assert.ok(expectNotes.includes('ISO 4 sets no limit at ≥5 µm (not applicable): no limit line there'), expectNotes.join('; '));
  assert.deepEqual(await page.$$eval('#cleanroom .note', (els: any[]) => els.map((e) => e.textContent)), expectNotes);
  const figures = await page.$$eval('#cleanroom [role="figure"]', (els: any[]) => els.map((e) => e.getAttribute('aria-label')));
  assert.match(figures.find((l: string) => /litho-bay-1/.test(l))!, /^Particle concentration at litho-bay-1, required ISO 4: ≥0\.1 µm .*\(limit [\d.e+]+\);.* ≥5 µm [\d.e+–-]+\/m³ \(no class limit\)$/);

  // Accessibility: contrast, names and 44 px targets; the selected card says so.
  assert.deepEqual(await page.evaluate(contrastFailures), [], 'WCAG AA contrast');
  assert.deepEqual(await page.evaluate(controlFailures), [], 'labelled controls, 44 px targets');
  assert.equal(await page.getAttribute(`#robots [data-robot="${other}"]`, 'aria-pressed'), 'true');
  assert.ok((await page.evaluate(inkedPixels, '#spectrum')) > 200, 'the spectrum is drawn');
  const wide = join(shots, 'page-1440x900.png');
  await page.screenshot({ path: wide });
  assert.ok(statSync(wide).size > 20_000, 'a non-blank screenshot');
  assert.deepEqual(problems, [], 'no console errors at 1440x900');

  // ------------------------------------------------------------------ phone, 390 x 844
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  t.after(() => phone.close());
  const p2 = await phone.newPage();
  await watchProblems(p2, problems);
  await p2.goto(base);
  await p2.waitForFunction(() => Number(document.getElementById('spectrum')!.dataset.updates) >= 1, null, { timeout: 20_000 });
  assert.ok(await p2.evaluate(() => document.documentElement.scrollWidth <= 391), 'no sideways scrolling');
  // Marker labels do not fit a phone-wide canvas: the legend lists them.
  assert.ok(await p2.isVisible('#spec-markers li'));
  // A tap on a robot selects it and brings its charts into view.
  const target = await p2.$eval('#robots .robot:not([aria-pressed="true"])', (e: any) => e.dataset.robot);
  await p2.tap(`#robots [data-robot="${target}"]`);
  await p2.waitForFunction(() => Math.abs(document.getElementById('charts')!.getBoundingClientRect().top) < 4, null, { timeout: 10_000 });
  assert.equal(await p2.getAttribute(`#robots [data-robot="${target}"]`, 'aria-pressed'), 'true');
  await p2.waitForFunction((id: string) => new RegExp(id).test(document.getElementById('spectrum')!.getAttribute('aria-label') ?? ''), target, { timeout: 20_000 });
  assert.deepEqual(await p2.evaluate(contrastFailures), [], 'WCAG AA contrast at phone width');
  assert.deepEqual(await p2.evaluate(controlFailures), [], '44 px targets at phone width');
  const narrow = join(shots, 'page-390x844.png');
  await p2.screenshot({ path: narrow });
  assert.ok(statSync(narrow).size > 20_000, 'a non-blank screenshot');
  assert.ok((await p2.evaluate(inkedPixels, '#spectrum')) > 200, 'the spectrum is drawn at phone width');
  assert.deepEqual(problems, [], 'no console errors');
  t.diagnostic(`screenshots: ${shots}`);
});
