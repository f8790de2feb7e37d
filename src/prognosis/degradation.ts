/**
 * Per-asset exponential degradation model with a Bayesian update of its parameters (Gebraeel et
 * al., "Residual-life distributions from component degradation signals: a Bayesian approach",
 * IIE Transactions 37 (2005); the model behind MATLAB's exponentialDegradationModel):
 *
 *   S(t) = phi + exp(a + b tau + eps),  eps ~ N(0, sigma^2),  tau = hours since degradation onset
 *
 * S is the amplitude health indicator: the trailing-median peak acceleration (g) of the snapshots,
 * phi the asset's own healthy level of it (running-minimum baseline, src/prognosis/baseline.ts). So
 * L = ln(S - phi) = a + b tau + eps is linear, and (a, b) get a bivariate normal posterior from a
 * normal prior learnt on the FEMTO training bearings (models/rul.json -> degradation.prior) and the
 * asset's own post-onset history. Failure = S reaching the threshold F (FEMTO / PHM 2012: 20 g
 * amplitude), i.e. L reaching D = ln(F - phi). The residual-life distribution follows Gebraeel's
 * closed form P(T <= tau) = Phi((mu(tau) - D) / sqrt(v(tau))), mu = posterior mean of L at tau,
 * v = its posterior variance + sigma^2; its quantiles are found by a log-grid scan and bisection.
 *
 * Onset (MATLAB's "slope detection"): the model only starts learning once S/phi first reaches
 * ONSET_RATIO, and its estimate is used only once the posterior slope is significantly positive
 * (b_mean / b_sd >= slopeDetectionZ). Before that the population model (ONNX) answers.
 * Older observations are discounted with a half-life (power prior), so a trend that accelerates
 * late in life (FEMTO bearings do) is followed. Observations are thinned to one per smoothing
 * window so the trailing median does not make neighbouring points look independent.
 *
 * Pure, no I/O, O(1) memory per asset (five sufficient statistics); state is serialisable.
 */
import { normalQuantile } from './rul-math.js';

export interface DegradationPrior {
  /** Normal prior of the intercept a = ln(S - phi) at onset (ln g). */
  meanA: number;
  sdA: number;
  /** Normal prior of the slope b (ln units per hour). */
  meanB: number;
  sdB: number;
  /** Residual standard deviation sigma of L around the trend (ln units). */
  noiseSd: number;
  /**
   * Residuals of successive observations are correlated (the signal wanders slowly around the
   * trend); the likelihood's noise variance is multiplied by this (AR(1): (1 + rho) / (1 - rho),
   * rho learnt in training) so n correlated points do not count as n independent ones.
   */
  noiseVarianceInflation: number;
  /**
   * End of life is the first single snapshot whose peak exceeds F, but S is a trailing median:
   * single peaks scatter above it. The smoothed indicator is compared with F / spikeFactor, where
   * spikeFactor = the 0.9 quantile of (snapshot peak / S) after onset on the training bearings.
   * Optional (1 when absent).
   */
  spikeFactor?: number;
}

export interface DegradationConfig {
  /** Failure threshold of the amplitude indicator, g (FEMTO / PHM 2012: 20 g). */
  failureThresholdG: number;
  /** Onset when S / phi first reaches this. */
  onsetRatio: number;
  /** Use every n-th snapshot after onset as an observation (one per smoothing window). */
  thinEvery: number;
  /** Half-life of the discount on old observations, hours. */
  forgetHalfLifeH: number;
  /** Estimate is used once b_mean / b_sd >= this. */
  slopeDetectionZ: number;
  /** Minimum (undiscounted) observations before the estimate is used. */
  minPoints: number;
  /** S - phi is floored at this fraction of phi before the log. */
  floorFraction: number;
  /** Quantiles beyond this horizon are reported as this horizon, s. */
  maxRulS: number;
}

export const DEFAULT_DEGRADATION_CONFIG: DegradationConfig = {
  failureThresholdG: 20,
  onsetRatio: 1.5,
  thinEvery: 6,
  forgetHalfLifeH: 2,
  slopeDetectionZ: 2,
  minPoints: 10,
  floorFraction: 0.2,
  maxRulS: 30 * 86_400,
};

export interface DegradationState {
  onsetMs: number | null;
  sinceOnset: number;
  points: number;
  lastTauH: number;
  /** Discounted sufficient statistics: sum w, sum w tau, sum w tau^2, sum w L, sum w tau L. */
  s: [number, number, number, number, number];
  /** Last observation added (tau h, L), for training's per-bearing fits. */
  lastY: number;
  /** Latest amplitude indicator and baseline, g. */
  level: number;
  baseline: number;
}

export interface DegradationPosterior {
  mean: [number, number];
  /** Covariance [caa, cab, cbb]. */
  cov: [number, number, number];
  tauNowH: number;
  slopeZ: number;
  /** D = ln(F / spikeFactor - phi). */
  threshold: number;
  noiseSd: number;
}

export class ExponentialDegradation {
  readonly cfg: DegradationConfig;
  private st: DegradationState;

  constructor(cfg: Partial<DegradationConfig> = {}, restore?: DegradationState) {
    this.cfg = { ...DEFAULT_DEGRADATION_CONFIG, ...cfg };
    this.st = restore ? structuredClone(restore) : { onsetMs: null, sinceOnset: 0, points: 0, lastTauH: 0, lastY: 0, s: [0, 0, 0, 0, 0], level: 0, baseline: 0 };
  }

