/**
 * The RUL model's maths in plain TypeScript: the input contract (which health features, in which
 * order), the reference forward pass the ONNX graph reproduces, the quantile levels the graph
 * emits, and the normal quantile function used to turn them into an interval at any confidence.
 *
 * The model: log RUL ~ Normal(mu(x), (c * sigma(x))^2), where x = standardised log features,
 * mu and log sigma come from a one-hidden-layer MLP, and c is a calibration factor fitted on
 * out-of-fold (held-out bearing) residuals. Pure, no I/O.
 */
import { FEATURE_INDEX, type HealthFeatureName } from './features.js';

/** Model inputs, in order, as health-feature names (see src/prognosis/features.ts for units). */
export const RUL_MODEL_INPUTS = ['rms_g', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'] as const satisfies readonly HealthFeatureName[];
export const RUL_MODEL_INPUT_COUNT = RUL_MODEL_INPUTS.length;
/** Index of each model input in the `extractHealthFeatures` output. */
export const RUL_MODEL_INPUT_FEATURE_INDEX: readonly number[] = RUL_MODEL_INPUTS.map((n) => FEATURE_INDEX[n]);
/** Inputs are floored here before the log (all are positive physical quantities). */
export const INPUT_FLOOR = 1e-6;
/** Quantile levels emitted by the ONNX graph, in output column order. */
export const RUL_QUANTILE_LEVELS = [0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975] as const;
/** RUL targets are floored at this many seconds before the log (one snapshot interval). */
export const RUL_FLOOR_S = 10;

export interface RulModelParams {
  /** Mean and standard deviation of log(input), per input. */
  inMean: number[];
  inStd: number[];
  /** Hidden ReLU units; 0 = linear heads directly on the standardised inputs (wMu, wSig have length d). */
  hidden: number;
  /** W1[i * hidden + h], b1[h]; head weights wMu[h], wSig[h] and biases. */
  w1: number[];
  b1: number[];
  wMu: number[];
  bMu: number;
  wSig: number[];
  bSig: number;
  /** Calibration multiplier on sigma (>= some small positive value). */
  sigmaScale: number;
  /** Health indicator: HI = clip((mu - hiLogRulLow) / (hiLogRulHigh - hiLogRulLow), 0, 1). */
  hiLogRulLow: number;
  hiLogRulHigh: number;
}

export interface RulDistribution {
  /** Mean of log RUL (s). */
  mu: number;
  /** Calibrated standard deviation of log RUL. */
  sigma: number;
  /** Health indicator 0 (failed) .. 1 (as healthy as the training bearings early in life). */
  hi: number;
}

/** Log-sigma is clamped to keep the exp well-behaved (same clamp in the ONNX graph). */
export const LOG_SIGMA_MIN = -4;
export const LOG_SIGMA_MAX = 3;

/**
 * Reference forward pass (float64). `x` holds the raw model inputs (RUL_MODEL_INPUTS order, units
 * as named). `hiddenBuf` (length >= hidden) is caller-owned scratch.
 */
export function rulForward(p: RulModelParams, x: ArrayLike<number>, hiddenBuf: Float64Array = new Float64Array(p.hidden)): RulDistribution {
  const d = p.inMean.length;
  const h = p.hidden;
  if (h === 0) {
    // linear heads on the standardised log inputs
    let mu0 = p.bMu;
    let ls0 = p.bSig;
    for (let i = 0; i < d; i++) {
      const z = (Math.log(Math.max(x[i], INPUT_FLOOR)) - p.inMean[i]) / p.inStd[i];
      mu0 += z * p.wMu[i];
      ls0 += z * p.wSig[i];
    }
    return finish(p, mu0, ls0);
  }
  for (let j = 0; j < h; j++) hiddenBuf[j] = p.b1[j];
  for (let i = 0; i < d; i++) {
    const z = (Math.log(Math.max(x[i], INPUT_FLOOR)) - p.inMean[i]) / p.inStd[i];
    for (let j = 0; j < h; j++) hiddenBuf[j] += z * p.w1[i * h + j];
  }
  let mu = p.bMu;
  let ls = p.bSig;
  for (let j = 0; j < h; j++) {
    const a = hiddenBuf[j] > 0 ? hiddenBuf[j] : 0;
    mu += a * p.wMu[j];
    ls += a * p.wSig[j];
  }
  return finish(p, mu, ls);
}

function finish(p: RulModelParams, mu: number, lsRaw: number): RulDistribution {
  const ls = Math.min(LOG_SIGMA_MAX, Math.max(LOG_SIGMA_MIN, lsRaw));
  const sigma = Math.exp(ls) * p.sigmaScale;
  const hi = Math.min(1, Math.max(0, (mu - p.hiLogRulLow) / (p.hiLogRulHigh - p.hiLogRulLow)));
  return { mu, sigma, hi };
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, |rel err| < 1.2e-9).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0,1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const e = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Central interval of a log-normal RUL at `confidence` (e.g. 0.9 -> 5th..95th percentile), seconds. */
export function rulInterval(mu: number, sigma: number, confidence: number): { rul_s: number; rul_low_s: number; rul_high_s: number } {
  const z = normalQuantile(0.5 + confidence / 2);
  return { rul_s: Math.exp(mu), rul_low_s: Math.exp(mu - z * sigma), rul_high_s: Math.exp(mu + z * sigma) };
}

/** PHM 2012 challenge accuracy of one estimate: Er = 100 (act - est) / act; late (Er <= 0) punished harder. */
export function phmAccuracy(actualRulS: number, estimatedRulS: number): number {
  const er = (100 * (actualRulS - estimatedRulS)) / actualRulS;
  return er <= 0 ? Math.exp(-Math.log(0.5) * (er / 5)) : Math.exp(Math.log(0.5) * (er / 20));
}
