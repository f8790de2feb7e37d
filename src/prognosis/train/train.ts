/**
 * `npm run train`: the 13 whole FEMTO bearing lives (6 learning + 7 challenge test bearings) -> health features (the gateway's extractHealthFeatures)
 * -> leave-one-bearing-out evaluation (PHM 2012 truncation scoring, interval coverage) -> final model
 * on all 13 bearings -> models/rul.onnx + models/rul.json (model card), with an onnxruntime
 * parity check of the exported graph against the TypeScript model.
 *
 * Env: FABWATCH_DATASETS overrides ../shared/datasets. Deterministic (seeded, no shuffling).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEALTH_FEATURE_NAMES } from '../features.js';
import { datasetsDir, FEMTO_BEARINGS, FEMTO_FAILURE_THRESHOLD_G, loadFemtoBearing } from './femto.js';
import { FIVE_FEATURE_FORM } from '../five-features.js';
import { BASELINE_SNAPSHOTS } from '../baseline.js';
import { DEFAULT_SMOOTHING_WINDOW } from '../smoothing.js';
import {
  INPUT_FLOOR,
  LOG_SIGMA_MAX,
  LOG_SIGMA_MIN,
  RUL_FLOOR_S,
  RUL_MODEL_INPUT_COUNT,
  RUL_MODEL_INPUTS,
  RUL_QUANTILE_LEVELS,
  rulForward,
  type RulModelParams,
} from '../rul-math.js';
import { baselines, bearingRows, type BearingRows } from './dataset.js';
import { buildCalibration, CALIBRATE, CALIBRATION_LEVEL, CHANNEL_VARIANTS, channelRows, COVERAGE_LEVELS, evaluateFoldSelected, uncalibratedFoldScore, type ChannelVariant, sigmaScaleFrom, standardisedResiduals, TRUNCATION_FRACTIONS, type FoldResult, type FusedTruncation } from './evaluate.js';
import { DEFAULT_FIT, fitRulModel } from './fit.js';
import { fitDegradationPrior } from './degradation-prior.js';
import { DEFAULT_DEGRADATION_CONFIG } from '../degradation.js';
import { PHM_POINT_QUANTILE } from '../rul-fusion.js';
import { exportRulOnnx } from './onnx-export.js';
import { protocolSummary } from './protocol-summary.js';

export const MODEL_NAME = 'rul';
export const MODEL_VERSION = '3.0.0';
export const MODEL_VERSION_INT = 3;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

async function parity(bytes: Uint8Array, p: RulModelParams, rows: BearingRows[]) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  let n = 0;
  for (const r of rows) n += r.n;

  const x = new Float32Array(n * RUL_MODEL_INPUT_COUNT);
  let o = 0;
  for (const r of rows) {
    x.set(r.x, o);
    o += r.x.length;
  }
  const out = await session.run({ features: new ort.Tensor('float32', x, [n, RUL_MODEL_INPUT_COUNT]) });
  const med = out.rul_median_s.data as Float32Array;
  const sig = out.rul_log_sigma.data as Float32Array;
  const hi = out.health_indicator.data as Float32Array;
  let maxRelMedian = 0;
  let maxAbsSigma = 0;
  let maxAbsHi = 0;
  const buf = new Float64Array(Math.max(1, p.hidden));
  for (let i = 0; i < n; i++) {
    // compare against the TS model on the same float32-rounded input
    const ref = rulForward(p, x.subarray(i * RUL_MODEL_INPUT_COUNT, (i + 1) * RUL_MODEL_INPUT_COUNT), buf);
    maxRelMedian = Math.max(maxRelMedian, Math.abs(med[i] - Math.exp(ref.mu)) / Math.exp(ref.mu));
    maxAbsSigma = Math.max(maxAbsSigma, Math.abs(sig[i] - ref.sigma));
    maxAbsHi = Math.max(maxAbsHi, Math.abs(hi[i] - ref.hi));
  }
  await session.release();
  return { rows: n, max_rel_diff_rul_median: maxRelMedian, max_abs_diff_log_sigma: maxAbsSigma, max_abs_diff_health_indicator: maxAbsHi };
}

const r3n = (v: number) => (Number.isFinite(v) ? r3(v) : null);


function foldSummary(f: FoldResult) {
  const u = f.fused;
  return {
    held_out: f.heldOut,
    trained_on: f.trainedOn,
    channels: f.channels,
    channel_scores_inner_folds: f.innerScores && Object.fromEntries(Object.entries(f.innerScores).map(([k, v]) => [k, r3(v as number)])),
    life_s: f.lifeS,
    shipped_estimator: {
      phm_score: r3(u.meanAccuracy),
      phm_score_if_median_were_the_point: r3(u.meanAccuracyOfMedian),
      mean_abs_percent_error: r3(u.meanAbsPercentError),
      coverage_at_truncations: Object.fromEntries(Object.entries(u.coverageTruncations).map(([k, v]) => [k, r3(v)])),
      coverage_all_snapshots: Object.fromEntries(Object.entries(u.coverageAllSnapshots).map(([k, v]) => [k, r3(v)])),
      coverage_where_degradation_model_answered: Object.fromEntries(Object.entries(u.coverageDegradation).map(([k, v]) => [k, r3n(v)])),
      snapshots_answered_by_degradation_model: u.degradationSnapshots,
      degradation_model_first_answered_s: u.firstDegradationS,
      median_interval_ratio_high_over_low_90: r3(u.medianWidthRatio90),
      degradation_prior_from_training_bearings: f.prior,
      truncations: u.truncations.map((t) => ({
        fraction_of_life: r3(t.fraction),
        t_s: t.tS,
        actual_rul_s: t.actualRulS,
        rul_s: Math.round(t.rulS),
        rul_median_s: Math.round(t.medianS),
        rul_low_s_90: Math.round(t.lowS['0.9']),
        rul_high_s_90: Math.round(t.highS['0.9']),
        answered_by: t.source,
        percent_error: r3(t.percentError),
        phm_accuracy: r3(t.accuracy),
      })),
    },
    population_model_alone: {
    sigma_scale: r3(f.sigmaScale),
    phm_score: r3(f.meanAccuracy),
    constant_baseline_phm_score: r3(f.baselineMeanAccuracy),
    mean_abs_percent_error: r3(f.meanAbsPercentError),
    coverage_at_truncations: Object.fromEntries(Object.entries(f.coverageTruncations).map(([k, v]) => [k, r3(v)])),
    coverage_all_snapshots: Object.fromEntries(Object.entries(f.coverageAllSnapshots).map(([k, v]) => [k, r3(v)])),
    median_interval_ratio_high_over_low_90: r3(f.medianWidthRatio90),
    truncations: f.truncations.map((t) => ({
      fraction_of_life: r3(t.fraction),
      t_s: t.tS,
      actual_rul_s: t.actualRulS,
      rul_s: Math.round(t.rulS),
      rul_low_s_90: Math.round(t.lowS['0.9']),
      rul_high_s_90: Math.round(t.highS['0.9']),
      percent_error: r3(t.percentError),
      phm_accuracy: r3(t.accuracy),
    })),
    },
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = datasetsDir(repoRoot);
  const rows: BearingRows[] = [];
  const bearingsInfo = [];
  for (const { id, set } of FEMTO_BEARINGS) {
    const b = loadFemtoBearing(dir, id, set);
    rows.push(bearingRows(b, 'horiz'));
    if (CHANNEL_VARIANTS.includes('both')) rows.push(bearingRows(b, 'vert'));
    bearingsInfo.push({
      id,
      set,
      operating_condition: b.operatingCondition,
      snapshots_recorded: b.numSnapshots,
      snapshots_used: b.failureIndex + 1,
      end_of_life_s: b.failureTimeS,
      recording_end_s: b.timesS[b.numSnapshots - 1],
      vertical_first_20g_s: b.verticalExceedanceIndex >= 0 ? b.timesS[b.verticalExceedanceIndex] : null,
      challenge: b.challenge,
    });
  }
  const tFeatures = performance.now();
  console.log(`features: ${rows.map((r) => `${r.id}/${r.channel} ${r.n} snapshots`).join(', ')} in ${((tFeatures - t0) / 1000).toFixed(1)} s`);

  const opts = DEFAULT_FIT;
  const folds = FEMTO_BEARINGS.map(({ id }) => evaluateFoldSelected(rows, id, opts));
  // The final model's channels: the same criterion as inside each fold, over all 13 bearings.
  const variantScores = Object.fromEntries(CHANNEL_VARIANTS.map((v) => [v, FEMTO_BEARINGS.reduce((acc, { id }) => acc + uncalibratedFoldScore(rows, id, v, opts), 0) / FEMTO_BEARINGS.length]));
  let finalChannels: ChannelVariant = CHANNEL_VARIANTS[0];
  for (const v of CHANNEL_VARIANTS) if (variantScores[v] > variantScores[finalChannels]) finalChannels = v;
  const trainRows = channelRows(rows, finalChannels);
  const tEval = performance.now();

  // Final model: all 13 bearings; interval calibrated on the out-of-fold residuals of the
  // leave-one-bearing-out models (each held-out bearing weighted equally).
  const finalParams = fitRulModel(trainRows, opts);
  const oof = folds.flatMap((f) => standardisedResiduals(f.params, [rows.find((r) => r.id === f.heldOut && r.channel === 'horiz')!]).map((v) => ({ r: v.r, w: v.w / folds.length })));
  finalParams.sigmaScale = sigmaScaleFrom(oof);

  const finalDeg = fitDegradationPrior(rows.filter((r) => r.channel === 'horiz'));
  // conformal calibration of the shipped estimator from the 13 folds' out-of-fold residuals
  const finalCalibration = CALIBRATE ? buildCalibration(folds.flatMap((f) => f.fused.residuals)) : undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanN = (xs: number[]) => {
    const v = xs.filter((x) => Number.isFinite(x));
    return v.length ? mean(v) : Number.NaN;
  };
  const fusedOverall = {
    phm_score_mean_over_bearings: r3(mean(folds.map((f) => f.fused.meanAccuracy))),
    phm_score_if_median_were_the_point: r3(mean(folds.map((f) => f.fused.meanAccuracyOfMedian))),
    mean_abs_percent_error: r3(mean(folds.map((f) => f.fused.meanAbsPercentError))),
    coverage_at_truncations: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3(mean(folds.map((f) => f.fused.coverageTruncations[String(l)])))])),
    coverage_all_snapshots: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3(mean(folds.map((f) => f.fused.coverageAllSnapshots[String(l)])))])),
    coverage_where_degradation_model_answered_mean_over_bearings_that_had_it: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3n(meanN(folds.map((f) => f.fused.coverageDegradation[String(l)])))])),
  };
  const overall = {
    phm_score_mean_over_bearings: fusedOverall.phm_score_mean_over_bearings,
    constant_baseline_phm_score: r3(mean(folds.map((f) => f.baselineMeanAccuracy))),
    shipped_estimator: fusedOverall,
    population_model_alone: {
      phm_score_mean_over_bearings: r3(mean(folds.map((f) => f.meanAccuracy))),
      mean_abs_percent_error: r3(mean(folds.map((f) => f.meanAbsPercentError))),
      coverage_at_truncations: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3(mean(folds.map((f) => f.coverageTruncations[String(l)])))])),
      coverage_all_snapshots: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3(mean(folds.map((f) => f.coverageAllSnapshots[String(l)])))])),
    },
  };

  const refBaseline = RUL_MODEL_INPUTS.map((_, k) => median(FEMTO_BEARINGS.map(({ id }) => baselines.get(id)![k])));
  const protocols = {
    leave_one_bearing_out: protocolSummary(folds.flatMap((f) => f.fused.truncations)),
    challenge: protocolSummary(folds.flatMap((f) => (f.fused.challenge ? [f.fused.challenge] : []))),
  };
  const metadata = { model_name: MODEL_NAME, model_version: MODEL_VERSION, inputs: RUL_MODEL_INPUTS.map((n) => `${n}_ratio`).join(','), quantile_levels: RUL_QUANTILE_LEVELS.join(',') };
  const bytes = exportRulOnnx(finalParams, {
    modelVersion: MODEL_VERSION_INT,
    producerVersion: MODEL_VERSION,
    docString: 'fabwatch bearing RUL: log-normal RUL from baseline-relative vibration features (13 FEMTO PHM 2012 bearing lives)',
    metadata,
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const par = await parity(bytes, finalParams, trainRows);
  const parityOk = par.max_rel_diff_rul_median < 1e-4 && par.max_abs_diff_log_sigma < 1e-5 && par.max_abs_diff_health_indicator < 1e-5;

  const card = {
    name: MODEL_NAME,
    version: MODEL_VERSION,
    onnx_model_version: MODEL_VERSION_INT,
    created_by: 'npm run train (src/prognosis/train/train.ts)',
    onnx: { file: `${MODEL_NAME}.onnx`, sha256, bytes: bytes.length, ir_version: 8, opset: 17, ops: ['Max', 'Log', 'Sub', 'Div', 'MatMul', 'Add', 'Clip', 'Exp', 'Mul'] },
    task: 'Remaining useful life of a rolling-element bearing from one accelerometer channel, with an interval at a requested confidence level.',
    inputs: {
      tensor: 'features',
      dtype: 'float32',
      shape: ['N', RUL_MODEL_INPUT_COUNT],
      order: RUL_MODEL_INPUTS.map((n, i) => ({
        index: i,
        name: `${n}_ratio`,
        source_feature: n,
        unit: 'ratio (feature / same feature of the asset baseline), dimensionless',
        in_graph_transform: `standardised log: (ln(max(x, ${INPUT_FLOOR})) - ${r3(finalParams.inMean[i])}) / ${r3(finalParams.inStd[i])}`,
      })),
      preprocessing_outside_graph: {
        features: 'extractHealthFeatures (src/prognosis/features.ts) on each snapshot, horizontal channel in training',
        baseline: `per asset: running minimum of the per-input trailing median over ${BASELINE_SNAPSHOTS} snapshots (median so far until then) — AssetBaseline (src/prognosis/baseline.ts)`,
        smoothing: `trailing median over the last ${DEFAULT_SMOOTHING_WINDOW} snapshots of the ratios — TrailingMedian (src/prognosis/smoothing.ts)`,
        reference_baseline: Object.fromEntries(RUL_MODEL_INPUTS.map((n, i) => [n, r3(refBaseline[i])])),
        reference_baseline_note: 'median of the 3 training bearings\' baselines; used only when a request carries absolute features and the asset has no learnt baseline (FEMTO rig levels; a robot arm\'s healthy levels differ)',
      },
      health_features_all: HEALTH_FEATURE_NAMES,
      five_feature_request_form: FIVE_FEATURE_FORM,
    },
    outputs: [
      { name: 'rul_median_s', shape: ['N', 1], unit: 's', meaning: 'median RUL, exp(mu)' },
      { name: 'rul_log_sigma', shape: ['N', 1], unit: 'ln(s)', meaning: 'calibrated standard deviation of ln RUL; interval at confidence c = median * exp(+-z_{(1+c)/2} * sigma)' },
      { name: 'rul_quantiles_s', shape: ['N', RUL_QUANTILE_LEVELS.length], unit: 's', levels: RUL_QUANTILE_LEVELS },
      { name: 'health_indicator', shape: ['N', 1], unit: '1', meaning: `clip((mu - ln ${RUL_FLOOR_S}) / (${r3(finalParams.hiLogRulHigh)} - ln ${RUL_FLOOR_S}), 0, 1): 1 = model predicts as long a life as for the training bearings in their first 20 % of life, 0 = predicted RUL one snapshot interval; health_score = round(100 * health_indicator)` },
    ],
    degradation: {
      model: 'Per-asset exponential degradation model with Bayesian parameter update (Gebraeel et al. 2005; MATLAB exponentialDegradationModel): S(t) = phi + exp(a + b tau + eps), S = 1-minute trailing median of the snapshot peak (g), phi = the asset\'s own running-minimum baseline of S, tau = hours since onset (S/phi first >= onset_ratio). (a, b) ~ bivariate normal, prior below (learnt from the FEMTO training bearings by src/prognosis/train/degradation-prior.ts), updated in closed form from the asset\'s own post-onset history in RulTracker (src/prognosis/degradation.ts). Failure when S reaches failure_threshold_g; residual-life quantiles from P(T <= tau) = Phi((mu(tau) - ln(F - phi)) / sqrt(v(tau))).',
      prior: finalDeg.prior,
      prior_note: 'meanA/sdA: intercept ln(S - phi) at onset (ln g); meanB/sdB: slope per hour; sd floors max(between-bearing sd, |mean|, 0.5) because 2-3 bearings cannot estimate a spread; noiseSd: pooled residual sd; noiseVarianceInflation = (1 + rho)/(1 - rho) from the residuals\' lag-1 autocorrelation rho, so correlated observations are not counted as independent.',
      per_training_bearing: finalDeg.bearings,
      config: DEFAULT_DEGRADATION_CONFIG,
      failure_threshold: `${DEFAULT_DEGRADATION_CONFIG.failureThresholdG} g absolute amplitude of the smoothed snapshot peak (FEMTO / PHM 2012 end-of-life definition); configurable per tracker (RulTrackerOptions.degradation.failureThresholdG) for an asset whose failure level is defined differently`,
      fusion: `population model (ONNX) until the asset\'s degradation is established (posterior slope / its sd >= ${DEFAULT_DEGRADATION_CONFIG.slopeDetectionZ} and >= ${DEFAULT_DEGRADATION_CONFIG.minPoints} observations), the degradation model after (src/prognosis/rul-fusion.ts). rul_s = the ${PHM_POINT_QUANTILE} quantile of the RUL distribution (Bayes point estimate under the PHM 2012 score, late errors penalised 4x faster than early ones), clamped into the interval; rul_median_s = the median. health_indicator = min(population HI, amplitude HI = 1 - ln(S/phi)/ln(F/phi)).`,
    },
    calibration: finalCalibration && {
      ...finalCalibration,
      byState: { no_degradation: finalCalibration.byState.no_degradation.map((v) => Math.round(v * 1e6) / 1e6), degrading: finalCalibration.byState.degrading.map((v) => Math.round(v * 1e6) / 1e6) },
      method: 'Split-conformal on leave-one-bearing-out residuals, per rul_state (src/prognosis/rul-calibration.ts): Q(p) = weighted p-quantile (each bearing equal) of the normalised residual u = ln(y/m)/ln(h/m) (y >= m) or ln(y/m)/ln(m/l) (y < m) of the fused estimator (median m, 90 % interval [l, h]) over every held-out snapshot of the 13 folds. Run time: t(p) = m exp(Q(p) ln(h/m)) or m exp(Q(p) ln(m/l)); interval [t((1-c)/2), t((1+c)/2)], lower bound t(1-c), point t(0.2). learning uses no_degradation. In the evaluation every fold builds its own table from nested inner folds (the held-out bearing never enters it).',
    },
    method: {
      model: 'Population model (this ONNX graph): ln RUL ~ Normal(mu(x), sigma^2); mu linear in the standardised log feature ratios (least squares, L2 1e-3, each bearing weighted equally, full-batch Adam), sigma a single calibrated constant. Per asset, RulTracker switches to the Bayesian exponential degradation model (section "degradation") once the asset\'s amplitude trend is established.',
      why: [
        'v1 (population model alone) put zero weight on RMS and velocity, so a growing defect that raises the amplitude but not the kurtosis / crest factor (the simulator\'s outer-race defect from 0.05 g to 20 g) left the RUL on a plateau after the simulated failure. v2 adds an amplitude health indicator (snapshot peak relative to the asset\'s own baseline) with a per-asset Bayesian exponential degradation model extrapolated to the 20 g failure threshold, as in the standards doc\'s usual edge method.',
        'Peak rather than RMS because end of life is defined on amplitude (PHM 2012: the vibration exceeds 20 g); the amplitude minus the asset\'s baseline (phi) makes ln(S - phi) linear in time for an exponentially growing defect on top of steady background vibration.',
        'The prior comes from the training bearings only (per fold in the evaluation); the per-asset update is exact (conjugate normal), O(1) memory (5 discounted sufficient statistics), and old observations are discounted with a 2 h half-life because FEMTO degradation accelerates late in life. Observations are thinned to one per minute and the noise variance inflated for their autocorrelation.',
        'v3: trained and evaluated on all 13 whole FEMTO lives (6 learning + 7 challenge test bearings, lives 1.4 h to 7.7 h). v1/v2 history on the 3 float32 learning bearings: population-model variants compared under the same leave-one-bearing-out protocol (PHM score; constant-RUL baseline 0.037): ReLU MLP with learned per-input sigma on absolute features 0.019; linear on absolute features 0.096; linear on ratios to a first-10-minutes baseline 0.102 but with a POSITIVE weight on velocity; constrained weights <= 0: 0.064; v1 shipped (constrained, running-minimum baseline) 0.047. Because every variant was scored on the same three held-out bearings, picking the best score would be selecting on the test set.',
        'Ratios to each asset\'s own healthy baseline rather than absolute g for the population model: absolute levels identify the bearing, not its wear. The failure threshold of the degradation model is absolute (20 g) because that is how end of life is defined.',
        'Interval of the population model by split-conformal-style calibration of sigma on held-out bearings; interval of the degradation model from its posterior predictive (not recalibrated: 3 bearings, of which one has no post-onset history, cannot calibrate it; its coverage is reported below and is too low on Bearing2_1).',
      ],
      sigma_scale: r3(finalParams.sigmaScale),
      calibration_level: CALIBRATION_LEVEL,
      log_sigma_clip: [LOG_SIGMA_MIN, LOG_SIGMA_MAX],
      parameters: finalParams,
    },
    training_data: {
      source: 'FEMTO-ST PRONOSTIA, IEEE PHM 2012 challenge: the 6 learning bearings and the 7 test bearings with full lives (shared datasets femto/, Nectoux et al. 2012)',
      bearings: bearingsInfo,
      channel: `population model trained on ${finalChannels === 'both' ? 'the horizontal and vertical channels (each as its own asset history)' : 'the horizontal channel'}, chosen by the uncalibrated leave-one-bearing-out score over the 13 bearings (${Object.entries(variantScores).map(([k, v]) => `${k} ${r3(v)}`).join(', ')}); in the evaluation the choice is made per fold from its inner folds (validation.folds[].channels). 25.6 kHz, 2560-sample snapshot every 10 s; every snapshot used. Degradation prior and calibration: horizontal channel.`,
      end_of_life: `first snapshot where the horizontal channel exceeds ${FEMTO_FAILURE_THRESHOLD_G} g (challenge definition). The vertical channel is not used for end of life because Bearing1_1 shows 22-29 g vertical transients at ~13 000 s with 4 more hours of life.`,
      target: `ln(max(RUL, ${RUL_FLOOR_S} s))`,
    },
    validation: {
      protocol: 'Leave one bearing out over the 13 FEMTO bearing lives. Within each fold the population model, its interval calibration (nested leave-one-bearing-out inside the training bearings) AND the degradation prior see only the 12 training bearings; the held-out bearing is replayed causally through the gateway estimator (amplitude indicator, onset, Bayesian update, competing risks; src/prognosis/rul-fusion.ts), shipped_estimator below, with the population model alone reported alongside. The held-out bearing is truncated at the 11 life fractions of the PHM 2012 test bearings (recorded / (recorded + actual RUL) from the challenge tables) and each truncation scored with the challenge accuracy A (Er = 100 (ActRUL - RUL)/ActRUL; A = exp(-ln 0.5 Er/5) for Er <= 0, exp(ln 0.5 Er/20) for Er > 0). No metric here is computed on data the scored model was trained on. protocols.challenge: the PHM 2012 protocol on the 7 test bearings with full lives - the held-out fold model replayed over the first challengeTruncationSnapshots snapshots and scored against challengeActualRulS.',
      truncation_fractions: TRUNCATION_FRACTIONS.map(r3),
      protocols,
      overall,
      folds: folds.map(foldSummary),
      vs_published: 'The PHM 2012 winners scored about 0.25-0.31 on the 11 official test bearings with 6 training bearings. fabwatch scores ' + overall.phm_score_mean_over_bearings + ' under this 13-bearing leave-one-out protocol (a constant-RUL baseline scores ' + overall.constant_baseline_phm_score + ') and ' + protocols.challenge.phm_score + ' on the challenge protocol for the 7 test bearings with full lives. Most cuts fall before any degradation is detectable (states_at_cuts), where the estimate is essentially the population prior.',
      known_defects: [] as string[],
    },
    parity_onnx_vs_typescript: { ...par, ok: parityOk },
    timings_s: { features: r3((tFeatures - t0) / 1000), evaluation: r3((tEval - tFeatures) / 1000), total: 0 },
  };
  for (const f of folds) {
    for (const l of COVERAGE_LEVELS) {
      const k = String(l);
      const cov = f.fused.coverageAllSnapshots[k];
      if (cov < l - 0.1) card.validation.known_defects.push(`${f.heldOut}: ${l * 100} % interval covers only ${(cov * 100).toFixed(0)} % of held-out snapshots (under-coverage)`);
    }
    if (f.fused.medianWidthRatio90 > 100) card.validation.known_defects.push(`${f.heldOut}: 90 % interval is very wide (median high/low ratio ${f.fused.medianWidthRatio90.toFixed(0)}x) - coverage is bought with width`);
    const late = f.fused.truncations.filter((t) => t.percentError < -20).length;
    if (late) card.validation.known_defects.push(`${f.heldOut}: predicted RUL more than 20 % late at ${late} of ${f.fused.truncations.length} truncation points`);
  }
  card.timings_s.total = r3((performance.now() - t0) / 1000);

  const outDir = path.join(repoRoot, 'models');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, `${MODEL_NAME}.onnx`), bytes);
  writeFileSync(path.join(outDir, `${MODEL_NAME}.json`), JSON.stringify(card, null, 1) + '\n');

  console.log('\nleave-one-bearing-out over 13 bearings (11 PHM 2012 life fractions each); all snapshots = coverage over every held-out snapshot:');
  console.log('held-out     life_s  score  const  MAPE%   cov80  cov90  cov95 (all held-out snapshots)  width90');
  for (const f of folds) {
    const u = f.fused;
    const c = u.coverageAllSnapshots;
    console.log(
      `${f.heldOut.padEnd(11)} ${String(f.lifeS).padStart(7)}  ${u.meanAccuracy.toFixed(3)}  ${f.baselineMeanAccuracy.toFixed(3)}  ${u.meanAbsPercentError.toFixed(0).padStart(5)}   ${c['0.8'].toFixed(2)}   ${c['0.9'].toFixed(2)}   ${c['0.95'].toFixed(2)}                              ${u.medianWidthRatio90.toFixed(1)}x  (population model alone: ${f.meanAccuracy.toFixed(3)}; degradation model answered ${u.degradationSnapshots}/${f.truncations.length ? (rows.find((r) => r.id === f.heldOut)?.n ?? 0) : 0} snapshots)`,
    );
  }
  console.log(`overall PHM score ${overall.phm_score_mean_over_bearings} (median as point: ${fusedOverall.phm_score_if_median_were_the_point}; population model alone ${overall.population_model_alone.phm_score_mean_over_bearings}; constant baseline ${overall.constant_baseline_phm_score}; published winners 0.25-0.31 on the official test set)`);
  console.log(`channels: final model ${finalChannels} (uncalibrated LOBO score ${Object.entries(variantScores).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}); per fold (nested): ${folds.map((f) => `${f.heldOut} ${f.channels}`).join(', ')}`);
  for (const f of folds) {
    const c = f.fused.challenge;
    if (c) console.log(`challenge ${f.heldOut}: cut at ${Math.round(c.tS)} s (${c.state}), ActRUL ${c.actualRulS} s, predicted ${Math.round(c.rulS)} s [${Math.round(c.lowS['0.9'])}, ${Math.round(c.highS['0.9'])}] -> A ${c.accuracy.toFixed(3)}`);
  }
  for (const [name, p] of Object.entries(protocols)) {
    console.log(`${name.padEnd(22)} cuts ${String(p.cuts).padStart(3)}  PHM score ${p.phm_score.toFixed(3)}  coverage 80/90/95 % ${p.coverage['0.8'].toFixed(2)} / ${p.coverage['0.9'].toFixed(2)} / ${p.coverage['0.95'].toFixed(2)}  median 90 % high/low ${p.median_ratio_high_over_low_90}x  states ${JSON.stringify(p.states_at_cuts)}  no_degradation lower bound holds ${p.no_degradation_lower_bound_90_holds}`);
  }
  console.log('targets (issue #13): score >= 0.35 on both protocols, 90 % coverage >= 0.85, median 90 % high/low <= 4x');
  for (const d of card.validation.known_defects) console.log(`DEFECT: ${d}`);
  console.log(`\nwrote models/${MODEL_NAME}.onnx (${bytes.length} B, sha256 ${sha256}) and models/${MODEL_NAME}.json`);
  console.log(`ONNX vs TS parity over ${par.rows} rows: rel ${par.max_rel_diff_rul_median.toExponential(2)}, sigma ${par.max_abs_diff_log_sigma.toExponential(2)}, HI ${par.max_abs_diff_health_indicator.toExponential(2)} -> ${parityOk ? 'ok' : 'MISMATCH'}`);
  console.log(`total ${card.timings_s.total} s`);
  if (!parityOk) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
