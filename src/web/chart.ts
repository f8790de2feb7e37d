/// <reference lib="dom" />
/**
 * Charts of the page, on uPlot (small, fast, canvas; bundled into app.js, no CDN). One uPlot per
 * container, rebuilt only when the series layout or the size changes, otherwise fed new data.
 * Every axis carries its unit; the legend is the hover read-out (values at the cursor, with units);
 * the container is a labelled figure (`description`: the chart's text alternative). Vertical
 * markers (bearing defect frequencies) are drawn in a draw hook with their labels staggered over
 * up to three rows so they never overlap; on a narrow chart the labels are left to the page's marker
 * legend. Charts given the same `syncKey` share the cursor (the trend's small charts).
 */
import uPlot from 'uplot';
import { staggerRows } from './chart-math.js';

export interface Series {
  label: string;
  color: string;
  y: ArrayLike<number | null>;
  /** Unit shown after the value in the hover read-out. */
  unit?: string;
}

export interface Marker {
  x: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  x: ArrayLike<number>;
  series: Series[];
  /** Axis titles, with their units ("frequency (Hz)", "g"). */
  xLabel?: string;
  yLabel?: string;
  xFormat?: (v: number) => string;
  /** Unit after the cursor's x value in the read-out ("Hz"). */
  xUnit?: string;
  logY?: boolean;
  bars?: boolean;
  markers?: Marker[];
  /** Fixed range of the y axis (e.g. health 0-100). */
  yRange?: [number, number];
  /** Category labels for the x positions 0..n-1 (bar charts by size). */
  categories?: string[];
  /** The chart in words: its text alternative (the container's aria-label). */
  description: string;
  /** Charts with the same key share the cursor and read-out. */
  syncKey?: string;
}

/** Below this width (CSS px) marker labels are not drawn on the canvas (the page lists them). */
export const NARROW_CHART_PX = 480;
const LABEL_ROWS = 3;

export const fmt = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));

/** Whole decades around every positive value (bars of small counts stay visible). */
function logRange(spec: ChartSpec): uPlot.Range.MinMax {
  const vals = spec.series.flatMap((s) => Array.from(s.y)).filter((v): v is number => v !== null && v > 0);
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
  const markers = (spec.markers ?? []).filter((m) => m.x >= (u.scales.x.min ?? -Infinity) && m.x <= (u.scales.x.max ?? Infinity)).sort((a, b) => a.x - b.x);
  if (!markers.length) return;
  const g = u.ctx;
  const { top, height } = u.bbox;
  const dpr = uPlot.pxRatio;
  g.save();
  g.font = `${11 * dpr}px system-ui, sans-serif`;
  g.lineWidth = dpr;
  const xs = markers.map((m) => u.valToPos(m.x, 'x', true));
  const rows = u.width < NARROW_CHART_PX ? xs.map(() => -1) : staggerRows(xs, markers.map((m) => g.measureText(m.label).width + 2 * dpr), LABEL_ROWS, 4 * dpr);
  markers.forEach((m, i) => {
    g.strokeStyle = g.fillStyle = m.color;
    g.setLineDash([4 * dpr, 3 * dpr]);
    g.beginPath();
    g.moveTo(xs[i], top);
    g.lineTo(xs[i], top + height);
    g.stroke();
    if (rows[i] >= 0) g.fillText(m.label, xs[i] + 2 * dpr, top + (11 + 12 * rows[i]) * dpr);
  });
  g.restore();
}

function options(el: HTMLElement, spec: ChartSpec, ref: { spec: ChartSpec }): uPlot.Options {
  // Formatting reads the latest spec (ref.spec): the trend's time origin moves with its data.
  const xText = (v: number) => {
    const sp = ref.spec;
    return sp.categories ? (sp.categories[Math.round(v)] ?? '') : sp.xFormat ? sp.xFormat(v) : `${fmt(v)}${sp.xUnit ? ` ${sp.xUnit}` : ''}`;
  };
  const xValues = spec.categories
    ? (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (ref.spec.categories![t] ?? '') : ''))
    : spec.xFormat
      ? (_u: uPlot, ticks: number[]) => ticks.map((t) => ref.spec.xFormat!(t))
      : undefined;
  const bars = spec.bars ? uPlot.paths.bars!({ size: [0.6, 60], align: 0 }) : undefined;
  return {
    width: el.clientWidth || 300,
    height: Number(el.dataset.h ?? 180),
    legend: { show: true, live: true },
    cursor: { show: true, drag: { x: false, y: false }, ...(spec.syncKey ? { sync: { key: spec.syncKey } } : {}) },
    scales: {
      x: { time: false, ...(spec.categories ? { range: [-0.5, spec.categories.length - 0.5] as uPlot.Range.MinMax } : {}) },
      y: spec.logY ? { distr: 3, range: () => logRange(ref.spec) } : spec.yRange ? { range: spec.yRange } : spec.bars ? { range: (_u, _min, max) => [0, max * 1.1 || 1] } : {},
    },
    axes: [
      { values: xValues, space: spec.xFormat ? 90 : 50, label: spec.xLabel, labelSize: spec.xLabel ? 16 : 0, ...(spec.categories ? { splits: () => spec.categories!.map((_, i) => i) } : {}) },
      { size: 58, label: spec.yLabel, labelSize: spec.yLabel ? 16 : 0, values: (_u: uPlot, ticks: number[]) => ticks.map(fmt) },
    ],
    series: [
      { label: spec.xLabel ?? '', value: (_u: uPlot, v: number | null) => (v === null ? '–' : xText(v)) },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => `${fmt(v)}${v === null || v === undefined || !s.unit ? '' : ` ${s.unit}`}`,
        // Bar charts: the first series as bars, the others (class limits) as lines with points.
        ...(bars && i === 0 ? { paths: bars, fill: s.color + 'cc', points: { show: false } } : { points: { show: Boolean(bars), size: 5 } }),
      })),
    ],
    hooks: { draw: [(u: uPlot) => overlay(u, ref.spec)] },
  };
}

export function drawChart(el: HTMLElement, spec: ChartSpec): void {
  if (el.getAttribute('role') !== 'figure') el.setAttribute('role', 'figure');
  if (el.getAttribute('aria-label') !== spec.description) el.setAttribute('aria-label', spec.description);
  const layout = JSON.stringify([spec.series.map((s) => [s.label, s.color, s.unit]), spec.logY, spec.bars, spec.categories, spec.xLabel, spec.yLabel, spec.yRange, el.clientWidth, el.dataset.h]);
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
