/**
 * Fits the RUL model (src/prognosis/rul-math.ts): a one-hidden-layer ReLU network mapping standardised
 * log features to (mu, log sigma) of log RUL, trained by full-batch Adam on the Gaussian negative
 * log-likelihood, each bearing weighted equally (Bearing1_1 has 5x the snapshots of Bearing3_1),
 * with L2 weight decay. Deterministic: seeded initialisation, no data shuffling.
 */
import { INPUT_FLOOR, LOG_SIGMA_MAX, LOG_SIGMA_MIN, RUL_FLOOR_S, RUL_MODEL_INPUT_COUNT, rulForward, type RulModelParams } from '../rul-math.js';
import type { BearingRows } from './dataset.js';
import { mulberry32 } from '../../core/random.js';

export interface FitOptions {
  hidden: number;
  epochs: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  /** Use every `stride`-th row (1 = all). */
  stride: number;
  /**
   * Fit only the mean (log sigma fixed at 0, i.e. least squares) and leave the spread to the
   * out-of-fold calibration. A log sigma learned in-sample from 1-2 bearings is overconfident by
   * an order of magnitude on a new bearing, so this is the default.
   */
  homoscedastic: boolean;
  /**
   * Linear model only: constrain every mu weight to <= 0, i.e. predicted RUL never grows when a
   * vibration feature ratio grows. Without it the 3-bearing fit gave velocity a positive weight
   * (collinear with RMS), so a bearing whose low-frequency vibration rises would be told it has
   * longer to live - physically wrong and dangerous for a growing defect.
   */
  monotoneDecreasing: boolean;
}

export const DEFAULT_FIT: FitOptions = { hidden: 0, epochs: 1500, learningRate: 0.01, weightDecay: 1e-3, seed: 12345, stride: 1, homoscedastic: true, monotoneDecreasing: true };


function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function logRul(rulS: number): number {
  return Math.log(Math.max(rulS, RUL_FLOOR_S));
}

interface Flat {
  z: Float64Array; // standardised log inputs [n, d]
  y: Float64Array;
  w: Float64Array; // row weights, sum 1
  n: number;
}

function flatten(rows: BearingRows[], stride: number, inMean: number[], inStd: number[]): Flat {
  const d = RUL_MODEL_INPUT_COUNT;
  const idx: Array<[BearingRows, number]> = [];
  for (const r of rows) for (let i = 0; i < r.n; i += stride) idx.push([r, i]);
  const n = idx.length;
  const z = new Float64Array(n * d);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const perBearing = new Map<string, number>();
  for (const [r] of idx) perBearing.set(r.id, (perBearing.get(r.id) ?? 0) + 1);
  idx.forEach(([r, i], k) => {
    for (let j = 0; j < d; j++) z[k * d + j] = (Math.log(Math.max(r.x[i * d + j], INPUT_FLOOR)) - inMean[j]) / inStd[j];
    y[k] = logRul(r.rulS[i]);
    w[k] = 1 / (perBearing.size * perBearing.get(r.id)!);
  });
  return { z, y, w, n };
}

/** Per-input mean/std of log(input), each bearing weighted equally. */
export function inputStats(rows: BearingRows[]): { inMean: number[]; inStd: number[] } {
  const d = RUL_MODEL_INPUT_COUNT;
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (const r of rows) {
    for (let i = 0; i < r.n; i++) {
      for (let j = 0; j < d; j++) {
        const v = Math.log(Math.max(r.x[i * d + j], INPUT_FLOOR));
        mean[j] += v / (r.n * rows.length);
        sq[j] += (v * v) / (r.n * rows.length);
      }
    }
  }
  return { inMean: mean, inStd: mean.map((m, j) => Math.sqrt(Math.max(sq[j] - m * m, 1e-12))) };
}

