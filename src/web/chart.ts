/// <reference lib="dom" />
/**
 * A small canvas line/bar chart (no dependency: the page must stay small and work offline).
 * Series share one x axis; vertical markers (bearing defect frequencies) and horizontal limit
 * lines (ISO 14644-1 class limits) are labelled.
 */
export interface Series {
  label: string;
  color: string;
  y: ArrayLike<number | null>;
  /** Draw on a second y axis at the right. */
  right?: boolean;
}

export interface ChartSpec {
  x: ArrayLike<number>;
  series: Series[];
  xLabel?: string;
  xFormat?: (v: number) => string;
  logY?: boolean;
  bars?: boolean;
  markers?: Array<{ x: number; label: string; color: string }>;
  hlines?: Array<{ y: number; label: string; color: string }>;
  /** Use these x labels instead of numbers (bar charts by category). */
  categories?: string[];
}

const PAD = { l: 46, r: 46, t: 16, b: 26 };

function niceTicks(lo: number, hi: number, n = 4): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300;
  const h = canvas.clientHeight || 160;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '10px system-ui, sans-serif';
  const n = spec.x.length;
  const pw = w - PAD.l - PAD.r;
  const ph = h - PAD.t - PAD.b;
  if (!n) {
    g.fillStyle = '#888';
    g.fillText('no data yet', PAD.l + 8, PAD.t + 16);
    return;
  }
  const xs = Array.from(spec.x);
  const x0 = spec.categories ? -0.5 : Math.min(...xs);
  const x1 = spec.categories ? n - 0.5 : Math.max(...xs);
  const range = (right: boolean) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of spec.series) {
      if (Boolean(s.right) !== right) continue;
      for (let i = 0; i < s.y.length; i++) {
        const v = s.y[i];
        if (v === null || !Number.isFinite(v) || (spec.logY && v <= 0)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!right) for (const l of spec.hlines ?? []) if (!spec.logY || l.y > 0) (lo = Math.min(lo, l.y)), (hi = Math.max(hi, l.y));
    if (!Number.isFinite(lo)) return null;
    if (spec.logY) return { lo: Math.log10(lo) - 0.2, hi: Math.log10(hi) + 0.2 };
    if (!spec.bars && lo === hi) return { lo: lo - 1, hi: hi + 1 };
    return { lo: spec.bars ? Math.min(0, lo) : lo - (hi - lo) * 0.05, hi: hi + (hi - lo) * 0.08 };
  };
  const left = range(false);
  const right = range(true);
  const px = (x: number) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * pw;
  const py = (r: { lo: number; hi: number }, y: number) => PAD.t + ph - (((spec.logY ? Math.log10(y) : y) - r.lo) / (r.hi - r.lo || 1)) * ph;

  // Axes and ticks.
  g.strokeStyle = '#ccd';
  g.fillStyle = '#667';
  g.lineWidth = 1;
  g.strokeRect(PAD.l, PAD.t, pw, ph);
  if (left) {
    const ticks = spec.logY ? niceTicks(Math.ceil(left.lo), Math.floor(left.hi), 4).map((e) => 10 ** e) : niceTicks(left.lo, left.hi);
    g.textAlign = 'right';
    for (const t of ticks) {
      const y = py(left, t);
      if (y < PAD.t - 1 || y > PAD.t + ph + 1) continue;
      g.fillText(fmt(t), PAD.l - 4, y + 3);
      g.beginPath();
      g.moveTo(PAD.l, y);
      g.lineTo(PAD.l + pw, y);
      g.strokeStyle = '#eef';
      g.stroke();
    }
  }
  if (right) {
    g.textAlign = 'left';
    for (const t of niceTicks(right.lo, right.hi)) g.fillText(fmt(t), PAD.l + pw + 4, py(right, t) + 3);
  }
  g.textAlign = 'center';
  if (spec.categories) spec.categories.forEach((c, i) => g.fillText(c, px(i), h - 10));
  else for (const t of niceTicks(x0, x1, 5)) g.fillText(spec.xFormat ? spec.xFormat(t) : fmt(t), px(t), h - 10);
  if (spec.xLabel) {
    g.textAlign = 'right';
    g.fillText(spec.xLabel, PAD.l + pw, h - 1);
  }

  // Markers and limit lines.
  for (const m of spec.markers ?? []) {
    if (m.x < x0 || m.x > x1) continue;
    g.strokeStyle = m.color;
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(px(m.x), PAD.t);
    g.lineTo(px(m.x), PAD.t + ph);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = m.color;
    g.textAlign = 'left';
    g.fillText(m.label, px(m.x) + 2, PAD.t + 10);
  }
  if (left) {
    for (const l of spec.hlines ?? []) {
      g.strokeStyle = l.color;
      g.setLineDash([6, 3]);
      g.beginPath();
      g.moveTo(PAD.l, py(left, l.y));
      g.lineTo(PAD.l + pw, py(left, l.y));
      g.stroke();
      g.setLineDash([]);
      g.fillStyle = l.color;
      g.textAlign = 'right';
      g.fillText(l.label, PAD.l + pw - 2, py(left, l.y) - 2);
    }
  }

  // Data.
  spec.series.forEach((s, si) => {
    const r = s.right ? right : left;
    if (!r) return;
    g.strokeStyle = g.fillStyle = s.color;
    g.lineWidth = 1.5;
    if (spec.bars) {
      const bw = Math.max(2, (pw / n) * (0.8 / spec.series.length));
      for (let i = 0; i < n; i++) {
        const v = s.y[i];
        if (v === null || !Number.isFinite(v) || (spec.logY && v <= 0)) continue;
        const base = spec.logY ? PAD.t + ph : py(r, 0);
        const top = py(r, v);
        g.fillRect(px(i) - (bw * spec.series.length) / 2 + si * bw, Math.min(top, base), bw - 1, Math.abs(base - top));
      }
      return;
    }
    g.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = s.y[i];
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const X = px(xs[i]);
      const Y = py(r, v);
      if (pen) g.lineTo(X, Y);
      else g.moveTo(X, Y);
      pen = true;
    }
    g.stroke();
  });
  // Legend.
  let lx = PAD.l + 4;
  g.textAlign = 'left';
  for (const s of spec.series) {
    g.fillStyle = s.color;
    g.fillRect(lx, 4, 8, 8);
    g.fillStyle = '#445';
    g.fillText(s.label + (s.right ? ' (right)' : ''), lx + 11, 12);
    lx += g.measureText(s.label).width + (s.right ? 50 : 22);
  }
}
