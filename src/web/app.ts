/**
 * The technician's page: robots, live spectrum, trends, cleanroom, alarms (alarms.ts), uplink, faults and
 * commands. Live over the gateway's WebSocket (/ws on this origin); reconnects by itself.
 * Renders whatever fields the robot state carries (diagnosis, ISO 20816 zone, RUL appear when
 * the gateway computes them).
 */
import { drawChart, fmt, type Marker, type Series } from './chart.js';
import { Trend, SETTLE_MS } from './trend.js';
import { createAlarmPage } from './alarms.js';

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
  cleanroom: null as Json | null,
  /** The robot whose full frames (spectra, telemetry) this connection is subscribed to. */
  subscribed: '' as string,
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
      ui.subscribed = '';
      ui.robots.clear();
      for (const r of p.robots ?? []) ui.robots.set(r.robot_id, r);
      for (const id of cards.keys()) if (!ui.robots.has(id)) (cards.delete(id), attention.delete(id));
      alarmPage.init(p.alarms);
      ui.cleanroom = p.cleanroom ?? null;
      if (!ui.selected || !ui.robots.has(ui.selected)) select(byPriority()[0]?.robot_id ?? '');
      $('gw').textContent = `${p.gateway_id} · site ${p.site}`;
      subscribe();
      renderAll();
      break;
    case 'robot_update':
      noteUpdate(ui.robots.get(p.robot_id), p);
      ui.robots.set(p.robot_id, p);
      renderRobots();
      if (p.robot_id === ui.selected) renderSelected();
      break;
    case 'telemetry':
      if (p.robot_id === ui.selected) {
        trend.live(p);
        renderSpectrum(p);
      }
      break;
    case 'cleanroom':
      ui.cleanroom = p;
      renderCleanroom();
      break;
    case 'alert':
      alarmPage.onAlert(p);
      break;
    case 'command_result':
      if (p.status === 'ok') commandDone(p.command, p.robot_id);
      showOutcome(p.status === 'ok', `${p.command} on ${p.robot_id}: ${p.status} — ${p.message}`);
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

