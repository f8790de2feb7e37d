/**
 * Leave-one-bearing-out evaluation, IEEE PHM 2012 style. For each held-out bearing the model is
 * trained on the other bearings only; its interval calibration factor is fitted by a nested
 * leave-one-bearing-out inside those training bearings (so the held-out bearing never influences
 * either the weights or the interval width). The held-out history is truncated at the same life
 * fractions as the challenge's 11 test bearings, and each truncation is scored with the challenge's
 * accuracy function.
 */
import { normalQuantile, phmAccuracy, rulForward, rulInterval, RUL_MODEL_INPUT_COUNT, type RulModelParams } from '../rul-math.js';
import { ExponentialDegradation, type DegradationPrior } from '../degradation.js';
import { DEFAULT_FUSION, fuseRul, type FusedRul, type FusionMode } from '../rul-fusion.js';

/** Fusion evaluated (and described in the card); `RUL_FUSION=switch` reproduces the compared variant. */
export const FUSION_MODE: FusionMode = process.env.RUL_FUSION === 'switch' ? 'switch' : DEFAULT_FUSION;
import type { BearingRows } from './dataset.js';
import { FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../features.js';
import { DEFAULT_DEGRADATION_CONFIG } from '../degradation.js';
import { rulStateOf, type RulState } from '../rul-state.js';
import { CALIBRATION_GRID, calibratedFigures, normalisedResidual, type RulCalibration } from '../rul-calibration.js';
import { PHM_POINT_QUANTILE } from '../rul-fusion.js';
import { RUL_FLOOR_S } from '../rul-math.js';
import { fitDegradationPrior } from './degradation-prior.js';
import { fitRulModel, logRul, type FitOptions } from './fit.js';

/**
 * Challenge test bearings: recorded (truncated) duration and the actual RUL to be estimated
 * (IEEEPHM2012-Challenge-Details, Table 3 and Appendix A.5). The truncation fraction of each is
 * recorded / (recorded + RUL); we truncate each held-out bearing at those fractions of its life.
 */
export const CHALLENGE_TEST_TRUNCATIONS: ReadonlyArray<{ bearing: string; recordedS: number; actualRulS: number }> = [
  { bearing: 'Bearing1_3', recordedS: 18010, actualRulS: 5730 },
  { bearing: 'Bearing1_4', recordedS: 11380, actualRulS: 339 },
  { bearing: 'Bearing1_5', recordedS: 23010, actualRulS: 1610 },
  { bearing: 'Bearing1_6', recordedS: 23009, actualRulS: 1460 },
  { bearing: 'Bearing1_7', recordedS: 15011, actualRulS: 7570 },
  { bearing: 'Bearing2_3', recordedS: 12010, actualRulS: 7530 },
  { bearing: 'Bearing2_4', recordedS: 6110, actualRulS: 1390 },
  { bearing: 'Bearing2_5', recordedS: 20010, actualRulS: 3090 },
  { bearing: 'Bearing2_6', recordedS: 5710, actualRulS: 1290 },
  { bearing: 'Bearing2_7', recordedS: 1710, actualRulS: 580 },
  { bearing: 'Bearing3_3', recordedS: 3510, actualRulS: 820 },
];
export const TRUNCATION_FRACTIONS: readonly number[] = CHALLENGE_TEST_TRUNCATIONS.map((t) => t.recordedS / (t.recordedS + t.actualRulS));

export const COVERAGE_LEVELS = [0.8, 0.9, 0.95] as const;
/** The calibration factor is fitted for this central-interval level. */
export const CALIBRATION_LEVEL = 0.9;

export interface Residual {
  /** |log RUL - mu| / sigma with sigmaScale = 1 */
  r: number;
  w: number;
}

export function weightedQuantile(values: Residual[], q: number): number {
  const s = [...values].sort((a, b) => a.r - b.r);
  const total = s.reduce((acc, v) => acc + v.w, 0);
  let cum = 0;
  for (const v of s) {
    cum += v.w;
    if (cum >= q * total) return v.r;
  }
  return s[s.length - 1].r;
}

/** Standardised absolute residuals of `p` (sigmaScale ignored) on every row of `rows`, equal weight per bearing. */
export function standardisedResiduals(p: RulModelParams, rows: BearingRows[]): Residual[] {
  const d = RUL_MODEL_INPUT_COUNT;
  const buf = new Float64Array(p.hidden);
  const raw = { ...p, sigmaScale: 1 };
  const out: Residual[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.n; i++) {
      const { mu, sigma } = rulForward(raw, r.x.subarray(i * d, i * d + d), buf);
      out.push({ r: Math.abs(logRul(r.rulS[i]) - mu) / sigma, w: 1 / (r.n * rows.length) });
    }
  }
  return out;
}

