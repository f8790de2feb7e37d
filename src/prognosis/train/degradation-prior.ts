/**
 * Learns the prior of the per-asset exponential degradation model (src/prognosis/degradation.ts) from
 * training bearings: each bearing's history goes through the gateway's own amplitude indicator and
 * onset detection; its post-onset observations L = ln(S - phi) vs tau (hours since onset) get an
 * ordinary least-squares line. Prior: mean of the per-bearing intercepts and slopes; standard
 * deviations = max(between-bearing sd, a floor) because two or three bearings cannot estimate a
 * spread; noise sd = pooled residual sd. Pure.
 */
import { ExponentialDegradation, type DegradationConfig, type DegradationPrior } from '../degradation.js';
import type { BearingRows } from './dataset.js';
import { FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../features.js';

export interface BearingDegradationFit {
  id: string;
  onset_s: number | null;
  onset_fraction_of_life: number | null;
  points: number;
  intercept: number | null;
  slope_per_h: number | null;
  residual_sd: number | null;
  /** Lag-1 autocorrelation of the residuals (successive observations). */
  residual_lag1_corr: number | null;
  /** Snapshot peak / smoothed indicator S, every snapshot after onset. */
  spikeRatios: number[];
}

/** Used when no training bearing has enough post-onset data: vague, and documented in the card. */
export const VAGUE_PRIOR: DegradationPrior = { meanA: 0, sdA: 3, meanB: 0, sdB: 10, noiseSd: 0.5, noiseVarianceInflation: 10 };
const MIN_POINTS = 3;

export function bearingDegradationFit(r: BearingRows, cfg: Partial<DegradationConfig> = {}): BearingDegradationFit {
  const deg = new ExponentialDegradation({ ...cfg, forgetHalfLifeH: Infinity });
  const tau: number[] = [];
  const y: number[] = [];
  const spikeRatios: number[] = [];
  for (let i = 0; i < r.n; i++) {
    const before = deg.points;
    deg.observe(r.ampLevel[i], r.ampBase[i], r.tS[i] * 1000, r.ampReady[i] === 1);
    if (deg.onsetMs !== null && r.ampLevel[i] > 0) spikeRatios.push(r.features[i * HEALTH_FEATURE_COUNT + FEATURE_INDEX.peak_g] / r.ampLevel[i]);
    if (deg.points > before) {
      const o = deg.lastObservation;
      tau.push(o.tauH);
      y.push(o.y);
    }
  }
  const onsetS = deg.onsetMs === null ? null : deg.onsetMs / 1000;
  const base = { spikeRatios, id: r.id, onset_s: onsetS, onset_fraction_of_life: onsetS === null ? null : onsetS / r.lifeS, points: tau.length };
  if (tau.length < MIN_POINTS) return { ...base, intercept: null, slope_per_h: null, residual_sd: null, residual_lag1_corr: null };
  const n = tau.length;
  const mt = tau.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (tau[i] - mt) * (y[i] - my);
    sxx += (tau[i] - mt) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  const a = my - b * mt;
  let ss = 0;
  let s1 = 0;
  const res = y.map((v, i) => v - a - b * tau[i]);
  for (let i = 0; i < n; i++) ss += res[i] ** 2;
  for (let i = 1; i < n; i++) s1 += res[i] * res[i - 1];
  return { ...base, intercept: a, slope_per_h: b, residual_sd: Math.sqrt(ss / Math.max(1, n - 2)), residual_lag1_corr: ss > 0 ? s1 / ss : 0 };
}

export function fitDegradationPrior(rows: BearingRows[], cfg: Partial<DegradationConfig> = {}): { prior: DegradationPrior; bearings: Array<Omit<BearingDegradationFit, 'spikeRatios'> & { post_onset_snapshots: number }> } {
  const fits = rows.map((r) => bearingDegradationFit(r, cfg));
  const ratios = fits.flatMap((f) => f.spikeRatios).sort((a, b) => a - b);
  const spikeFactor = ratios.length ? Math.max(1, ratios[Math.floor(0.9 * (ratios.length - 1))]) : 1;
  const bearings = fits.map(({ spikeRatios, ...rest }) => ({ ...rest, post_onset_snapshots: spikeRatios.length }));
  const ok = fits.filter((f) => f.slope_per_h !== null);
  if (!ok.length) return { prior: { ...VAGUE_PRIOR, spikeFactor }, bearings };
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1)));
  const as = ok.map((f) => f.intercept!);
  const bs = ok.map((f) => f.slope_per_h!);
  const meanB = mean(bs);
  // pooled residual variance, weighted by degrees of freedom
  let ss = 0;
  let dof = 0;
  let rho = 0;
  for (const f of ok) {
    ss += f.residual_sd! ** 2 * Math.max(1, f.points - 2);
    rho += f.residual_lag1_corr! * Math.max(1, f.points - 2);
    dof += Math.max(1, f.points - 2);
  }
  // AR(1) residuals: n correlated points carry the information of n (1 - rho) / (1 + rho)
  // independent ones, so the likelihood's variance is inflated by (1 + rho) / (1 - rho).
  const r = Math.min(0.95, Math.max(0, rho / dof));
  return {
    prior: {
      meanA: mean(as),
      sdA: Math.max(sd(as), 1),
      meanB,
      sdB: Math.max(sd(bs), Math.abs(meanB), 0.5),
      noiseSd: Math.max(Math.sqrt(ss / dof), 0.05),
      noiseVarianceInflation: (1 + r) / (1 - r),
      spikeFactor,
    },
    bearings,
  };
}