/** The RUL state in words (src/state/types.ts RobotRul.rul_state). */
function rulText(r: Json): string | undefined {
  const rul = r.rul;
  if (!rul) return undefined;
  switch (rul.rul_state) {
    case 'failed':
      return 'failed';
    case 'learning':
      return 'learning';
    case 'no_degradation':
      return typeof rul.rul_low_s === 'number' ? `no degradation detected (> ${duration(rul.rul_low_s)})` : 'no degradation detected';
    case 'degrading':
      if (typeof rul.rul_s !== 'number') return 'degrading';
      return `degrading: ${duration(rul.rul_s)} [${duration(rul.rul_low_s)}–${duration(rul.rul_high_s)}]`;
  }
  return undefined;
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

const hms = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
function setClass(el: HTMLElement, cls: string): void {
  if (el.className !== cls) el.className = cls;
}
/** Puts `els` into `parent` in this order, moving nodes only when the order changed (a moved node loses focus and a click in progress). */
function keepOrder(parent: HTMLElement, els: HTMLElement[]): void {
  const same = els.length === parent.children.length && els.every((el, i) => parent.children[i] === el);
  if (same) return;
  const focused = document.activeElement;
  parent.replaceChildren(...els);
  if (focused instanceof HTMLElement && focused !== document.activeElement && parent.contains(focused)) focused.focus({ preventScroll: true });
}

// ---------------------------------------------------------------- freshness
/**
 * Per robot: when its data was last sampled (gateway clock) and its update interval, learnt from
 * the gaps between samples. Data older than 3 intervals is stale. The gateway's clock may differ
 * from the browser's: the offset is the smallest (receive time - sample time) seen, so an age
 * counts from when fresh data usually arrives.
 */
const fresh = {
  skewMs: null as number | null,
  gaps: new Map<string, number[]>(),
  /** Robots this page stopped (stop_acquisition ok), with the time; cleared by start_acquisition or new data. */
  stopped: new Map<string, number>(),
};
const STALE_INTERVALS = 3;

/** When the robot's data was sampled (gateway clock): its last sample, not last_update (which a maintenance toggle or a fault also moves). */
const dataTs = (r: Json | undefined): number => Date.parse(r?.sensors?.last_sample_at ?? '');

function noteUpdate(prev: Json | undefined, r: Json): void {
  const t = dataTs(r);
  if (!Number.isFinite(t)) return;
  const lag = Date.now() - t;
  fresh.skewMs = fresh.skewMs === null ? lag : Math.min(fresh.skewMs + 50, lag);
  const t0 = dataTs(prev);
  if (Number.isFinite(t0) && t > t0) {
    const g = fresh.gaps.get(r.robot_id) ?? [];
    g.push(t - t0);
    if (g.length > 9) g.shift();
    fresh.gaps.set(r.robot_id, g);
    // New data well after this page's stop: someone started sampling again.
    const since = fresh.stopped.get(r.robot_id);
    if (since !== undefined && t + fresh.skewMs > since + 3000) fresh.stopped.delete(r.robot_id);
  }
}

function intervalMs(id: string): number {
  const g = [...(fresh.gaps.get(id) ?? [])].sort((a, b) => a - b);
  return g.length >= 2 ? Math.max(250, g[g.length >> 1]) : 2000;
}

/** Age of a robot's data in ms (browser clock), null when it has none yet. */
function ageMs(r: Json): number | null {
  const t = dataTs(r);
  return Number.isFinite(t) ? Math.max(0, Date.now() - (fresh.skewMs ?? 0) - t) : null;
}

/** When sampling was stopped: the gateway's robot state says so (any client's stop), or this page's own stop. */
function stoppedAt(r: Json): number | undefined {
  if (r.sampling && r.sampling.running === false) return r.sampling.since ? Date.parse(r.sampling.since) + (fresh.skewMs ?? 0) : Date.now();
  return fresh.stopped.get(r.robot_id);
}

function freshness(r: Json): { stale: boolean; text: string } {
  const age = ageMs(r);
  const stopped = stoppedAt(r);
  if (age === null) return { stale: false, text: stopped ? 'sampling stopped · no samples yet' : 'no samples yet' };
  const stale = age > STALE_INTERVALS * intervalMs(r.robot_id);
  const when = hms(dataTs(r) + (fresh.skewMs ?? 0));
  if (stopped !== undefined) return { stale: true, text: `sampling stopped at ${hms(stopped)} · no data since ${when}` };
  return { stale, text: stale ? `no data since ${when}` : `updated ${duration(age / 1000)} ago` };
}

// ---------------------------------------------------------------- robots
/** Robots in maintenance-priority order: priority.rank (1 first), then score, then config order. */
function byPriority(): Json[] {
  const order = [...ui.robots.keys()];
  return [...ui.robots.values()].sort(
    (a, b) => (a.priority?.rank ?? Infinity) - (b.priority?.rank ?? Infinity) || (b.priority?.score ?? 0) - (a.priority?.score ?? 0) || order.indexOf(a.robot_id) - order.indexOf(b.robot_id),
  );
}

interface Card {
  el: HTMLButtonElement;
  badge: HTMLElement;
  name: HTMLElement;
  health: HTMLElement;
  kv: HTMLElement;
  zone: HTMLElement;
  rul: HTMLElement;
  diag: HTMLElement;
  fault: HTMLElement;
  stopped: HTMLElement;
  age: HTMLElement;
}
interface AttentionItem {
  el: HTMLButtonElement;
  rank: HTMLElement;
  id: HTMLElement;
  why: HTMLElement;
  rul: HTMLElement;
}
const cards = new Map<string, Card>();
const attention = new Map<string, AttentionItem>();

/** A robot card is built once and then updated in place: clicks and keyboard focus survive updates. */
function card(id: string): Card {
  let c = cards.get(id);
  if (c) return c;
  const part = (tag: string, cls: string) => h(tag, { class: cls });
  c = {
    el: h('button', { class: 'robot', type: 'button', 'data-robot': id, 'aria-pressed': 'false' }) as HTMLButtonElement,
    badge: part('span', 'badge'),
    name: part('div', 'name'),
    health: part('span', 'health'),
    kv: part('span', ''),
    zone: part('span', 'zone'),
    rul: part('div', 'kv'),
    diag: part('div', 'diag'),
    fault: part('div', 'fault'),
    stopped: part('div', 'stopped'),
    age: part('div', 'age'),
  };
  c.el.append(
    h('div', { class: 'rh' }, h('b', {}, id), c.badge),
    c.name,
    h('div', { class: 'big' }, c.health, h('small', {}, ' health')),
    h('div', { class: 'kv' }, c.kv, c.zone),
    c.rul,
    c.diag,
    c.fault,
    c.stopped,
    c.age,
  );
  c.el.onclick = () => select(id, true);
  cards.set(id, c);
  return c;
}

function updateCard(r: Json): void {
  const c = card(r.robot_id);
  const diag = diagnosisText(r);
  const zone = zoneOf(r);
  const rul = rulText(r);
  const f = freshness(r);
  const selected = r.robot_id === ui.selected;
  setClass(c.el, `robot ${r.status}${selected ? ' sel' : ''}${f.stale ? ' stale' : ''}`);
  if (c.el.getAttribute('aria-pressed') !== String(selected)) c.el.setAttribute('aria-pressed', String(selected));
  setClass(c.badge, `badge ${r.status}`);
  setText(c.badge, r.maintenance ? `${r.status} · maint.` : r.status);
  setText(c.name, r.name ?? '');
  setText(c.health, num(r.health_score, 3));
  setText(c.kv, `RMS ${num(r.vibration?.rms)} g · ${num(r.vibration?.velocity_rms_mm_s)} mm/s · ${num(r.temperature)} °C`);
  setClass(c.zone, zone ? `zone z${zone}` : 'zone');
  setText(c.zone, zone ? ` ISO 20816 zone ${zone}` : '');
  setText(c.rul, rul ? `RUL ${rul}` : '');
  c.rul.hidden = !rul;
  setText(c.diag, diag.label ? `${diag.label}${diag.evidence ? ` — ${diag.evidence}` : ''}` : '');
  c.diag.hidden = !diag.label;
  setText(c.fault, r.faults?.length ? r.faults.map((x: Json) => `${x.code}: ${x.message}`).join('; ') : '');
  c.fault.hidden = !r.faults?.length;
  c.stopped.hidden = stoppedAt(r) === undefined;
  setText(c.stopped, 'sampling stopped');
  setText(c.age, f.text);
}

function attentionItem(id: string): AttentionItem {
  let a = attention.get(id);
  if (a) return a;
  a = {
    el: h('button', { class: 'att', type: 'button', 'data-attention': id }) as HTMLButtonElement,
    rank: h('span', { class: 'rank' }),
    id: h('b'),
    why: h('span', { class: 'why' }),
    rul: h('span', { class: 'rul' }),
  };
  a.el.append(a.rank, a.id, a.why, a.rul);
  a.el.onclick = () => select(id, true);
  attention.set(id, a);
  return a;
}

function updateAttention(r: Json, position: number): HTMLElement {
  const a = attentionItem(r.robot_id);
  const f = freshness(r);
  setClass(a.el, `att ${r.status}${f.stale ? ' stale' : ''}`);
  const current = String(r.robot_id === ui.selected);
  if (a.el.getAttribute('aria-current') !== current) a.el.setAttribute('aria-current', current);
  setText(a.rank, `${position}.`);
  setText(a.id, `${r.robot_id} · ${r.status}`);
  setText(a.why, r.status_reasons?.[0] ?? r.priority?.reasons?.[0] ?? 'no findings');
  const rul = rulText(r);
  setText(a.rul, [rul ? `RUL ${rul}` : null, f.stale ? f.text : null].filter(Boolean).join(' · '));
  return a.el;
}

function renderRobots(): void {
  const robots = byPriority();
  robots.forEach(updateCard);
  keepOrder($('robots'), robots.map((r) => cards.get(r.robot_id)!.el));
  keepOrder($('attention-list'), robots.map((r, i) => updateAttention(r, i + 1)));
  // The selected robot's spectrum is as old as its data: say so rather than freeze silently.
  const sel = ui.robots.get(ui.selected);
  const f = sel ? freshness(sel) : { stale: false, text: '' };
  setText($('spec-age'), f.stale ? f.text : '');
  for (const id of ['spectrum', 'envelope']) $(id).classList.toggle('stale', f.stale);
}

/**
 * Weight: the page takes every robot's state without spectra (`summary`) and the full frames of the
 * selected robot only (docs/api.md, WebSocket). Re-sent on every (re)connect and selection.
 */
function subscribe(): void {
  const ws = ui.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || ui.subscribed === ui.selected) return;
  if (!ui.subscribed) ws.send(JSON.stringify({ type: 'subscribe', channel: 'summary' }));
  else ws.send(JSON.stringify({ type: 'unsubscribe', channel: `robot:${ui.subscribed}` }));
  if (ui.selected) ws.send(JSON.stringify({ type: 'subscribe', channel: `robot:${ui.selected}` }));
  ui.subscribed = ui.selected;
}

