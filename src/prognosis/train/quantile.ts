/**
 * Evaluation-only candidate (not shipped, not run by `npm run train`): linear quantile regression of
 * ln RUL with split-conformal calibration (CQR, Romano et al. 2019). `nice -n 10 node --import tsx
 * src/prognosis/train/quantile.ts` prints the two protocols of `npm run train` for docs/rul.md.
 *
 * Features per snapshot, all causal and computed by the gateway's own classes (dataset.ts):
 *   ln of the 4 smoothed baseline ratios (the population model's inputs); HI = ln max(S/phi, 1) of the
 *   amplitude indicator (0 until its baseline is learnt); its running maximum; its change over the
 *   last 60 snapshots (10 min). Standardised on the training rows; intercept.
 * Model: for each level tau in TAUS a linear quantile of ln max(RUL, 10 s), fitted by minimising the
 * pinball loss (each training bearing weighted equally) + a small L2 penalty, by IRLS (deterministic,
 * warm start at the least-squares line, fixed iteration count). Predicted quantiles are sorted at
 * each point (rearrangement), so they never cross.
 * Calibration (nested): for an outer fold the 12 training bearings are each held out in turn, the
 * model refitted on the other 11 and its quantiles predicted on the held-out one; conformity scores
 * E = max(q_lo - y, y - q_hi) per interval level (and y - q_0.2 for the point) over those inner
 * held-out snapshots give additive ln-space corrections (CQR). Variants (all fixed before the run,
 * none tuned): `raw` (no calibration), `whole` (scores over whole inner lives), `late` (scores over
 * inner snapshots at 60-97 % of life, the life range of the challenge cuts; the fractions come from
 * the challenge's definition, not from a held-out bearing). Point = the (calibrated) 0.2 quantile,
 * the PHM 2012 Bayes point (rul-fusion.ts).
 * Nothing of the outer held-out bearing is used in fitting, calibration or selection.
 */
import { FEMTO_BEARINGS, datasetsDir, loadFemtoBearing } from './femto.js';
import { phmAccuracy, RUL_MODEL_INPUT_COUNT } from '../rul-math.js';
import { PHM_POINT_QUANTILE } from '../rul-fusion.js';
import { bearingRows, type BearingRows } from './dataset.js';
import { COVERAGE_LEVELS, TRUNCATION_FRACTIONS, truncationIndex, weightedQuantile as weightedResidualQuantile, type FusedTruncation } from './evaluate.js';
import { protocolSummary } from './protocol-summary.js';
import { logRul } from './fit.js';

/** Quantile levels fitted: the ends of the 80/90/95 % intervals, the point (0.2) and the median. */
export const TAUS = [0.025, 0.05, 0.1, PHM_POINT_QUANTILE, 0.5, 0.9, 0.95, 0.975] as const;
const FEATURES = RUL_MODEL_INPUT_COUNT + 3;
const D = FEATURES + 1; // + intercept
const L2 = 1e-3;
const IRLS_ITERATIONS = 60;
const IRLS_EPS = 1e-3;
const TREND_SNAPSHOTS = 60;
const LATE = [0.6, 0.97] as const;

export interface QrData {
  id: string;
  /** Raw features [n, FEATURES]. */
  f: Float64Array;
  y: Float64Array;
  /** Life fraction of each row. */
  frac: Float64Array;
  n: number;
  rows: BearingRows;
}