/** Train on `rows` and return parameters with sigmaScale = 1 and a provisional health-indicator range. */
export function fitRulModel(rows: BearingRows[], opts: FitOptions = DEFAULT_FIT): RulModelParams {
  const d = RUL_MODEL_INPUT_COUNT;
  const linear = opts.hidden === 0;
  const h = linear ? d : opts.hidden;
  const { inMean, inStd } = inputStats(rows);
  const data = flatten(rows, opts.stride, inMean, inStd);
  const rand = mulberry32(opts.seed);

  // parameter vector layout: W1 (d*h) | b1 (h) | wMu (h) | bMu | wSig (h) | bSig
  const nW1 = d * h;
  const oB1 = nW1;
  const oMu = oB1 + h;
  const oBMu = oMu + h;
  const oSig = oBMu + 1;
  const oBSig = oSig + h;
  const P = oBSig + 1;
  const theta = new Float64Array(P);
  for (let i = 0; i < nW1; i++) theta[i] = gaussian(rand) / Math.sqrt(d);
  for (let j = 0; j < h; j++) {
    theta[oB1 + j] = 0.1;
    theta[oMu + j] = (gaussian(rand) * 0.1) / Math.sqrt(h);
    theta[oSig + j] = opts.homoscedastic ? 0 : (gaussian(rand) * 0.1) / Math.sqrt(h);
  }
  let ym = 0;
  for (let k = 0; k < data.n; k++) ym += data.w[k] * data.y[k];
  let yv = 0;
  for (let k = 0; k < data.n; k++) yv += data.w[k] * (data.y[k] - ym) ** 2;
  theta[oBMu] = ym;
  theta[oBSig] = opts.homoscedastic ? 0 : 0.5 * Math.log(Math.max(yv, 1e-6));

  const grad = new Float64Array(P);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const pre = new Float64Array(h);
  const b1 = 0.9;
  const b2 = 0.999;
  // Linear least squares (the shipped configuration): the gradient only needs the weighted moments
  // of (z, y), so each epoch is O(d^2) instead of a pass over every row (same maths; 13 bearings x
  // nested leave-one-bearing-out is ~170 fits).
  const moments = linear && opts.homoscedastic ? weightedMoments(data, h) : null;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    grad.fill(0);
    if (moments) {
      const { s0, sz, szz, sy, szy } = moments;
      let g0 = s0 * theta[oBMu] - sy;
      for (let j = 0; j < h; j++) g0 += sz[j] * theta[oMu + j];
      grad[oBMu] = g0;
      for (let j = 0; j < h; j++) {
        let g = sz[j] * theta[oBMu] - szy[j];
        for (let i = 0; i < h; i++) g += szz[i * h + j] * theta[oMu + i];
        grad[oMu + j] = g;
      }
    }
    for (let k = 0; moments === null && k < data.n; k++) {
      const zo = k * d;
      for (let j = 0; j < h; j++) {
        if (linear) {
          pre[j] = data.z[zo + j];
          continue;
        }
        let s = theta[oB1 + j];
        for (let i = 0; i < d; i++) s += data.z[zo + i] * theta[i * h + j];
        pre[j] = s;
      }
      let mu = theta[oBMu];
      let ls = theta[oBSig];
      for (let j = 0; j < h; j++) {
        const a = linear || pre[j] > 0 ? pre[j] : 0;
        mu += a * theta[oMu + j];
        ls += a * theta[oSig + j];
      }
      const clamped = ls < LOG_SIGMA_MIN || ls > LOG_SIGMA_MAX;
      const lsc = Math.min(LOG_SIGMA_MAX, Math.max(LOG_SIGMA_MIN, ls));
      const inv = Math.exp(-2 * lsc);
      const r = data.y[k] - mu;
      const wk = data.w[k];
      // NLL = 0.5 r^2 e^{-2 ls} + ls
      const dMu = -r * inv * wk;
      const dLs = clamped || opts.homoscedastic ? 0 : (1 - r * r * inv) * wk;
      grad[oBMu] += dMu;
      grad[oBSig] += dLs;
      for (let j = 0; j < h; j++) {
        if (linear) {
          grad[oMu + j] += dMu * pre[j];
          grad[oSig + j] += dLs * pre[j];
          continue;
        }
        if (pre[j] <= 0) continue;
        const a = pre[j];
        grad[oMu + j] += dMu * a;
        grad[oSig + j] += dLs * a;
        const dPre = dMu * theta[oMu + j] + dLs * theta[oSig + j];
        grad[oB1 + j] += dPre;
        for (let i = 0; i < d; i++) grad[i * h + j] += dPre * data.z[zo + i];
      }
    }
    // L2 on weights (not biases)
    for (let i = 0; i < nW1; i++) grad[i] += opts.weightDecay * theta[i];
    for (let j = 0; j < h; j++) {
      grad[oMu + j] += opts.weightDecay * theta[oMu + j];
      grad[oSig + j] += opts.weightDecay * theta[oSig + j];
    }
    if (opts.homoscedastic) {
      for (let j = 0; j < h; j++) grad[oSig + j] = 0;
      grad[oBSig] = 0;
    }
    const c1 = 1 - b1 ** epoch;
    const c2 = 1 - b2 ** epoch;
    for (let p = 0; p < P; p++) {
      m1[p] = b1 * m1[p] + (1 - b1) * grad[p];
      m2[p] = b2 * m2[p] + (1 - b2) * grad[p] * grad[p];
      theta[p] -= (opts.learningRate * (m1[p] / c1)) / (Math.sqrt(m2[p] / c2) + 1e-8);
    }
    if (linear && opts.monotoneDecreasing) for (let j = 0; j < h; j++) if (theta[oMu + j] > 0) theta[oMu + j] = 0; // projected step
  }

  const params: RulModelParams = {
    inMean,
    inStd,
    hidden: linear ? 0 : h,
    w1: linear ? [] : Array.from(theta.subarray(0, nW1)),
    b1: linear ? [] : Array.from(theta.subarray(oB1, oB1 + h)),
    wMu: Array.from(theta.subarray(oMu, oMu + h)),
    bMu: theta[oBMu],
    wSig: Array.from(theta.subarray(oSig, oSig + h)),
    bSig: theta[oBSig],
    sigmaScale: 1,
    hiLogRulLow: Math.log(RUL_FLOOR_S),
    hiLogRulHigh: ym,
  };
  params.hiLogRulHigh = healthyLogRul(params, rows);
  return params;
}