/** At phone width the charts are below the robot list: a tap on a robot brings them into view. */
const PHONE = window.matchMedia('(max-width: 800px)');

function select(id: string, byUser = false): void {
  if (byUser && PHONE.matches) $('charts').scrollIntoView({ block: 'start', behavior: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  if (!id || id === ui.selected) return;
  ui.selected = id;
  subscribe();
  renderRobots();
  renderSelected();
  trend.setRobot(id);
  // Its spectra came only in summary frames so far: read them once (when the selection settles)
  // instead of waiting for the next window.
  window.setTimeout(() => {
    if (id !== ui.selected) return;
    void api(`/api/robots/${encodeURIComponent(id)}`)
      .then(({ status, body }) => {
        if (status !== 200 || id !== ui.selected || !body.spectrum) return;
        ui.robots.set(id, body);
        renderSelected();
      })
      .catch(() => undefined);
  }, SETTLE_MS);
}

function robotLabel(id: string): string {
  const r = ui.robots.get(id);
  return r?.name ? `${id} — ${r.name}` : id;
}

function renderSelected(): void {
  const r = ui.robots.get(ui.selected);
  $('sel-title').textContent = r ? robotLabel(r.robot_id) : '';
  setText($('cmd-target'), r ? `Target: ${robotLabel(r.robot_id)}` : 'no robot selected');
  if (r?.spectrum) renderSpectrum({ spectrum: r.spectrum, ...r });
}

// ---------------------------------------------------------------- spectrum
/** Bearing defect frequencies and shaft orders (Hz) of the robot's asset. */
function defectMarkers(r: Json): Marker[] {
  const f = r.fault_frequencies;
  if (!f) return [];
  return [
    { x: f.shaft_hz, label: '1X', color: '#555' },
    { x: f.BPFO, label: 'BPFO', color: '#c62828' },
    { x: f.BPFI, label: 'BPFI', color: '#a84300' },
    { x: 2 * f.BSF, label: '2xBSF', color: '#7b1fa2' },
    { x: f.FTF, label: 'FTF', color: '#00796b' },
  ].filter((m) => typeof m.x === 'number' && m.x > 0);
}

/** A band spectrum (amplitude: `amplitudes`, envelope: `values`) against band-centre frequencies. */
function spectrumSeries(s: Json | undefined): { x: number[]; y: number[] } | null {
  const amps: number[] | undefined = s?.amplitudes ?? s?.values;
  if (!amps?.length) return null;
  const band = s!.band_hz ?? 1;
  return { x: amps.map((_, i) => (i + 0.5) * band), y: amps };
}

/** The marker legend under the spectra: the labels in words (the canvas drops them when they do not fit). */
function renderMarkerLegend(markers: Marker[]): void {
  const text = markers.map((m) => `${m.label} ${num(m.x)} Hz`).join(' · ');
  const el = $('spec-markers');
  if (el.dataset.text === text) return;
  el.dataset.text = text;
  el.replaceChildren(...markers.map((m) => h('li', {}, h('span', { class: 'sw', style: `border-color:${m.color}`, 'aria-hidden': 'true' }), `${m.label} ${num(m.x)} Hz`)));
}

/** The highest band of a spectrum, for its text alternative. */
function peakOf(s: { x: number[]; y: number[] }): { hz: number; v: number } {
  let i = 0;
  s.y.forEach((v, k) => {
    if (v > s.y[i]) i = k;
  });
  return { hz: s.x[i], v: s.y[i] };
}

function renderSpectrum(p: Json): void {
  const robot = ui.robots.get(ui.selected) ?? {};
  const s = spectrumSeries(p.spectrum);
  if (!s) return;
  const markers = defectMarkers({ ...robot, ...p });
  renderMarkerLegend(markers);
  const marks = markers.length ? `; markers ${markers.map((m) => `${m.label} ${num(m.x)} Hz`).join(', ')}` : '';
  const pk = peakOf(s);
  drawChart($('spectrum'), {
    x: s.x,
    series: [{ label: 'amplitude', color: '#1565c0', y: s.y, unit: 'g' }],
    xLabel: 'frequency (Hz)',
      xUnit: 'Hz',
    yLabel: 'g (band RMS)',
    markers,
    description: `Amplitude spectrum of ${ui.selected}, 0–${num(s.x[s.x.length - 1])} Hz: highest band ${num(pk.hz)} Hz at ${num(pk.v)} g${marks}`,
  });
  const env = spectrumSeries(robot.envelope_spectrum);
  $('envelope-box').hidden = !env;
  if (env) {
    const ek = peakOf(env);
    const band = robot.envelope_spectrum.filter_band_hz;
    drawChart($('envelope'), {
      x: env.x,
      // Normalised by the mean squared envelope (src/analysis/vibration/envelope.ts): a modulation depth, no physical unit.
      series: [{ label: 'modulation depth', color: '#c62828', y: env.y, unit: '× mean' }],
      xLabel: 'frequency (Hz)',
      xUnit: 'Hz',
      yLabel: 'depth (× mean)',
      markers,
      description: `Squared envelope spectrum of ${ui.selected}${Array.isArray(band) ? ` (demodulated band ${num(band[0])}–${num(band[1])} Hz)` : ''}: highest band ${num(ek.hz)} Hz at ${num(ek.v)} × the mean squared envelope${marks}`,
    });
  }
  ui.spectrumDraws++;
  $('spectrum').dataset.updates = String(ui.spectrumDraws);
  $('spec-peak').textContent = `peak ${num(p.spectrum.peak_hz)} Hz · ${num(p.spectrum.peak_amplitude)} g`;
}

// ---------------------------------------------------------------- trends
const trend = new Trend(api);

// ---------------------------------------------------------------- cleanroom
/**
 * The configured class's limit per size as the gateway reports it (`margins`: the printed ISO 14644-1
 * Table 1 value), null where the class has none (ISO 4 at 5 µm: "not applicable") — never drawn there.
 */
function classLimits(l: Json, sizes: number[]): Array<number | null> {
  const margins: Json[] = l.margins ?? [];
  return sizes.map((s) => {
    const m = margins.find((x) => x.size_um === s);
    return m?.applicable && typeof m.limit_per_m3 === 'number' ? m.limit_per_m3 : null;
  });
}

/** One line per room for the attention strip: within class, or the excursion level with its size and ratio. */
function roomVerdict(l: Json): { cls: string; text: string } {
  const cls = l.configured_class;
  const ex: Json | undefined = l.alarm?.excursion;
  const fault = l.device_fault ?? (l.alarm?.counterFault?.active ? l.alarm.counterFault : null);
  if (fault) return { cls: 'bad', text: `counter fault (${fault.code ?? (fault.reasons ?? []).join(', ')}): class unknown` };
  if (ex && ex.level && ex.level !== 'none') {
    const ratio = ex.lastRatio ?? ex.peakRatio;
    const where = typeof ex.lastSizeUm === 'number' && typeof ratio === 'number' ? `, ${num(ex.lastSizeUm, 2)} µm at ${num(ratio, 2)}x the limit` : '';
    return { cls: ex.level === 'alert' ? 'warn' : 'bad', text: `excursion: ${ex.level} level${where}` };
  }
  if (l.meets_configured_class === true) return { cls: '', text: `ISO ${cls}: within class` };
  if (l.meets_configured_class === false) return { cls: 'warn', text: `ISO ${cls}: above class (best ISO ${num(l.iso_class, 2)})` };
  return { cls: 'unknown', text: `ISO ${cls}: ${l.invalid_reason ? `no valid data (${l.invalid_reason})` : 'no valid data yet'}` };
}

function renderRooms(locs: Json[]): void {
  $('rooms').replaceChildren(
    ...locs.map((l) => {
      const v = roomVerdict(l);
      return h('li', { class: `room ${v.cls}`, 'data-room': l.location }, h('b', {}, l.location), ` ${v.text}`);
    }),
  );
}

function renderCleanroom(): void {
  const box = $('cleanroom');
  const locs: Json[] = ui.cleanroom?.locations ?? [];
  renderRooms(locs);
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
      const canvas = h('div', { class: 'chart', 'data-h': '170' });
      const limits = typeof configured === 'number' ? classLimits(l, sizes) : [];
      const noLimit = sizes.filter((_, i) => limits.length && limits[i] === null);
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
        noLimit.length ? h('div', { class: 'note' }, `ISO ${configured} sets no limit at ${noLimit.map((s) => `≥${s} µm`).join(', ')} (not applicable): no limit line there`) : null,
        fault ? h('div', { class: 'fault' }, String(fault)) : null,
      );
      requestAnimationFrame(() => {
        const levels: Json = l.alarm_levels ?? {};
        // The class limit per size (ISO 14644-1) and the alert level as lines over the bars, where the class has a limit.
        const has = limits.some((v) => v !== null);
        const lines: Series[] = has ? [{ label: `ISO ${configured} limit`, color: '#c62828', y: limits, unit: '/m³' }] : [];
        if (has && typeof levels.alert === 'number') lines.push({ label: `alert (${Math.round(levels.alert * 100)} %)`, color: '#a84300', y: limits.map((v) => (v === null ? null : v * levels.alert)), unit: '/m³' });
        const perSize = sizes.map((s, i) => `≥${s} µm ${fmt(conc[i])}/m³ (${limits[i] === null || limits[i] === undefined ? 'no class limit' : `limit ${fmt(limits[i])}`})`).join('; ');
        drawChart(canvas, {
          x: sizes.map((_, i) => i),
          categories: sizes.map((s) => `≥${s} µm`),
          xLabel: 'particle size',
          yLabel: 'particles/m³',
          bars: true,
          logY: true,
          series: [{ label: 'particles', color: '#00838f', y: conc, unit: '/m³' }, ...lines],
          description: `Particle concentration at ${l.location}, required ISO ${configured}: ${perSize}`,
        });
      });
      return el;
    }),
  );
}