/** Multiplier on sigma that makes the central CALIBRATION_LEVEL interval cover that share of `res`. */
export function sigmaScaleFrom(res: Residual[]): number {
  const zq = weightedQuantile(res, CALIBRATION_LEVEL);
  return Math.max(0.05, zq / normalQuantile(0.5 + CALIBRATION_LEVEL / 2));
}

/** Fit on `rows` and calibrate the interval by nested leave-one-bearing-out within `rows`. */
export function fitCalibrated(rows: BearingRows[], opts: FitOptions): { params: RulModelParams; innerResiduals: Residual[] } {
  const params = fitRulModel(rows, opts);
  const inner: Residual[] = [];
  const ids = [...new Set(rows.map((r) => r.id))];
  if (ids.length >= 2) {
    for (const id of ids) {
      // hold out every channel of that bearing; score on its horizontal channel
      const rest = rows.filter((r) => r.id !== id);
      const held = rows.find((r) => r.id === id && r.channel === 'horiz') ?? rows.find((r) => r.id === id)!;
      const m = fitRulModel(rest, opts);
      // each inner held-out bearing counts equally
      inner.push(...standardisedResiduals(m, [held]).map((v) => ({ r: v.r, w: v.w / ids.length })));
    }
    params.sigmaScale = sigmaScaleFrom(inner);
  }
  return { params, innerResiduals: inner };
}

export interface TruncationResult {
  fraction: number;
  tS: number;
  actualRulS: number;
  rulS: number;
  lowS: Record<string, number>;
  highS: Record<string, number>;
  percentError: number;
  accuracy: number;
  baselineRulS: number;
  baselineAccuracy: number;
}

export interface FoldResult {
  heldOut: string;
  trainedOn: string[];
  lifeS: number;
  sigmaScale: number;
  truncations: TruncationResult[];
  meanAccuracy: number;
  baselineMeanAccuracy: number;
  meanAbsPercentError: number;
  /** Coverage over the truncation points and over every held-out snapshot, per level. */
  coverageTruncations: Record<string, number>;
  coverageAllSnapshots: Record<string, number>;
  /** Median ratio high/low of the 90 % interval over all held-out snapshots. */
  medianWidthRatio90: number;
  /** Model as fitted for this fold (for parity checks / plots). */
  params: RulModelParams;
  /** Conformal calibration learnt inside this fold (null with RUL_CALIBRATE=0). */
  calibration: RulCalibration | null;
  /** Channel variant used in this fold and the inner-fold scores it was chosen on (evaluateFoldSelected). */
  channels?: ChannelVariant;
  innerScores?: Partial<Record<ChannelVariant, number>>;
  /** The shipped estimator: population model + the asset's own degradation model (rul-fusion.ts). */
  fused: FusedFold;
  prior: DegradationPrior;
  priorBearings: ReturnType<typeof fitDegradationPrior>["bearings"];
}

export interface FusedTruncation {
  fraction: number;
  /** What the gateway would show at this cut (src/prognosis/rul-state.ts); the score uses the model's point in every state. */
  state: RulState;
  tS: number;
  actualRulS: number;
  rulS: number;
  medianS: number;
  lowS: Record<string, number>;
  highS: Record<string, number>;
  source: FusedRul['source'];
  percentError: number;
  accuracy: number;
  accuracyOfMedian: number;
}

