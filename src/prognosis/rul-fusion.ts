/**
 * Combines the population RUL (the ONNX model: log-normal, from baseline-relative features) with
 * the asset's own Bayesian exponential degradation model (src/prognosis/degradation.ts). Used
 * identically by the gateway (RulTracker.estimate) and by the leave-one-bearing-out evaluation.
 *
 * - Before the asset's degradation is established (no onset, or its posterior slope not yet
 *   significantly positive) the population model answers: there is nothing of the asset's own to
 *   extrapolate, and the population model is the prior learnt from the training bearings.
 * - Once established, both answer as competing risks: T = min(T_population, T_degradation), taken
 *   as independent (competingRisksQuantile). The amplitude extrapolation cannot see a sudden
 *   late jump (FEMTO Bearing1_1 goes from 7 g to 20 g in its last minutes) that impulsiveness may
 *   announce, and vice versa; the estimate is never later than either model alone.
 * - Point estimate `rul_s`: the Bayes estimate under the PHM 2012 score, whose penalty halves per
 *   5 % of late error and per 20 % of early error; for that asymmetric (pinball-like) loss the
 *   optimal point is the 5/(5+20) = 0.2 quantile of the RUL distribution. It is clamped into the
 *   interval (which contains it for every confidence >= 0.6). The median is reported as
 *   `rul_median_s`.
 * - Health indicator: the lower of the population model's and the amplitude one (log distance of
 *   the amplitude from its baseline to the failure threshold).
 */
import { amplitudeHealth } from './amplitude.js';
import { crossingZ, type DegradationPosterior, type DegradationPrior, type ExponentialDegradation } from './degradation.js';
import { normalQuantile, RUL_FLOOR_S } from './rul-math.js';

export const PHM_POINT_QUANTILE = 0.2;

export interface PopulationRul {
  /** Mean and sd of ln RUL (s). */
  mu: number;
  sigma: number;
  /** Population model's health indicator 0..1. */
  hi: number;
}

export interface FusedRul {
  rul_s: number;
  rul_low_s: number;
  rul_high_s: number;
  rul_median_s: number;
  /** One-sided lower bound at the confidence: the (1 - c) quantile (the only figure shown in no_degradation). */
  rul_lower_bound_s: number;
  source: 'population' | 'degradation';
  health_indicator: number;
  degradation: {
    onset_ms: number | null;
    established: boolean;
    slope_per_h: number | null;
    slope_z: number | null;
    amplitude_g: number;
    amplitude_baseline_g: number;
    failure_threshold_g: number;
    observations: number;
  };
}

/**
 * How the two models combine once the degradation model is established: 'competing' (shipped,
 * T = min of both) or 'switch' (the degradation model alone, as MATLAB's RUL workflow does) -
 * the latter kept for the comparison in docs/rul.md (`RUL_FUSION=switch npm run train`).
 */
export type FusionMode = 'competing' | 'switch';
export const DEFAULT_FUSION: FusionMode = 'competing';

export function fuseRul(pop: PopulationRul, deg: ExponentialDegradation, prior: DegradationPrior | null, confidence: number, tMs: number, mode: FusionMode = DEFAULT_FUSION): FusedRul {
  const post = prior ? deg.posterior(prior, tMs) : null;
  const established = deg.established(post);
  const lo = 0.5 - confidence / 2;
  const hi = 0.5 + confidence / 2;
  let q: (p: number) => number;
  if (established && mode === 'switch') q = (p) => Math.max(RUL_FLOOR_S, deg.rulQuantile(post, p));
  else if (established) q = (p) => competingRisksQuantile(pop, post, p, deg.cfg.maxRulS);
  else q = (p) => Math.exp(pop.mu + normalQuantile(p) * pop.sigma);
  const low = q(lo);
  const high = q(hi);
  const point = Math.min(high, Math.max(low, q(PHM_POINT_QUANTILE)));
  const f = deg.cfg.failureThresholdG;
  return {
    rul_s: point,
    rul_low_s: low,
    rul_high_s: high,
    rul_median_s: q(0.5),
    rul_lower_bound_s: q(1 - confidence),
    source: established ? 'degradation' : 'population',
    health_indicator: Math.min(pop.hi, amplitudeHealth(deg.level, deg.baseline, f)),
    degradation: {
      onset_ms: deg.onsetMs,
      established,
      slope_per_h: post ? post.mean[1] : null,
      slope_z: post ? post.slopeZ : null,
      amplitude_g: deg.level,
      amplitude_baseline_g: deg.baseline,
      failure_threshold_g: f,
      observations: deg.points,
    },
  };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, |err| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * q-quantile of T = min(T_population, T_degradation), the two treated as independent competing
 * failure times: P(T > t) = P(T_pop > t) P(T_deg > t). The bearing fails when either the
 * impulsiveness-based population model or the amplitude extrapolation says so; never later than
 * either alone.
 */
export function competingRisksQuantile(pop: PopulationRul, post: DegradationPosterior, q: number, maxS: number): number {
  const cdf = (t: number) => {
    const sPop = pop.sigma > 0 ? 1 - normalCdf((Math.log(t) - pop.mu) / pop.sigma) : t < Math.exp(pop.mu) ? 1 : 0;
    const sDeg = 1 - normalCdf(crossingZ(post, t));
    return 1 - sPop * sDeg;
  };
  let lo = Math.log(RUL_FLOOR_S);
  let hi = Math.log(maxS);
  if (cdf(RUL_FLOOR_S) >= q) return RUL_FLOOR_S;
  if (cdf(maxS) < q) return maxS;
  for (let k = 0; k < 50; k++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(Math.exp(mid)) >= q) hi = mid;
    else lo = mid;
  }
  return Math.exp(hi);
}