// ---------------------------------------------------------------- alerts, uplink, faults
/** The alarms (src/web/alarms.ts); the attention strip shows the count of active unacknowledged ones. */
const alarmPage = createAlarmPage({
  h,
  api,
  showOutcome,
  hms,
  robotIds: () => [...ui.robots.keys()],
  onCount: (open) => {
    const al = $('alarms');
    setClass(al, open ? '' : 'none');
    setText(al, open ? `${open} active unacknowledged alarm${open === 1 ? '' : 's'}` : 'no active unacknowledged alarms');
  },
});

async function pollHealth(): Promise<void> {
  try {
    const { status, body } = await api('/health');
    if (status !== 200) return uplinkUnknown(`/health answered ${status}`);
    const u = body.uplink ?? {};
    const backlog = `backlog ${u.queued ?? 0}`;
    $('uplink').textContent = !u.enabled ? 'uplink disabled' : u.connected ? `uplink connected · ${backlog}` : `uplink down · ${backlog}`;
    $('uplink').className = `pill ${!u.enabled ? '' : u.connected && !u.outbox?.fault ? 'ok' : 'bad'}`;
    $('uplink').title = `checked ${hms(Date.now())}${u.outbox?.fault ? ` · outbox fault ${u.outbox.fault.code}` : ''}`;
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
    uplinkUnknown('gateway unreachable');
  }
}