export interface FusedFold {
  truncations: FusedTruncation[];
  meanAccuracy: number;
  meanAccuracyOfMedian: number;
  meanAbsPercentError: number;
  coverageTruncations: Record<string, number>;
  coverageAllSnapshots: Record<string, number>;
  /** Coverage over the held-out snapshots where the degradation model answered, and how many. */
  coverageDegradation: Record<string, number>;
  degradationSnapshots: number;
  /** First time (s) the degradation model answered, as a fraction of life too. */
  firstDegradationS: number | null;
  medianWidthRatio90: number;
  /** Normalised residuals of the uncalibrated estimator at every held-out snapshot (for calibration). */
  residuals: CalibrationSample[];
  /** PHM 2012 challenge protocol (test bearings only): analyse the first truncationSnapshots snapshots, score against the challenge's ActRUL. */
  challenge: FusedTruncation | null;
}

/** States along the held-out replay, as RulTracker latches them (learning until the baseline is learnt). */
function statesAlong(held: BearingRows, per: Array<Record<string, FusedRul>>): RulState[] {
  let degrading = false;
  return per.map((row, i) => {
    if (row['0.9'].source === 'degradation') degrading = true;
    const failed = held.features[i * HEALTH_FEATURE_COUNT + FEATURE_INDEX.peak_g] >= DEFAULT_DEGRADATION_CONFIG.failureThresholdG;
    return rulStateOf({ baselineReady: held.ampReady[i] === 1, failed, degrading });
  });
}

function cutResult(per: Array<Record<string, FusedRul>>, states: RulState[], held: BearingRows, i: number, fraction: number, actual: number): FusedTruncation {
  const e = per[i]['0.9'];
  const lowS: Record<string, number> = {};
  const highS: Record<string, number> = {};
  for (const lvl of COVERAGE_LEVELS) {
    lowS[String(lvl)] = per[i][String(lvl)].rul_low_s;
    highS[String(lvl)] = per[i][String(lvl)].rul_high_s;
  }
  return {
    fraction,
    state: states[i],
    tS: held.tS[i],
    actualRulS: actual,
    rulS: e.rul_s,
    medianS: e.rul_median_s,
    lowS,
    highS,
    source: e.source,
    percentError: (100 * (actual - e.rul_s)) / actual,
    accuracy: phmAccuracy(actual, e.rul_s),
    accuracyOfMedian: phmAccuracy(actual, e.rul_median_s),
  };
}

/**
 * Runs the held-out bearing causally through exactly the gateway's estimator (population model +
 * per-asset degradation model, rul-fusion.ts) at every snapshot and every coverage level.
 */
