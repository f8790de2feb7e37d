/**
 * Conformal calibration of the RUL distribution (split-conformal on leave-one-bearing-out
 * residuals, separately per rul_state: "Mondrian" conformal), learnt by `npm run train` and stored
 * in the model card (`calibration`). Pure.
 *
 * The fused estimator (rul-fusion.ts) gives a median m and a 90 % interval [l, h] whose widths
 * are not calibrated on bearings it has not seen (the population sigma is, the degradation
 * posterior and the competing-risks combination are not). For a held-out bearing's snapshot with
 * true RUL y the normalised residual is
 *     u = ln(y/m) / ln(h/m)  if y >= m,   u = ln(y/m) / ln(m/l)  if y < m
 * (u in [-1, 1] means "inside the model's own 90 % interval"). Training pools u over the held-out
 * snapshots of every inner fold (each bearing weighted equally) and stores its quantiles Q(p) on a
 * grid, per state. At run time the p-quantile of the RUL is
 *     t(p) = m exp(Q(p) ln(h/m))  if Q(p) >= 0,   m exp(Q(p) ln(m/l))  otherwise,
 * so an interval at confidence c is [t((1-c)/2), t((1+c)/2)], the one-sided lower bound is
 * t(1-c) and the point estimate t(0.2) (the PHM 2012 score's Bayes point, see rul-fusion.ts).
 */
import type { RulState } from './rul-state.js';

/** Probability levels at which the card stores Q(p). */
export const CALIBRATION_GRID: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995];

export interface RulCalibration {
  grid: number[];
  /** Q(p) on the grid for the states that have a distribution (learning uses no_degradation's). */
  byState: { no_degradation: number[]; degrading: number[] };
}

export interface Spread {
  median: number;
  low90: number;
  high90: number;
}

const LOG_EPS = 1e-6;

export function normalisedResidual(y: number, s: Spread): number {
  const r = Math.log(y / s.median);
  return r >= 0 ? r / Math.max(Math.log(s.high90 / s.median), LOG_EPS) : r / Math.max(Math.log(s.median / s.low90), LOG_EPS);
}

function interpolate(grid: readonly number[], q: readonly number[], p: number): number {
  if (p <= grid[0]) return q[0];
  const n = grid.length;
  if (p >= grid[n - 1]) return q[n - 1];
  let k = 1;
  while (grid[k] < p) k++;
  const f = (p - grid[k - 1]) / (grid[k] - grid[k - 1]);
  return q[k - 1] + f * (q[k] - q[k - 1]);
}

/** The calibrated p-quantile of the RUL (s) in `state`. */
export function calibratedQuantile(cal: RulCalibration, state: RulState, s: Spread, p: number): number {
  const q = interpolate(cal.grid, state === 'degrading' ? cal.byState.degrading : cal.byState.no_degradation, p);
  return s.median * Math.exp(q >= 0 ? q * Math.log(s.high90 / s.median) : q * Math.log(s.median / s.low90));
}

/** Point (0.2 quantile), interval at `confidence`, one-sided lower bound, median: all calibrated. */
export function calibratedFigures(cal: RulCalibration, state: RulState, s: Spread, confidence: number, pointQuantile: number) {
  const t = (p: number) => calibratedQuantile(cal, state, s, p);
  const low = t(0.5 - confidence / 2);
  const high = t(0.5 + confidence / 2);
  return { rul_s: Math.min(high, Math.max(low, t(pointQuantile))), rul_low_s: low, rul_high_s: high, rul_lower_bound_s: t(1 - confidence), rul_median_s: t(0.5) };
}

/** A card's calibration if well-formed (monotone, grid-sized), else null. */
export function validCalibration(c: unknown): RulCalibration | null {
  const cal = c as RulCalibration | undefined;
  if (!cal || !Array.isArray(cal.grid) || !cal.byState) return null;
  for (const q of [cal.byState.no_degradation, cal.byState.degrading]) {
    if (!Array.isArray(q) || q.length !== cal.grid.length || !q.every((v, i) => Number.isFinite(v) && (i === 0 || v >= q[i - 1]))) return null;
  }
  return cal;
}