/** The uplink's state is unknown when /health cannot be read: never keep showing the last one. */
function uplinkUnknown(why: string): void {
  setText($('uplink'), 'uplink unknown');
  setClass($('uplink'), 'pill');
  $('uplink').title = why;
}

// ---------------------------------------------------------------- commands
function showOutcome(ok: boolean, text: string): void {
  const el = $('outcome');
  el.className = ok ? 'ok' : 'bad';
  el.textContent = text;
}

/** What the page knows of acquisition: the robot state does not say whether sampling runs, so the page remembers its own stop/start. */
function commandDone(command: string, robotId: string): void {
  if (command === 'stop_acquisition') fresh.stopped.set(robotId, Date.now());
  else if (command === 'start_acquisition') fresh.stopped.delete(robotId);
  else return;
  renderRobots();
}

/** Destructive commands ask first, naming the robot; the target is fixed when the button is pressed. */
function confirmCommand(what: string, robotId: string): Promise<boolean> {
  const dlg = $<HTMLDialogElement>('confirm');
  setText($('confirm-text'), `${what} on ${robotLabel(robotId)}?`);
  setText($('confirm-ok'), `${what} on ${robotId}`);
  dlg.dataset.robot = robotId;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      dlg.onclose = null;
      $('confirm-ok').onclick = null;
      $('confirm-cancel').onclick = null;
      if (dlg.open) dlg.close();
      resolve(ok);
    };
    $('confirm-ok').onclick = () => done(true);
    $('confirm-cancel').onclick = () => done(false);
    dlg.onclose = () => done(false);
    dlg.showModal();
    $('confirm-cancel').focus();
  });
}