  get state(): DegradationState {
    return structuredClone(this.st);
  }

  get onsetMs(): number | null {
    return this.st.onsetMs;
  }

  get points(): number {
    return this.st.points;
  }

  /** Last observation added (tau hours since onset, L = ln(S - phi)). */
  get lastObservation(): { tauH: number; y: number } {
    return { tauH: this.st.lastTauH, y: this.st.lastY };
  }

  /** Latest amplitude indicator S and its baseline phi (g). */
  get level(): number {
    return this.st.level;
  }

  get baseline(): number {
    return this.st.baseline;
  }

  /**
   * One snapshot: `level` = smoothed amplitude indicator S (g), `baseline` = phi (g), `ready` =
   * whether phi is learnt. Nothing is learnt before the baseline is ready.
   */
  observe(level: number, baseline: number, tMs: number, ready: boolean): void {
    if (!(Number.isFinite(level) && Number.isFinite(baseline) && baseline > 0)) return;
    this.st.level = level;
    this.st.baseline = baseline;
    if (!ready) return;
    const c = this.cfg;
    if (this.st.onsetMs === null) {
      if (level / baseline < c.onsetRatio) return;
      this.st.onsetMs = tMs;
      this.st.sinceOnset = 0;
    }
    const k = this.st.sinceOnset++;
    if (k % c.thinEvery !== 0) return;
    const tau = (tMs - this.st.onsetMs) / 3_600_000;
    const y = Math.log(Math.max(level - baseline, c.floorFraction * baseline));
    const decay = Math.pow(0.5, Math.max(0, tau - this.st.lastTauH) / c.forgetHalfLifeH);
    const s = this.st.s;
    for (let i = 0; i < 5; i++) s[i] *= decay;
    s[0] += 1;
    s[1] += tau;
    s[2] += tau * tau;
    s[3] += y;
    s[4] += tau * y;
    this.st.lastTauH = tau;
    this.st.lastY = y;
    this.st.points++;
  }

  /** Posterior of (a, b) under `prior` at time `tMs`, or null before onset. */
  posterior(prior: DegradationPrior, tMs: number): DegradationPosterior | null {
    if (this.st.onsetMs === null) return null;
    const [s0, s1, s2, s3, s4] = this.st.s;
    const iv = 1 / (prior.noiseSd * prior.noiseSd * Math.max(1, prior.noiseVarianceInflation));
    const paa = 1 / (prior.sdA * prior.sdA) + s0 * iv;
    const pab = s1 * iv;
    const pbb = 1 / (prior.sdB * prior.sdB) + s2 * iv;
    const ra = prior.meanA / (prior.sdA * prior.sdA) + s3 * iv;
    const rb = prior.meanB / (prior.sdB * prior.sdB) + s4 * iv;
    const det = paa * pbb - pab * pab;
    const caa = pbb / det;
    const cab = -pab / det;
    const cbb = paa / det;
    const ma = caa * ra + cab * rb;
    const mb = cab * ra + cbb * rb;
    const phi = this.st.baseline;
    const f = this.cfg.failureThresholdG / Math.max(1, prior.spikeFactor ?? 1);
    return {
      mean: [ma, mb],
      cov: [caa, cab, cbb],
      tauNowH: (tMs - this.st.onsetMs) / 3_600_000,
      slopeZ: mb / Math.sqrt(cbb),
      threshold: Math.log(Math.max(f - phi, 1e-6)),
      noiseSd: prior.noiseSd,
    };
  }

  /** Whether the posterior is trusted (significant positive slope, enough points). */
  established(p: DegradationPosterior | null): p is DegradationPosterior {
    return !!p && this.st.points >= this.cfg.minPoints && p.slopeZ >= this.cfg.slopeDetectionZ;
  }

  /** The q-quantile of the residual life (s) under posterior `p`. */
  rulQuantile(p: DegradationPosterior, q: number): number {
    return residualLifeQuantile(p, q, this.cfg.maxRulS);
  }
}

/** z-score of "L has crossed D" at dt seconds from now (Gebraeel's closed form). */
export function crossingZ(p: DegradationPosterior, dtS: number): number {
  const tau = p.tauNowH + dtS / 3600;
  const mu = p.mean[0] + p.mean[1] * tau;
  const v = p.cov[0] + 2 * tau * p.cov[1] + tau * tau * p.cov[2] + p.noiseSd * p.noiseSd;
  return (mu - p.threshold) / Math.sqrt(v);
}

/** Residual life quantile: smallest dt with Phi(crossingZ(dt)) >= q, in [0, maxS]. */
export function residualLifeQuantile(p: DegradationPosterior, q: number, maxS: number): number {
  const z = normalQuantile(q);
  if (crossingZ(p, 0) >= z) return 0;
  const steps = 96;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i <= steps; i++) {
    const dt = Math.exp(Math.log(1) + ((Math.log(maxS) - Math.log(1)) * i) / steps);
    if (crossingZ(p, dt) >= z) {
      hi = dt;
      break;
    }
    lo = dt;
  }
  if (hi < 0) return maxS;
  for (let k = 0; k < 40; k++) {
    const mid = 0.5 * (lo + hi);
    if (crossingZ(p, mid) >= z) hi = mid;
    else lo = mid;
  }
  return hi;
}