export function qrData(r: BearingRows): QrData {
  const f = new Float64Array(r.n * FEATURES);
  const y = new Float64Array(r.n);
  const frac = new Float64Array(r.n);
  const hi = new Float64Array(r.n);
  let hiMax = 0;
  for (let i = 0; i < r.n; i++) {
    hi[i] = r.ampReady[i] ? Math.log(Math.max(r.ampLevel[i] / r.ampBase[i], 1)) : 0;
    hiMax = Math.max(hiMax, hi[i]);
    const o = i * FEATURES;
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) f[o + k] = Math.log(r.x[i * RUL_MODEL_INPUT_COUNT + k]);
    f[o + RUL_MODEL_INPUT_COUNT] = hi[i];
    f[o + RUL_MODEL_INPUT_COUNT + 1] = hiMax;
    f[o + RUL_MODEL_INPUT_COUNT + 2] = i >= TREND_SNAPSHOTS ? hi[i] - hi[i - TREND_SNAPSHOTS] : 0;
    y[i] = logRul(r.rulS[i]);
    frac[i] = r.tS[i] / r.lifeS;
  }
  return { id: r.id, f, y, frac, n: r.n, rows: r };
}

export interface QrModel {
  mean: Float64Array;
  sd: Float64Array;
  /** Coefficients per tau, [TAUS.length][D] (intercept last). */
  beta: Float64Array[];
}

/** Solve A x = b for symmetric positive definite A (d x d, row-major) by Cholesky; A is overwritten. */
function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= a[j * d + k] ** 2;
    const l = Math.sqrt(Math.max(s, 1e-12));
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) x[i] -= a[i * d + k] * x[k];
    x[i] /= a[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    for (let k = i + 1; k < d; k++) x[i] -= a[k * d + i] * x[k];
    x[i] /= a[i * d + i];
  }
  return x;
}

function design(data: QrData[], mean: Float64Array, sd: Float64Array): { z: Float64Array; y: Float64Array; w: Float64Array; n: number } {
  const n = data.reduce((a, b) => a + b.n, 0);
  const z = new Float64Array(n * D);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  let r = 0;
  for (const b of data) {
    for (let i = 0; i < b.n; i++, r++) {
      for (let k = 0; k < FEATURES; k++) z[r * D + k] = (b.f[i * FEATURES + k] - mean[k]) / sd[k];
      z[r * D + FEATURES] = 1;
      y[r] = b.y[i];
      w[r] = 1 / (b.n * data.length);
    }
  }
  return { z, y, w, n };
}

/** Weighted, L2-penalised fit: per row weight c_k, target t_k; minimises sum c (t - z beta)^2 + L2 |beta w/o intercept|^2 + linear term. */
function weightedSolve(z: Float64Array, c: Float64Array, rhsExtra: Float64Array | null, t: Float64Array, n: number): Float64Array {
  const a = new Float64Array(D * D);
  const b = new Float64Array(D);
  for (let r = 0; r < n; r++) {
    const cr = c[r];
    if (cr === 0) continue;
    const o = r * D;
    for (let i = 0; i < D; i++) {
      const zi = cr * z[o + i];
      b[i] += zi * t[r];
      for (let j = 0; j <= i; j++) a[i * D + j] += zi * z[o + j];
    }
  }
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) a[j * D + i] = a[i * D + j];
  for (let i = 0; i < FEATURES; i++) a[i * D + i] += L2;
  if (rhsExtra) for (let i = 0; i < D; i++) b[i] += rhsExtra[i];
  return solveSpd(a, b, D);
}