async function sendCommand(command: string, parameters: Json, robotId = ui.selected, confirmText?: string): Promise<void> {
  if (!robotId) return;
  if (confirmText && !(await confirmCommand(confirmText, robotId))) return showOutcome(true, `${confirmText} on ${robotId}: cancelled`);
  if (!token()) $('token').focus();
  showOutcome(true, `${command} on ${robotId}: sending…`);
  try {
    const { status, body } = await api(`/api/robots/${encodeURIComponent(robotId)}/command`, { method: 'POST', body: JSON.stringify({ command, parameters }) });
    if (status === 200) commandDone(command, robotId);
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
  alarmPage.render();
}

function main(): void {
  const saved = sessionStorage.getItem('fabwatch-token');
  if (saved) $<HTMLInputElement>('token').value = saved;
  $('token').addEventListener('change', () => {
    sessionStorage.setItem('fabwatch-token', token());
    if (!ui.ws) connect();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-cmd]')) {
    b.onclick = () => void sendCommand(b.dataset.cmd!, b.dataset.params ? JSON.parse(b.dataset.params) : {}, ui.selected, b.dataset.confirm);
  }
  $<HTMLSelectElement>('range').addEventListener('change', (e) => trend.setRange((e.target as HTMLSelectElement).value));
  window.addEventListener('resize', () => {
    trend.render();
    renderCleanroom();
    renderSelected();
  });
  connect();
  void pollHealth();
  setInterval(() => void pollHealth(), 5000);
  // Ages and staleness move with the clock, not only with updates.
  setInterval(renderRobots, 1000);
}

main();