export function fusedFold(params: RulModelParams, prior: DegradationPrior, held: BearingRows, cal: RulCalibration | null = null): FusedFold {
  const d = RUL_MODEL_INPUT_COUNT;
  const buf = new Float64Array(params.hidden);
  const deg = new ExponentialDegradation();
  const per: Array<Record<string, FusedRul>> = [];
  for (let i = 0; i < held.n; i++) {
    deg.observe(held.ampLevel[i], held.ampBase[i], held.tS[i] * 1000, held.ampReady[i] === 1);
    const pop = rulForward(params, held.x.subarray(i * d, i * d + d), buf);
    const row: Record<string, FusedRul> = {};
    // with a calibration only the 90 % fused interval is needed (it sets the scale), as in RulTracker
    for (const lvl of cal ? [0.9] : COVERAGE_LEVELS) row[String(lvl)] = fuseRul(pop, deg, prior, lvl, held.tS[i] * 1000, FUSION_MODE);
    per.push(row);
  }
  const statesRaw = statesAlong(held, per);
  // normalised residuals of the uncalibrated estimator, for building a calibration from this bearing
  const residuals: CalibrationSample[] = [];
  for (let i = 0; i < held.n; i++) {
    const e = per[i]['0.9'];
    const raw = statesRaw[i];
    if (raw === 'failed') continue;
    const st = raw === 'degrading' ? 'degrading' : 'no_degradation';
    residuals.push({ bearing: held.id, state: st, u: normalisedResidual(Math.max(held.rulS[i], RUL_FLOOR_S), { median: e.rul_median_s, low90: e.rul_low_s, high90: e.rul_high_s }) });
  }
  if (cal) {
    for (let i = 0; i < held.n; i++) {
      const e = per[i]['0.9'];
      const spread = { median: e.rul_median_s, low90: e.rul_low_s, high90: e.rul_high_s };
      for (const lvl of COVERAGE_LEVELS) per[i][String(lvl)] = { ...e, ...calibratedFigures(cal, statesRaw[i], spread, lvl, PHM_POINT_QUANTILE) };
    }
  }
  const states = statesAlong(held, per);
  const truncations: FusedTruncation[] = TRUNCATION_FRACTIONS.map((fraction) => {
    const i = truncationIndex(held, fraction);
    return cutResult(per, states, held, i, fraction, held.rulS[i]);
  });
  let challenge: FusedTruncation | null = null;
  if (held.challenge) {
    // the challenge gave snapshots 0..truncationSnapshots-1; rows end at end of life (Bearing1_4: its cut)
    const i = Math.min(held.challenge.truncationSnapshots - 1, held.n - 1);
    challenge = cutResult(per, states, held, i, held.tS[i] / held.lifeS, held.challenge.actualRulS);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const coverageTruncations: Record<string, number> = {};
  const coverageAllSnapshots: Record<string, number> = {};
  const coverageDegradation: Record<string, number> = {};
  let degN = 0;
  let firstDeg: number | null = null;
  for (let i = 0; i < held.n; i++) {
    if (per[i]['0.9'].source === 'degradation') {
      degN++;
      if (firstDeg === null) firstDeg = held.tS[i];
    }
  }
  for (const lvl of COVERAGE_LEVELS) {
    const k = String(lvl);
    coverageTruncations[k] = truncations.filter((t) => t.actualRulS >= t.lowS[k] && t.actualRulS <= t.highS[k]).length / truncations.length;
    let hit = 0;
    let hitDeg = 0;
    for (let i = 0; i < held.n; i++) {
      const e = per[i][k];
      const y = Math.max(held.rulS[i], 10);
      const ok = y >= e.rul_low_s && y <= e.rul_high_s;
      if (ok) hit++;
      if (ok && e.source === 'degradation') hitDeg++;
    }
    coverageAllSnapshots[k] = hit / held.n;
    coverageDegradation[k] = degN ? hitDeg / degN : Number.NaN;
  }
  const ratios = per.map((r) => r['0.9'].rul_high_s / r['0.9'].rul_low_s).sort((a, b) => a - b);
  return {
    truncations,
    meanAccuracy: mean(truncations.map((t) => t.accuracy)),
    meanAccuracyOfMedian: mean(truncations.map((t) => t.accuracyOfMedian)),
    meanAbsPercentError: mean(truncations.map((t) => Math.abs(t.percentError))),
    coverageTruncations,
    coverageAllSnapshots,
    coverageDegradation,
    degradationSnapshots: degN,
    firstDegradationS: firstDeg,
    medianWidthRatio90: ratios[ratios.length >> 1],
    challenge,
    residuals,
  };
}

export interface CalibrationSample {
  bearing: string;
  state: 'no_degradation' | 'degrading';
  u: number;
}

/**
 * Conformal calibration table from held-out normalised residuals (src/prognosis/rul-calibration.ts):
 * per state, weighted quantiles of u on CALIBRATION_GRID, each bearing weighted equally. A state no
 * bearing reached falls back to the pooled residuals.
 */
export function buildCalibration(samples: CalibrationSample[]): RulCalibration {
  const table = (sel: CalibrationSample[]) => {
    const count = new Map<string, number>();
    for (const x of sel) count.set(x.bearing, (count.get(x.bearing) ?? 0) + 1);
    const res: Residual[] = sel.map((x) => ({ r: x.u, w: 1 / (count.get(x.bearing)! * count.size) }));
    return CALIBRATION_GRID.map((p) => weightedQuantile(res, p));
  };
  const pooled = samples.length ? table(samples) : CALIBRATION_GRID.map(() => 0);
  const by = (st: CalibrationSample['state']) => {
    const sel = samples.filter((x) => x.state === st);
    return sel.length ? table(sel) : pooled;
  };
  return { grid: [...CALIBRATION_GRID], byState: { no_degradation: by('no_degradation'), degrading: by('degrading') } };
}

export function truncationIndex(r: BearingRows, fraction: number): number {
  const tCut = fraction * r.lifeS;
  let i = 0;
  while (i + 1 < r.n && r.tS[i + 1] <= tCut) i++;
  return i;
}

/** Baseline without features: the training bearings' mean log RUL as a constant estimate. */
function constantBaseline(rows: BearingRows[]): number {
  let s = 0;
  for (const r of rows) {
    let m = 0;
    for (let i = 0; i < r.n; i++) m += logRul(r.rulS[i]) / r.n;
    s += m / rows.length;
  }
  return Math.exp(s);
}

/** `RUL_CALIBRATE=0 npm run train` reproduces the uncalibrated (v2-style) estimator for the comparison in docs/rul.md. */
export const CALIBRATE = process.env.RUL_CALIBRATE !== '0';

/** Inner fold: bearing `id` of `train` replayed (uncalibrated) through a model, its sigma (nested) and a prior learnt without it. */
function innerFused(train: BearingRows[], id: string, opts: FitOptions): FusedFold {
  const rest = train.filter((r) => r.id !== id);
  const held = train.find((r) => r.id === id && r.channel === 'horiz') ?? train.find((r) => r.id === id)!;
  const { params } = fitCalibrated(rest, opts);
  const prior = fitDegradationPrior(rest.filter((r) => r.channel === 'horiz')).prior;
  return fusedFold(params, prior, held);
}

function innerFolds(train: BearingRows[], opts: FitOptions): FusedFold[] {
  return [...new Set(train.map((r) => r.id))].map((id) => innerFused(train, id, opts));
}

/**
 * Which channels train the population model: the horizontal one only, or horizontal + vertical
 * (the gateway has 3 axes and feeds its dominant one). `RUL_CHANNELS=horiz|both` fixes it;
 * by default it is selected per fold from the inner folds (nested model selection).
 */
export type ChannelVariant = 'horiz' | 'both';
export const CHANNEL_VARIANTS: readonly ChannelVariant[] =
  process.env.RUL_CHANNELS === 'horiz' ? ['horiz'] : process.env.RUL_CHANNELS === 'both' ? ['both'] : ['horiz', 'both'];

export function channelRows(all: BearingRows[], v: ChannelVariant): BearingRows[] {
  return v === 'both' ? all : all.filter((r) => r.channel === 'horiz');
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Nested selection of the channel variant for held-out `heldOutId`: each variant's mean PHM score
 * (uncalibrated estimator) over the inner folds of the 12 training bearings; the better one (ties:
 * horizontal only) is then evaluated on the held-out bearing, reusing its inner folds for the
 * conformal table.
 */
export function evaluateFoldSelected(all: BearingRows[], heldOutId: string, opts: FitOptions): FoldResult {
  const train = all.filter((r) => r.id !== heldOutId);
  const inner = new Map<ChannelVariant, FusedFold[]>();
  const innerScores: Partial<Record<ChannelVariant, number>> = {};
  let best: ChannelVariant = CHANNEL_VARIANTS[0];
  for (const v of CHANNEL_VARIANTS) {
    const folds = innerFolds(channelRows(train, v), opts);
    inner.set(v, folds);
    innerScores[v] = meanOf(folds.map((f) => f.meanAccuracy));
    if (innerScores[v]! > innerScores[best]!) best = v;
  }
  return { ...evaluateFold(channelRows(all, best), heldOutId, opts, inner.get(best)), channels: best, innerScores };
}

/** The uncalibrated estimator's PHM score on held-out `heldOutId` with variant `v` (for choosing the final model's variant). */
export function uncalibratedFoldScore(all: BearingRows[], heldOutId: string, v: ChannelVariant, opts: FitOptions): number {
  const train = channelRows(all, v).filter((r) => r.id !== heldOutId);
  const held = all.find((r) => r.id === heldOutId && r.channel === 'horiz')!;
  const { params } = fitCalibrated(train, opts);
  return fusedFold(params, fitDegradationPrior(train.filter((r) => r.channel === 'horiz')).prior, held).meanAccuracy;
}

export function evaluateFold(all: BearingRows[], heldOutId: string, opts: FitOptions, inner?: FusedFold[]): FoldResult {
  const held = all.find((r) => r.id === heldOutId && r.channel === 'horiz');
  if (!held) throw new Error(`unknown bearing ${heldOutId}`);
  // every channel of the held-out bearing leaves the training set
  const train = all.filter((r) => r.id !== heldOutId);
  const { params } = fitCalibrated(train, opts);
  const baseline = constantBaseline(train);
  const d = RUL_MODEL_INPUT_COUNT;
  const buf = new Float64Array(params.hidden);

  const truncations: TruncationResult[] = TRUNCATION_FRACTIONS.map((fraction) => {
    const i = truncationIndex(held, fraction);
    const { mu, sigma } = rulForward(params, held.x.subarray(i * d, i * d + d), buf);
    const actual = held.rulS[i];
    const lowS: Record<string, number> = {};
    const highS: Record<string, number> = {};
    for (const lvl of COVERAGE_LEVELS) {
      const iv = rulInterval(mu, sigma, lvl);
      lowS[String(lvl)] = iv.rul_low_s;
      highS[String(lvl)] = iv.rul_high_s;
    }
    const est = Math.exp(mu);
    return {
      fraction,
      tS: held.tS[i],
      actualRulS: actual,
      rulS: est,
      lowS,
      highS,
      percentError: (100 * (actual - est)) / actual,
      accuracy: phmAccuracy(actual, est),
      baselineRulS: baseline,
      baselineAccuracy: phmAccuracy(actual, baseline),
    };
  });

  const coverageTruncations: Record<string, number> = {};
  const coverageAllSnapshots: Record<string, number> = {};
  for (const lvl of COVERAGE_LEVELS) {
    const k = String(lvl);
    coverageTruncations[k] = truncations.filter((t) => t.actualRulS >= t.lowS[k] && t.actualRulS <= t.highS[k]).length / truncations.length;
    let hit = 0;
    for (let i = 0; i < held.n; i++) {
      const { mu, sigma } = rulForward(params, held.x.subarray(i * d, i * d + d), buf);
      const iv = rulInterval(mu, sigma, lvl);
      const y = Math.max(held.rulS[i], 10);
      if (y >= iv.rul_low_s && y <= iv.rul_high_s) hit++;
    }
    coverageAllSnapshots[k] = hit / held.n;
  }
  const ratios: number[] = [];
  for (let i = 0; i < held.n; i++) {
    const { mu, sigma } = rulForward(params, held.x.subarray(i * d, i * d + d), buf);
    const iv = rulInterval(mu, sigma, 0.9);
    ratios.push(iv.rul_high_s / iv.rul_low_s);
  }
  ratios.sort((a, b) => a - b);

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // degradation prior from the training bearings' horizontal channels only
  const { prior, bearings: priorBearings } = fitDegradationPrior(train.filter((r) => r.channel === 'horiz'));
  // conformal calibration of the fused estimator, nested: each training bearing replayed through the
  // model, sigma and prior learnt without it; the held-out bearing is not involved
  const calibration = CALIBRATE ? buildCalibration((inner ?? innerFolds(train, opts)).flatMap((f) => f.residuals)) : null;
  return {
    fused: fusedFold(params, prior, held, calibration),
    calibration,
    prior,
    priorBearings,
    heldOut: held.id,
    trainedOn: [...new Set(train.map((r) => `${r.id}`))],
    lifeS: held.lifeS,
    sigmaScale: params.sigmaScale,
    truncations,
    meanAccuracy: mean(truncations.map((t) => t.accuracy)),
    baselineMeanAccuracy: mean(truncations.map((t) => t.baselineAccuracy)),
    meanAbsPercentError: mean(truncations.map((t) => Math.abs(t.percentError))),
    coverageTruncations,
    coverageAllSnapshots,
    medianWidthRatio90: ratios[ratios.length >> 1],
    params,
  };
}
