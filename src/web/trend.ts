/// <reference lib="dom" />
/**
 * The selected robot's trends: one small chart per unit (RMS in g, velocity in mm/s, health 0-100)
 * sharing the cursor, over a chosen time range (1 h / 8 h / 24 h / 7 d) read from
 * GET /api/robots/:id/history with only the plotted fields, decimated by the gateway to about the
 * chart's width in points. The 1 h view is extended live from telemetry frames; longer views are
 * re-read once a minute (a live point a second would not show at that scale). Lines break at gaps.
 */
import { drawChart, fmt } from './chart.js';
import { breakAtGaps } from './chart-math.js';

type Json = Record<string, any>;
type Fetch = (path: string) => Promise<{ status: number; body: Json }>;

export const RANGES: Record<string, { ms: number; text: string }> = {
  '1h': { ms: 3_600_000, text: 'last hour' },
  '8h': { ms: 8 * 3_600_000, text: 'last 8 hours' },
  '24h': { ms: 24 * 3_600_000, text: 'last 24 hours' },
  '7d': { ms: 7 * 24 * 3_600_000, text: 'last 7 days' },
};

/** The plotted fields (dotted names of the history API) and the chart each goes to. */
const FIELDS = [
  { field: 'vibration.rms', el: 'trend-rms', label: 'RMS', unit: 'g', color: '#1565c0' },
  { field: 'vibration.velocity_rms_mm_s', el: 'trend-vel', label: 'velocity RMS', unit: 'mm/s', color: '#6a1b9a' },
  { field: 'health_score', el: 'trend-health', label: 'health score', unit: '/ 100', color: '#2e7d32', yRange: [0, 100] as [number, number] },
] as const;

const LIVE_RANGE = '1h';
const RELOAD_MS = 60_000;
/** Selections closer together than this cost one history read. */
export const SETTLE_MS = 250;

export class Trend {
  private robot = '';
  private range = LIVE_RANGE;
  private t: number[] = [];
  private v: Array<Array<number | null>> = FIELDS.map(() => []);
  private bucketMs = 0;
  private seq = 0;
  private timer?: number;

  constructor(private readonly get: Fetch) {}

  get rangeKey(): string {
    return this.range;
  }

  /** A new robot: its trend is cleared at once and read a moment later (rapid clicks read only the last one). */
  setRobot(id: string): void {
    this.robot = id;
    this.clear();
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), SETTLE_MS);
  }

  setRange(key: string): void {
    if (!RANGES[key] || key === this.range) return;
    this.range = key;
    this.clear();
    void this.load();
  }

  private clear(): void {
    this.t = [];
    this.v = FIELDS.map(() => []);
    this.bucketMs = 0;
    this.render();
  }

  /** Points the gateway should decimate to: about one per pixel of the chart. */
  private points(): number {
    const w = document.getElementById(FIELDS[0].el)?.clientWidth ?? 600;
    return Math.max(50, Math.min(2000, Math.round(w)));
  }

  async load(): Promise<void> {
    const id = this.robot;
    if (!id) return;
    const seq = ++this.seq;
    window.clearTimeout(this.timer);
    if (this.range !== LIVE_RANGE) this.timer = window.setTimeout(() => void this.load(), RELOAD_MS);
    const from = Date.now() - RANGES[this.range].ms;
    const q = `from=${from}&fields=${FIELDS.map((f) => f.field).join(',')}&max_points=${this.points()}`;
    const { status, body } = await this.get(`/api/robots/${encodeURIComponent(id)}/history?${q}`).catch(() => ({ status: 0, body: {} as Json }));
    if (status !== 200 || seq !== this.seq) return;
    const t: number[] = [];
    const v: Array<Array<number | null>> = FIELDS.map(() => []);
    for (const p of body.points as Json[]) {
      t.push(Date.parse(p.ts));
      FIELDS.forEach((f, k) => v[k].push(typeof p[f.field] === 'number' ? p[f.field] : null));
    }
    // Keep what arrived live while the history was loading.
    const last = t.length ? t[t.length - 1] : 0;
    this.t.forEach((tt, i) => {
      if (tt <= last) return;
      t.push(tt);
      v.forEach((col, k) => col.push(this.v[k][i]));
    });
    this.t = t;
    this.v = v;
    this.bucketMs = typeof body.bucket_ms === 'number' ? body.bucket_ms : 0;
    this.render();
  }

  /** A telemetry record of the selected robot (the 1 h view only). */
  live(rec: Json): void {
    if (rec.robot_id !== this.robot || this.range !== LIVE_RANGE) return;
    const ts = Date.parse(rec.ts);
    if (!Number.isFinite(ts) || ts <= (this.t[this.t.length - 1] ?? -Infinity)) return;
    this.t.push(ts);
    FIELDS.forEach((f, k) => {
      const v = f.field.split('.').reduce<any>((o, key) => o?.[key], rec);
      this.v[k].push(typeof v === 'number' ? v : null);
    });
    const cut = this.t.findIndex((x) => x >= ts - RANGES[this.range].ms);
    if (cut > 0) {
      this.t.splice(0, cut);
      for (const col of this.v) col.splice(0, cut);
    }
    this.render();
  }

  render(): void {
    const g = breakAtGaps(this.t, this.v, this.bucketMs);
    const t0 = g.t[0] ?? 0;
    const span = (g.t[g.t.length - 1] ?? t0) - t0;
    const opts: Intl.DateTimeFormatOptions =
      span > 86_400_000 ? { weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false } : span > 600_000 ? { hour: '2-digit', minute: '2-digit', hour12: false } : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    const gaps = g.t.length - this.t.length;
    FIELDS.forEach((f, k) => {
      const el = document.getElementById(f.el);
      if (!el) return;
      const vals = this.v[k].filter((x): x is number => x !== null);
      const latest = vals[vals.length - 1];
      const description = vals.length
        ? `${f.label} of ${this.robot}, ${RANGES[this.range].text}: latest ${fmt(latest)} ${f.unit}, lowest ${fmt(Math.min(...vals))}, highest ${fmt(Math.max(...vals))} ${f.unit}; ${vals.length} points${gaps ? `, ${gaps} gap${gaps === 1 ? '' : 's'} without data` : ''}`
        : `${f.label} of ${this.robot || 'no robot'}, ${RANGES[this.range].text}: no data`;
      drawChart(el, {
        x: g.t.map((t) => t - t0),
        series: [{ label: f.label, color: f.color, y: g.ys[k], unit: f.unit }],
        yLabel: f.unit === '/ 100' ? 'score (0–100)' : f.unit,
        yRange: 'yRange' in f ? f.yRange : undefined,
        xLabel: 'time',
        xFormat: (x) => new Date(t0 + x).toLocaleString([], opts),
        description,
        syncKey: 'trend',
      });
    });
  }
}
