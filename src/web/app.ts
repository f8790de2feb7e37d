/**
 * The technician's page: robots, live spectrum, trends, cleanroom, alerts, uplink, faults and
 * commands. Live over the gateway's WebSocket (/ws on this origin); reconnects by itself.
 * Renders whatever fields the robot state carries (diagnosis, ISO 20816 zone, RUL appear when
 * the gateway computes them).
 */
import { drawChart, type Series } from './chart.js';

type Json = Record<string, any>;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
function h(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string | null | undefined>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}
const num = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(d))) : '–');

const ui = {
  robots: new Map<string, Json>(),
  selected: '' as string,
  alerts: [] as Json[],
  cleanroom: null as Json | null,
  trend: { t: [] as number[], fields: {} as Record<string, Array<number | null>> },
  spectrumDraws: 0,
  ws: null as WebSocket | null,
  retryMs: 1000,
};

function token(): string {
  return $<HTMLInputElement>('token').value.trim();
}
function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}
async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : {} };
}

// ---------------------------------------------------------------- connection
function setConn(state: 'live' | 'down' | 'auth', text: string): void {
  const el = $('conn');
  el.className = `conn ${state}`;
  el.textContent = text;
}

function connect(): void {
  const t = token();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${t ? `?token=${encodeURIComponent(t)}` : ''}`;
  const ws = new WebSocket(url);
  ui.ws = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    ui.retryMs = 1000;
    setConn('live', 'live');
  };
  ws.onmessage = (ev) => {
    let f: { type: string; payload: Json };
    try {
      f = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    onFrame(f.type, f.payload);
  };
  ws.onclose = (ev) => {
    if (ui.ws !== ws) return;
    ui.ws = null;
    if (ev.code === 4401 || ev.code === 4403) {
      setConn('auth', 'this gateway needs a token for reading: type it into the API token field');
      return;
    }
    const wait = ui.retryMs;
    ui.retryMs = Math.min(ui.retryMs * 2, 10_000);
    setConn('down', `gateway unreachable${opened ? ' (connection lost)' : ''}: retrying in ${Math.round(wait / 1000)} s`);
    setTimeout(connect, wait);
  };
}

function onFrame(type: string, p: Json): void {
  switch (type) {
    case 'init':
      ui.robots.clear();
      for (const r of p.robots ?? []) ui.robots.set(r.robot_id, r);
      ui.alerts = p.alerts ?? [];
      ui.cleanroom = p.cleanroom ?? null;
      if (!ui.selected || !ui.robots.has(ui.selected)) select(ui.robots.keys().next().value ?? '');
      $('gw').textContent = `${p.gateway_id} · site ${p.site}`;
      renderAll();
      break;
    case 'robot_update':
      ui.robots.set(p.robot_id, p);
      renderRobots();
      if (p.robot_id === ui.selected) renderSelected();
      break;
    case 'telemetry':
      if (p.robot_id === ui.selected) {
        appendTrend(p);
        renderSpectrum(p);
      }
      break;
    case 'cleanroom':
      ui.cleanroom = p;
      renderCleanroom();
      break;
    case 'alert': {
      const i = ui.alerts.findIndex((a) => a.id === p.id);
      if (i >= 0) ui.alerts[i] = p;
      else ui.alerts.push(p);
      if (ui.alerts.length > 200) ui.alerts.splice(0, ui.alerts.length - 200);
      renderAlerts();
      break;
    }
    case 'command_result':
      showOutcome(p.status === 'ok', `${p.command}: ${p.status} — ${p.message}`);
      break;
  }
}

// ---------------------------------------------------------------- robots
// Field shapes: src/state/types.ts (RobotState, TelemetryRecord).
function zoneOf(r: Json): string | undefined {
  return r.iso20816?.zone;
}

function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function rulText(r: Json): string | undefined {
  const rul = r.rul;
  if (!rul) return undefined;
  const pct = Math.round((rul.confidence_level ?? 0) * 100);
  if (rul.rul_state === 'failed') return 'failed (past the failure criterion)';
  if (rul.rul_state === 'no_degradation' && typeof rul.rul_low_s === 'number') return `no degradation: > ${duration(rul.rul_low_s)} (${pct} %)`;
  if (typeof rul.rul_s !== 'number') return undefined;
  return `${duration(rul.rul_s)} [${duration(rul.rul_low_s)}–${duration(rul.rul_high_s)}, ${pct} %]${rul.baseline_ready ? '' : ' (learning baseline)'}`;
}

function diagnosisText(r: Json): { label?: string; evidence?: string } {
  const d = r.diagnosis;
  if (!d) return {};
  const label = `${String(d.label).replace('_', ' ')}${d.label !== 'none' ? ` (${num(d.confidence, 2)})` : ''}`;
  const evidence = (d.evidence ?? [])
    .filter((e: Json) => e.fault === d.label)
    .slice(0, 3)
    .map((e: Json) => `${e.component} ${num(e.found_hz)} Hz +${num(e.db_above_floor, 2)} dB`)
    .join(', ');
  return { label, evidence: evidence || undefined };
}

function renderRobots(): void {
  const list = $('robots');
  list.replaceChildren(
    ...[...ui.robots.values()].map((r) => {
      const diag = diagnosisText(r);
      const zone = zoneOf(r);
      const rul = rulText(r);
      const card = h(
        'button',
        { class: `robot ${r.status}${r.robot_id === ui.selected ? ' sel' : ''}`, 'data-robot': r.robot_id },
        h('div', { class: 'rh' }, h('b', {}, r.robot_id), h('span', { class: `badge ${r.status}` }, r.maintenance ? `${r.status} · maint.` : r.status)),
        h('div', { class: 'name' }, r.name ?? ''),
        h('div', { class: 'big' }, h('span', { class: 'health' }, num(r.health_score, 3)), h('small', {}, ' health')),
        h(
          'div',
          { class: 'kv' },
          `RMS ${num(r.vibration?.rms)} g · ${num(r.vibration?.velocity_rms_mm_s)} mm/s · ${num(r.temperature)} °C`,
          zone ? h('span', { class: `zone z${zone}` }, ` ISO 20816 zone ${zone}`) : null,
        ),
        rul ? h('div', { class: 'kv' }, `RUL ${rul}`) : null,
        diag.label ? h('div', { class: 'diag' }, diag.label, diag.evidence ? h('small', {}, ` — ${diag.evidence}`) : null) : null,
        r.faults?.length ? h('div', { class: 'fault' }, r.faults.map((f: Json) => `${f.code}: ${f.message}`).join('; ')) : null,
      );
      card.onclick = () => select(r.robot_id);
      return card;
    }),
  );
}

function select(id: string): void {
  if (!id || id === ui.selected) return;
  ui.selected = id;
  ui.trend = { t: [], fields: {} };
  renderRobots();
  renderSelected();
  void loadHistory(id);
}

function renderSelected(): void {
  const r = ui.robots.get(ui.selected);
  $('sel-title').textContent = r ? `${r.robot_id} — ${r.name ?? ''}` : '';
  if (r?.spectrum) renderSpectrum({ spectrum: r.spectrum, ...r });
}

// ---------------------------------------------------------------- spectrum
/** Bearing defect frequencies and shaft orders (Hz) of the robot's asset. */
function defectMarkers(r: Json): Array<{ x: number; label: string; color: string }> {
  const f = r.fault_frequencies;
  if (!f) return [];
  return [
    { x: f.shaft_hz, label: '1X', color: '#555' },
    { x: f.BPFO, label: 'BPFO', color: '#d33' },
    { x: f.BPFI, label: 'BPFI', color: '#d80' },
    { x: 2 * f.BSF, label: '2xBSF', color: '#93c' },
    { x: f.FTF, label: 'FTF', color: '#2a8' },
  ].filter((m) => typeof m.x === 'number' && m.x > 0);
}

/** A band spectrum (amplitude: `amplitudes`, envelope: `values`) against band-centre frequencies. */
function spectrumSeries(s: Json | undefined): { x: number[]; y: number[] } | null {
  const amps: number[] | undefined = s?.amplitudes ?? s?.values;
  if (!amps?.length) return null;
  const band = s!.band_hz ?? 1;
  return { x: amps.map((_, i) => (i + 0.5) * band), y: amps };
}

function renderSpectrum(p: Json): void {
  const robot = ui.robots.get(ui.selected) ?? {};
  const s = spectrumSeries(p.spectrum);
  if (!s) return;
  const markers = defectMarkers({ ...robot, ...p });
  drawChart($('spectrum'), { x: s.x, series: [{ label: 'spectrum (g)', color: '#1565c0', y: s.y }], xLabel: 'Hz', markers });
  const env = spectrumSeries(robot.envelope_spectrum);
  $('envelope-box').hidden = !env;
  if (env) drawChart($('envelope'), { x: env.x, series: [{ label: 'envelope spectrum', color: '#c62828', y: env.y }], xLabel: 'Hz', markers });
  ui.spectrumDraws++;
  $('spectrum').dataset.updates = String(ui.spectrumDraws);
  $('spec-peak').textContent = `peak ${num(p.spectrum.peak_hz)} Hz · ${num(p.spectrum.peak_amplitude)} g`;
}

// ---------------------------------------------------------------- trends
const TREND_FIELDS: Array<{ key: RegExp; label: string; color: string; right?: boolean }> = [
  { key: /^vibration\.rms$/, label: 'RMS (g)', color: '#1565c0' },
  { key: /velocity.*(rms|mm)/i, label: 'velocity (mm/s)', color: '#6a1b9a' },
  { key: /^health_score$/, label: 'health', color: '#2e7d32', right: true },
];

async function loadHistory(id: string): Promise<void> {
  const { status, body } = await api(`/api/robots/${encodeURIComponent(id)}/history?from=${Date.now() - 3_600_000}&max_points=400`).catch(() => ({ status: 0, body: {} as Json }));
  if (status !== 200 || id !== ui.selected) return;
  const t: number[] = [];
  const fields: Record<string, Array<number | null>> = {};
  for (const p of body.points as Json[]) {
    t.push(Date.parse(p.ts));
    for (const [k, v] of Object.entries(p)) if (k !== 'ts') (fields[k] ??= []).push(v as number | null);
  }
  // Keep what arrived live while the history was loading.
  const liveFrom = t.length ? t[t.length - 1] : 0;
  ui.trend.t.forEach((tt, i) => {
    if (tt <= liveFrom) return;
    t.push(tt);
    for (const k of Object.keys(fields)) fields[k].push(ui.trend.fields[k]?.[i] ?? null);
  });
  ui.trend = { t, fields };
  renderTrend();
}

function flatten(o: Json, prefix = '', out: Record<string, number> = {}, depth = 0): Record<string, number> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3 && k !== 'units') flatten(v, key, out, depth + 1);
  }
  return out;
}

function appendTrend(rec: Json): void {
  const flat = flatten(rec);
  ui.trend.t.push(Date.parse(rec.ts));
  const n = ui.trend.t.length;
  for (const k of new Set([...Object.keys(ui.trend.fields), ...Object.keys(flat)])) {
    const arr = (ui.trend.fields[k] ??= new Array(n - 1).fill(null));
    arr.push(flat[k] ?? null);
  }
  if (n > 2000) {
    ui.trend.t.splice(0, n - 2000);
    for (const a of Object.values(ui.trend.fields)) a.splice(0, a.length - 2000);
  }
  renderTrend();
}

function renderTrend(): void {
  const series: Series[] = [];
  for (const f of TREND_FIELDS) {
    const key = Object.keys(ui.trend.fields).find((k) => f.key.test(k));
    if (key) series.push({ label: f.label, color: f.color, y: ui.trend.fields[key], right: f.right });
  }
  const t0 = ui.trend.t[0] ?? 0;
  const span = (ui.trend.t[ui.trend.t.length - 1] ?? t0) - t0;
  const opts: Intl.DateTimeFormatOptions = span < 600_000 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
  drawChart($('trend'), {
    x: ui.trend.t.map((t) => t - t0),
    series,
    rightRange: [0, 100],
    xFormat: (v) => new Date(t0 + v).toLocaleTimeString([], opts),
  });
}

// ---------------------------------------------------------------- cleanroom
/** ISO 14644-1 class limit (particles/m3 >= size): Cn = 10^N x (0.1/D)^2.08. */
const isoLimit = (cls: number, sizeUm: number) => 10 ** cls * (0.1 / sizeUm) ** 2.08;

function renderCleanroom(): void {
  const box = $('cleanroom');
  const locs: Json[] = ui.cleanroom?.locations ?? [];
  if (!locs.length) {
    box.replaceChildren(h('p', { class: 'muted' }, 'no particle counter data yet'));
    return;
  }
  box.replaceChildren(
    ...locs.map((l) => {
      // Shape: CleanroomLocationStatus in src/state/types.ts.
      const sizes: number[] = l.sizes_um ?? [];
      const conc: Array<number | null> = l.average_per_m3 ?? l.concentration_per_m3 ?? [];
      const cls = l.iso_class ?? undefined;
      const configured = l.configured_class;
      const excursion: string | undefined = l.alarm?.excursion?.level;
      const canvas = h('div', { class: 'chart', 'data-h': '160' });
      const fault = l.device_fault?.message ?? l.invalid_reason ?? (l.alarm?.counterFault?.active ? `counter fault: ${(l.alarm.counterFault.reasons ?? []).join(', ')}` : null);
      const el = h(
        'div',
        { class: 'loc' },
        h(
          'div',
          {},
          h('b', {}, `${l.location} (${l.counter_id})`),
          ` ISO class ${cls === undefined ? '–' : num(cls, 2)} · required ISO ${configured}`,
          excursion && excursion !== 'none' ? h('span', { class: 'fault' }, ` excursion: ${excursion} level`) : null,
        ),
        canvas,
        fault ? h('div', { class: 'fault' }, String(fault)) : null,
      );
      requestAnimationFrame(() => {
        const levels: Json = l.alarm_levels ?? {};
        // The class limit per size (ISO 14644-1) and the alert level as lines over the bars.
        const limits = typeof configured === 'number' ? sizes.map((s) => isoLimit(configured, s)) : [];
        const lines: Series[] = limits.length ? [{ label: `ISO ${configured} limit`, color: '#c62828', y: limits }] : [];
        if (limits.length && typeof levels.alert === 'number') lines.push({ label: `alert (${Math.round(levels.alert * 100)} %)`, color: '#ef6c00', y: limits.map((v) => v * levels.alert) });
        drawChart(canvas, {
          x: sizes.map((_, i) => i),
          categories: sizes.map((s) => `≥${s} µm`),
          bars: true,
          logY: true,
          series: [{ label: 'particles/m³', color: '#00838f', y: conc }, ...lines],
        });
      });
      return el;
    }),
  );
}

// ---------------------------------------------------------------- alerts, uplink, faults
function renderAlerts(): void {
  const rows = ui.alerts.slice(-30).reverse();
  $('alerts').replaceChildren(
    ...(rows.length
      ? rows.map((a) => {
          const ack = h('button', { class: 'small' }, 'Acknowledge') as HTMLButtonElement;
          ack.disabled = a.acknowledged;
          ack.onclick = () => void acknowledge(a);
          return h('li', { class: `al ${a.severity}${a.acknowledged ? ' acked' : ''}` }, h('span', { class: 'ts' }, new Date(a.ts).toLocaleTimeString()), ` ${a.severity} · ${a.robot_id ?? a.source} · ${a.message} `, a.acknowledged ? h('small', {}, '(acknowledged)') : ack);
        })
      : [h('li', { class: 'muted' }, 'no alerts')]),
  );
}

async function acknowledge(a: Json): Promise<void> {
  if (a.robot_id) return sendCommand('acknowledge_alert', { alert_id: a.id }, a.robot_id);
  const { status, body } = await api(`/api/alerts/${encodeURIComponent(a.id)}/acknowledge`, { method: 'POST', body: '{}' });
  showOutcome(status === 200, status === 200 ? 'alert acknowledged' : `refused (${status}): ${body.error?.code} — ${body.error?.message}`);
}

async function pollHealth(): Promise<void> {
  try {
    const { status, body } = await api('/health');
    if (status !== 200) return;
    const u = body.uplink ?? {};
    $('uplink').textContent = !u.enabled ? 'uplink disabled' : u.connected ? `uplink connected${u.queued ? ` · ${u.queued} queued` : ''}` : `uplink down · buffering ${u.queued ?? 0} messages`;
    $('uplink').className = `pill ${!u.enabled ? '' : u.connected ? 'ok' : 'bad'}`;
    const faults: string[] = [];
    for (const s of body.sensors ?? []) for (const f of s.faults ?? []) faults.push(`${f.device}: ${f.code} — ${f.message}`);
    for (const c of body.counters ?? []) if (c.fault) faults.push(`${c.fault.device}: ${c.fault.code} — ${c.fault.message}`);
    const cr = await api('/api/cleanroom/status');
    if (cr.status === 200 && JSON.stringify(cr.body.locations) !== JSON.stringify(ui.cleanroom?.locations)) {
      ui.cleanroom = cr.body;
      renderCleanroom();
    }
    $('faults').replaceChildren(...(faults.length ? faults.map((f) => h('li', { class: 'fault' }, f)) : [h('li', { class: 'muted' }, 'no device faults')]));
  } catch {
    /* the WebSocket status says the gateway is unreachable */
  }
}

// ---------------------------------------------------------------- commands
function showOutcome(ok: boolean, text: string): void {
  const el = $('outcome');
  el.className = ok ? 'ok' : 'bad';
  el.textContent = text;
}

async function sendCommand(command: string, parameters: Json, robotId = ui.selected): Promise<void> {
  if (!robotId) return;
  if (!token()) $('token').focus();
  showOutcome(true, `${command}: sending…`);
  try {
    const { status, body } = await api(`/api/robots/${encodeURIComponent(robotId)}/command`, { method: 'POST', body: JSON.stringify({ command, parameters }) });
    if (status === 200) showOutcome(true, `${command} on ${robotId}: ${body.status} — ${body.message} (id ${body.id})`);
    else showOutcome(false, `${command} on ${robotId} refused (${status} ${body.error?.code}): ${body.error?.message}`);
  } catch (err) {
    showOutcome(false, `${command}: gateway unreachable (${(err as Error).message})`);
  }
}

function renderAll(): void {
  renderRobots();
  renderSelected();
  renderCleanroom();
  renderAlerts();
}

function main(): void {
  const saved = sessionStorage.getItem('fabwatch-token');
  if (saved) $<HTMLInputElement>('token').value = saved;
  $('token').addEventListener('change', () => {
    sessionStorage.setItem('fabwatch-token', token());
    if (!ui.ws) connect();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-cmd]')) {
    b.onclick = () => void sendCommand(b.dataset.cmd!, b.dataset.params ? JSON.parse(b.dataset.params) : {});
  }
  window.addEventListener('resize', () => {
    renderTrend();
    renderCleanroom();
    renderSelected();
  });
  connect();
  void pollHealth();
  setInterval(() => void pollHealth(), 5000);
}

main();