export function fitQr(data: QrData[]): QrModel {
  const mean = new Float64Array(FEATURES);
  const sd = new Float64Array(FEATURES);
  const total = data.reduce((a, b) => a + b.n, 0);
  for (const b of data) for (let i = 0; i < b.n; i++) for (let k = 0; k < FEATURES; k++) mean[k] += b.f[i * FEATURES + k] / total;
  for (const b of data) for (let i = 0; i < b.n; i++) for (let k = 0; k < FEATURES; k++) sd[k] += (b.f[i * FEATURES + k] - mean[k]) ** 2 / total;
  for (let k = 0; k < FEATURES; k++) sd[k] = Math.sqrt(sd[k]) || 1;
  const { z, y, w, n } = design(data, mean, sd);
  // least-squares start (L2 on the same scale as the pinball fits)
  const start = weightedSolve(z, w, null, y, n);
  const c = new Float64Array(n);
  const extra = new Float64Array(D);
  const beta: Float64Array[] = [];
  for (const tau of TAUS) {
    // pinball(r) = 0.5 |r| + (tau - 0.5) r; IRLS (majorise-minimise): 0.5 |r| <= r^2 / (4 |r_old|) + const
    // -> weighted least squares with a linear term, whose fixed point is the pinball minimum
    let bt: Float64Array = Float64Array.from(start);
    extra.fill(0);
    for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) extra[i] += (tau - 0.5) * w[r] * z[r * D + i];
    for (let it = 0; it < IRLS_ITERATIONS; it++) {
      for (let r = 0; r < n; r++) {
        let pred = 0;
        for (let i = 0; i < D; i++) pred += z[r * D + i] * bt[i];
        c[r] = (0.25 * w[r]) / Math.max(Math.abs(y[r] - pred), IRLS_EPS);
      }
      // normal equations of sum c r^2 + sum w (tau-0.5) r + L2: (Z'CZ + L2) beta = Z'C y + 0.5 sum w (tau-0.5) z
      const half = extra.map((v) => 0.5 * v);
      bt = weightedSolve(z, c, half, y, n);
    }
    beta.push(bt);
  }
  return { mean, sd, beta };
}

/** Sorted ln-RUL quantiles (TAUS order) at row i of `b`. */
export function predictQr(m: QrModel, b: QrData, i: number): number[] {
  const q = m.beta.map((bt) => {
    let s = bt[FEATURES];
    for (let k = 0; k < FEATURES; k++) s += bt[k] * ((b.f[i * FEATURES + k] - m.mean[k]) / m.sd[k]);
    return s;
  });
  return q.sort((a, c) => a - c);
}

const tauIndex = (t: number) => TAUS.indexOf(t as (typeof TAUS)[number]);

/** Additive ln-space corrections: per interval level (CQR) and for the point. */
export interface QrCalibration {
  interval: Record<string, number>;
  point: number;
}

/** Weighted p-quantile of values (evaluate.ts's, on {v, w}). */
function weightedQuantile(xs: Array<{ v: number; w: number }>, p: number): number {
  return weightedResidualQuantile(xs.map((x) => ({ r: x.v, w: x.w })), p);
}

/** Conformity scores from the inner folds of `train` (each inner bearing held out, refitted on the rest); `late` keeps 60-97 % of life only. */
export function innerScores(train: QrData[]): Array<{ q: number[]; y: number; frac: number; w: number }> {
  const out: Array<{ q: number[]; y: number; frac: number; w: number }> = [];
  for (const held of train) {
    const m = fitQr(train.filter((b) => b !== held));
    for (let i = 0; i < held.n; i++) out.push({ q: predictQr(m, held, i), y: held.y[i], frac: held.frac[i], w: 1 / held.n });
  }
  return out;
}

export function calibrate(scores: Array<{ q: number[]; y: number; frac: number; w: number }>, range: readonly [number, number] | null): QrCalibration {
  const s = range ? scores.filter((x) => x.frac >= range[0] && x.frac <= range[1]) : scores;
  const interval: Record<string, number> = {};
  for (const l of COVERAGE_LEVELS) {
    const lo = tauIndex(Math.round((0.5 - l / 2) * 1000) / 1000);
    const hi = tauIndex(Math.round((0.5 + l / 2) * 1000) / 1000);
    interval[String(l)] = weightedQuantile(s.map((x) => ({ v: Math.max(x.q[lo] - x.y, x.y - x.q[hi]), w: x.w })), l);
  }
  const pi = tauIndex(PHM_POINT_QUANTILE);
  const point = weightedQuantile(s.map((x) => ({ v: x.y - x.q[pi], w: x.w })), PHM_POINT_QUANTILE);
  return { interval, point };
}

const NO_CALIBRATION: QrCalibration = { interval: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), 0])), point: 0 };

