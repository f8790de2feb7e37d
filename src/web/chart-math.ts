/**
 * The page's chart arithmetic, without DOM or uPlot (unit-tested in Node: test/unit/web-charts.test.ts):
 * where a trend breaks, and how marker labels are staggered so that none overlaps another.
 */

/** How many typical point spacings a step may span before the line breaks there. */
export const GAP_FACTOR = 3;

/**
 * A time series with a null point inserted in every gap, so the chart's line breaks there instead
 * of drawing a straight line across it. A gap is a step longer than GAP_FACTOR x the typical step
 * (the median, and never less than `minStepMs`: history buckets are `bucket_ms` apart).
 */
export function breakAtGaps(t: readonly number[], ys: ReadonlyArray<ReadonlyArray<number | null>>, minStepMs = 0): { t: number[]; ys: Array<Array<number | null>> } {
  const steps: number[] = [];
  for (let i = 1; i < t.length; i++) steps.push(t[i] - t[i - 1]);
  const sorted = [...steps].sort((a, b) => a - b);
  const typical = Math.max(minStepMs, sorted.length ? sorted[sorted.length >> 1] : 0);
  const out = { t: [] as number[], ys: ys.map(() => [] as Array<number | null>) };
  for (let i = 0; i < t.length; i++) {
    if (i > 0 && typical > 0 && t[i] - t[i - 1] > GAP_FACTOR * typical) {
      out.t.push(t[i - 1] + typical);
      out.ys.forEach((y) => y.push(null));
    }
    out.t.push(t[i]);
    ys.forEach((y, k) => out.ys[k].push(y[i] ?? null));
  }
  return out;
}

/**
 * Rows for marker labels so that none overlaps another in its row: each label (left edge `xs[i]`,
 * `widths[i]` wide, `xs` ascending) takes the first row whose last label ends `gap` left of it; a
 * label that fits no row gets -1 (not drawn on the canvas; the page's marker legend lists it).
 */
export function staggerRows(xs: readonly number[], widths: readonly number[], rows = 3, gap = 4): number[] {
  const end = new Array<number>(rows).fill(-Infinity);
  return xs.map((x, i) => {
    const row = end.findIndex((e) => e + gap <= x);
    if (row >= 0) end[row] = x + widths[i];
    return row;
  });
}
