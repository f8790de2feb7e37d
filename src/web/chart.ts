/// <reference lib="dom" />
/**
 * Charts of the page, on uPlot (small, fast, canvas; bundled into app.js, no CDN). One uPlot per
 * container, rebuilt only when the series layout or the size changes, otherwise fed new data.
 * Vertical markers (bearing defect frequencies) and horizontal limit lines (ISO 14644-1 class
 * limits) are drawn in a draw hook.
 */
import uPlot from 'uplot';

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
  /** Fixed range of the right axis (e.g. health 0-100). */
  rightRange?: [number, number];
  /** Category labels for the x positions 0..n-1 (bar charts by size). */
  categories?: string[];
}

const fmt = (v: number | null) => (v === null || v === undefined ? '' : v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** Whole decades around every positive value (bars of small counts stay visible). */
function logRange(spec: ChartSpec): uPlot.Range.MinMax {
  const vals = [...spec.series.flatMap((s) => Array.from(s.y)), ...(spec.hlines ?? []).map((l) => l.y)].filter((v): v is number => v !== null && v > 0);
  if (!vals.length) return [1, 10];
  return [10 ** Math.floor(Math.log10(Math.min(...vals))), 10 ** Math.ceil(Math.log10(Math.max(...vals)) + 1e-9)];
}

interface Mounted {
  u: uPlot;
  layout: string;
  spec: ChartSpec;
}
const mounted = new WeakMap<HTMLElement, Mounted>();

function overlay(u: uPlot, spec: ChartSpec): void {
  const g = u.ctx;
  const { left, top, width, height } = u.bbox;
  const dpr = uPlot.pxRatio;
  g.save();
  g.font = `${10 * dpr}px system-ui, sans-serif`;
  g.lineWidth = dpr;
  for (const m of spec.markers ?? []) {
    const x = u.valToPos(m.x, 'x', true);
    if (x < left || x > left + width) continue;
    g.strokeStyle = g.fillStyle = m.color;
    g.setLineDash([4 * dpr, 3 * dpr]);
    g.beginPath();
    g.moveTo(x, top);
    g.lineTo(x, top + height);
    g.stroke();
    g.fillText(m.label, x + 2 * dpr, top + 10 * dpr);
  }
  for (const l of spec.hlines ?? []) {
    const y = u.valToPos(l.y, 'y', true);
    if (y < top || y > top + height) continue;
    g.strokeStyle = g.fillStyle = l.color;
    g.setLineDash([6 * dpr, 3 * dpr]);
    g.beginPath();
    g.moveTo(left, y);
    g.lineTo(left + width, y);
    g.stroke();
    g.textAlign = 'right';
    g.fillText(l.label, left + width - 2 * dpr, y - 2 * dpr);
  }
  g.restore();
}

function options(el: HTMLElement, spec: ChartSpec, ref: { spec: ChartSpec }): uPlot.Options {
  const anyRight = spec.series.some((s) => s.right);
  const xValues = spec.categories
    ? (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? spec.categories![t] ?? '' : ''))
    : spec.xFormat
      ? (_u: uPlot, ticks: number[]) => ticks.map((t) => spec.xFormat!(t))
      : undefined;
  const bars = spec.bars ? uPlot.paths.bars!({ size: [0.6, 60], align: 0 }) : undefined;
  return {
    width: el.clientWidth || 300,
    height: Number(el.dataset.h ?? 180),
    legend: { show: true, live: false },
    cursor: { show: !spec.bars, drag: { x: false, y: false } },
    scales: {
      x: { time: false, ...(spec.categories ? { range: [-0.5, spec.categories.length - 0.5] as uPlot.Range.MinMax } : {}) },
      y: spec.logY ? { distr: 3, range: () => logRange(ref.spec) } : spec.bars ? { range: (_u, _min, max) => [0, max * 1.1 || 1] } : {},
      ...(anyRight ? { y2: spec.rightRange ? { range: spec.rightRange as uPlot.Range.MinMax } : {} } : {}),
    },
    axes: [
      { values: xValues, space: spec.xFormat ? 90 : 50, label: spec.xLabel, labelSize: spec.xLabel ? 14 : 0, ...(spec.categories ? { splits: () => spec.categories!.map((_, i) => i) } : {}) },
      { size: 58, values: (_u: uPlot, ticks: number[]) => ticks.map(fmt) },
      ...(anyRight ? [{ scale: 'y2', side: 1 as const, grid: { show: false }, size: 40 }] : []),
    ],
    series: [
      {},
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        scale: s.right ? 'y2' : 'y',
        spanGaps: false,
        // Bar charts: the first series as bars, the others (class limits) as lines with points.
        ...(bars && i === 0 ? { paths: bars, fill: s.color + 'cc', points: { show: false } } : { points: { show: Boolean(bars), size: 5 } }),
      })),
    ],
    hooks: { draw: [(u: uPlot) => overlay(u, ref.spec)] },
  };
}

export function drawChart(el: HTMLElement, spec: ChartSpec): void {
  const layout = JSON.stringify([spec.series.map((s) => [s.label, s.color, s.right]), spec.logY, spec.bars, spec.categories, spec.xLabel, el.clientWidth, el.dataset.h]);
  const data = [Array.from(spec.x), ...spec.series.map((s) => Array.from(s.y))] as uPlot.AlignedData;
  const m = mounted.get(el);
  if (m && m.layout === layout) {
    m.spec = spec;
    m.u.setData(data);
    return;
  }
  m?.u.destroy();
  const ref = { spec };
  const u = new uPlot(options(el, spec, ref), data, el);
  const entry: Mounted = { u, layout, spec };
  // The draw hook reads the latest spec (markers move with the diagnosis).
  Object.defineProperty(ref, 'spec', { get: () => entry.spec });
  mounted.set(el, entry);
}