function cut(m: QrModel, cal: QrCalibration, b: QrData, i: number, fraction: number, actual: number): FusedTruncation {
  const q = predictQr(m, b, i);
  const lowS: Record<string, number> = {};
  const highS: Record<string, number> = {};
  for (const l of COVERAGE_LEVELS) {
    const lo = tauIndex(Math.round((0.5 - l / 2) * 1000) / 1000);
    const hi = tauIndex(Math.round((0.5 + l / 2) * 1000) / 1000);
    const e = cal.interval[String(l)];
    // a negative correction can shrink an interval past its own centre: keep low <= high
    const a = q[lo] - e;
    const c = q[hi] + e;
    lowS[String(l)] = Math.exp(Math.min(a, c));
    highS[String(l)] = Math.exp(Math.max(a, c));
  }
  const point = Math.exp(q[tauIndex(PHM_POINT_QUANTILE)] + cal.point);
  const median = Math.exp(q[tauIndex(0.5)]);
  return { fraction, state: 'degrading', tS: b.rows.tS[i], actualRulS: actual, rulS: point, medianS: median, lowS, highS, source: 'population', percentError: (100 * (actual - point)) / actual, accuracy: phmAccuracy(actual, point), accuracyOfMedian: phmAccuracy(actual, median) };
}

function main(): void {
  const t0 = Date.now();
  const dir = datasetsDir(process.cwd());
  const data = FEMTO_BEARINGS.map(({ id, set }) => qrData(bearingRows(loadFemtoBearing(dir, id, set), 'horiz')));
  console.log(`features: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const variants = ['raw', 'whole', 'late'] as const;
  const lobo: Record<string, FusedTruncation[]> = { raw: [], whole: [], late: [] };
  const challenge: Record<string, FusedTruncation[]> = { raw: [], whole: [], late: [] };
  for (const held of data) {
    const train = data.filter((b) => b !== held);
    const m = fitQr(train);
    const scores = innerScores(train);
    const cals = { raw: NO_CALIBRATION, whole: calibrate(scores, null), late: calibrate(scores, LATE) };
    let line = `${held.id.padEnd(11)}`;
    for (const v of variants) {
      const cuts = TRUNCATION_FRACTIONS.map((f) => {
        const i = truncationIndex(held.rows, f);
        return cut(m, cals[v], held, i, f, held.rows.rulS[i]);
      });
      lobo[v].push(...cuts);
      line += ` ${v} LOBO ${(cuts.reduce((a, c) => a + c.accuracy, 0) / cuts.length).toFixed(3)}`;
      const ch = held.rows.challenge;
      if (ch) {
        const i = Math.min(ch.truncationSnapshots - 1, held.n - 1);
        const c = cut(m, cals[v], held, i, held.rows.tS[i] / held.rows.lifeS, ch.actualRulS);
        challenge[v].push(c);
        if (v === 'late') line += `  challenge (late): ActRUL ${c.actualRulS} s, predicted ${Math.round(c.rulS)} s [${Math.round(c.lowS['0.9'])}, ${Math.round(c.highS['0.9'])}] -> A ${c.accuracy.toFixed(3)}`;
      }
    }
    line += `  (90 % corrections whole ${cals.whole.interval['0.9'].toFixed(2)}, late ${cals.late.interval['0.9'].toFixed(2)}; ${((Date.now() - t0) / 1000).toFixed(0)} s)`;
    console.log(line);
  }
  for (const v of variants) {
    for (const [name, cuts] of [['leave_one_bearing_out', lobo[v]], ['challenge', challenge[v]]] as const) {
      const p = protocolSummary(cuts);
      console.log(`${v.padEnd(5)} ${name.padEnd(22)} cuts ${String(p.cuts).padStart(3)}  PHM score ${p.phm_score.toFixed(3)}  coverage 80/90/95 % ${p.coverage['0.8'].toFixed(2)} / ${p.coverage['0.9'].toFixed(2)} / ${p.coverage['0.95'].toFixed(2)}  median 90 % high/low ${p.median_ratio_high_over_low_90}x`);
    }
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