/** Weighted moments sum w, sum w z_j, sum w z_i z_j, sum w y, sum w z_j y of the flattened rows. */
function weightedMoments(data: Flat, d: number) {
  const sz = new Float64Array(d);
  const szz = new Float64Array(d * d);
  const szy = new Float64Array(d);
  let s0 = 0;
  let sy = 0;
  for (let k = 0; k < data.n; k++) {
    const w = data.w[k];
    const y = data.y[k];
    const zo = k * d;
    s0 += w;
    sy += w * y;
    for (let i = 0; i < d; i++) {
      const zi = data.z[zo + i];
      sz[i] += w * zi;
      szy[i] += w * zi * y;
      for (let j = 0; j < d; j++) szz[i * d + j] += w * zi * data.z[zo + j];
    }
  }
  return { s0, sz, szz, sy, szy };
}

/**
 * Upper anchor of the health indicator: the model's median mu over the first 20 % of each training
 * bearing's life (equal bearing weights), i.e. what the model says about a bearing that is early in
 * life. HI = 1 there, 0 at a predicted RUL of one snapshot interval.
 */
export function healthyLogRul(p: RulModelParams, rows: BearingRows[]): number {
  const vals: number[] = [];
  const buf = new Float64Array(p.hidden);
  const d = RUL_MODEL_INPUT_COUNT;
  for (const r of rows) {
    const m: number[] = [];
    for (let i = 0; i < Math.floor(r.n * 0.2); i++) m.push(rulForward(p, r.x.subarray(i * d, i * d + d), buf).mu);
    m.sort((a, b) => a - b);
    vals.push(m[m.length >> 1]);
  }
  vals.sort((a, b) => a - b);
  const mid = vals.length >> 1;
  return vals.length % 2 ? vals[mid] : 0.5 * (vals[mid - 1] + vals[mid]);
}
