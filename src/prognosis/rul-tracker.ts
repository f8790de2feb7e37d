/**
 * Per-robot RUL state, instantiated by the gateway once per monitored bearing/robot. Pure: no I/O,
 * no clock (timestamps come with each update), the model is passed in when an estimate is wanted.
 *
 * Each vibration snapshot's health features (extractHealthFeatures output) go through exactly the
 * path used in training (src/prognosis/train/dataset.ts): the asset's own baseline (running minimum
 * of a 5-minute median), ratio to it, trailing median over the last minute. `modelInput` is then
 * what the ONNX population model eats. In parallel the snapshot peak feeds the amplitude indicator
 * (src/prognosis/amplitude.ts) and the asset's Bayesian exponential degradation model
 * (src/prognosis/degradation.ts), whose state lives here.
 *
 * State can be saved (`snapshot()`) and restored (`new RulTracker({ ..., restore })`) so a gateway
 * restart does not relearn a worn bearing's "healthy" baseline from its worn state.
 */
import { AmplitudeIndicator } from './amplitude.js';
import { AssetBaseline, BASELINE_SNAPSHOTS } from './baseline.js';
import { ExponentialDegradation, type DegradationConfig, type DegradationPrior, type DegradationState } from './degradation.js';
import { FEATURE_INDEX, HEALTH_FEATURE_COUNT } from './features.js';
import { DEFAULT_FUSION, fuseRul, type FusedRul, type FusionMode } from './rul-fusion.js';
import type { RulModel, RulPrediction } from './rul-model.js';
import { normalQuantile, RUL_MODEL_INPUT_COUNT, RUL_MODEL_INPUT_FEATURE_INDEX } from './rul-math.js';
import { DEFAULT_SMOOTHING_WINDOW, TrailingMedian } from './smoothing.js';
import { figuresFor, rulStateOf, type RulFigures, type RulState } from './rul-state.js';
import { capRulFigures, type RulCapped } from './rul-cap.js';
import { calibratedFigures, type RulCalibration } from './rul-calibration.js';
import { PHM_POINT_QUANTILE } from './rul-fusion.js';

export interface RulTrackerState {
  robotId: string;
  /** Absolute baseline levels (model-input order) once learnt, else null. */
  baseline: number[] | null;
  snapshots: number;
  firstMs: number | null;
  lastMs: number | null;
  /** Healthy level of the amplitude indicator (smoothed peak, g) once learnt (absent in v1 states). */
  amplitudeBaseline?: number | null;
  /** The asset's degradation-model state (absent in v1 states). */
  degradation?: DegradationState;
  /** When a snapshot first reached the failure threshold (absent/null: never). */
  failedAtMs?: number | null;
  /** When the degradation model was first established (rul_state degrading from then on; absent/null: never). */
  degradingSinceMs?: number | null;
}

export interface RulTrackerOptions {
  robotId: string;
  /** Known healthy baseline (absolute levels in RUL_MODEL_INPUTS order), e.g. after a restart. */
  baseline?: readonly number[];
  restore?: RulTrackerState;
  smoothingWindow?: number;
  baselineSnapshots?: number;
  /** Degradation-model settings (failure threshold, onset ratio, ...); defaults in degradation.ts. */
  degradation?: Partial<DegradationConfig>;
  /** How population and degradation models combine once established (default: competing risks; see rul-fusion.ts). */
  fusion?: FusionMode;
}

/**
 * rul_state and the figures it allows (src/prognosis/rul-state.ts; their meaning is documented once,
 * in docs/schemas/telemetry.json#/definitions/rul): learning | no_degradation (only the lower bound
 * rul_low_s, rul_s and rul_high_s null) | degrading (point + interval) | failed (all 0).
 */
export interface RulEstimate extends Omit<RulPrediction, 'rul_s' | 'rul_low_s' | 'rul_high_s'>, RulFigures {
  robot_id: string;
  rul_state: RulState;
  /**
   * The model's full answer whatever the state (two-sided interval, 0.2-quantile point): for the
   * evaluation, which must score a point at every cut. Not for display: in no_degradation the
   * model cannot know when degradation will start.
   */
  model_estimate: { rul_s: number; rul_low_s: number; rul_high_s: number };
  /** Snapshots that fed the smoothed input, and the time span they cover. */
  input_window: { snapshots: number; from_ms: number; to_ms: number };
  /** False during the first BASELINE_SNAPSHOTS snapshots of a new asset: estimate is provisional. */
  baseline_ready: boolean;
  /** Median of the RUL distribution (rul_s is its PHM-optimal 0.2 quantile, see rul-fusion.ts); null unless degrading. */
  rul_median_s: number | null;
  /** Which model answered: the population ONNX model, or the asset's own degradation model. */
  rul_source: FusedRul['source'];
  /** The asset's degradation model: onset, slope, amplitude indicator vs its baseline and threshold. */
  degradation: FusedRul['degradation'];
  /** Set when the shown figures (and rul_median_s) were clamped: outside the training range or negative (rul-cap.ts). */
  capped: RulCapped | null;
}

/** What the tracker needs from a model: the ONNX population prediction, and the degradation prior from its card. */
export type RulEstimator = Pick<RulModel, 'predict'> & { readonly degradationPrior?: DegradationPrior | null; readonly calibration?: RulCalibration | null; readonly rulCapS?: number | null };

export class RulTracker {
  readonly robotId: string;
  private readonly base: AssetBaseline;
  private readonly median: TrailingMedian;
  private readonly amplitude: AmplitudeIndicator;
  readonly degradation: ExponentialDegradation;
  private readonly fusion: FusionMode;
  private readonly raw = new Float64Array(RUL_MODEL_INPUT_COUNT);
  private readonly ratio = new Float64Array(RUL_MODEL_INPUT_COUNT);
  private readonly smoothed = new Float64Array(RUL_MODEL_INPUT_COUNT);
  private readonly recentMs: number[] = [];
  /** Estimates whose figures were clamped (rul-cap.ts), since this tracker was created: fabwatch_rul_capped_total. */
  cappedCount = 0;
  private count = 0;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private failedAtMs: number | null = null;
  private degradingSinceMs: number | null = null;

  constructor(opts: RulTrackerOptions) {
    this.robotId = opts.robotId;
    const initial = opts.restore?.baseline ?? opts.baseline;
    this.base = new AssetBaseline(RUL_MODEL_INPUT_COUNT, opts.baselineSnapshots ?? BASELINE_SNAPSHOTS, initial ?? undefined);
    this.median = new TrailingMedian(RUL_MODEL_INPUT_COUNT, opts.smoothingWindow ?? DEFAULT_SMOOTHING_WINDOW);
    const ampBase = opts.restore?.amplitudeBaseline ?? undefined;
    this.amplitude = new AmplitudeIndicator(opts.baselineSnapshots ?? BASELINE_SNAPSHOTS, opts.smoothingWindow ?? DEFAULT_SMOOTHING_WINDOW, ampBase ?? undefined);
    this.degradation = new ExponentialDegradation(opts.degradation, opts.restore?.degradation);
    this.fusion = opts.fusion ?? DEFAULT_FUSION;
    if (opts.restore) {
      this.count = opts.restore.snapshots;
      this.firstMs = opts.restore.firstMs;
      this.lastMs = opts.restore.lastMs;
      this.failedAtMs = opts.restore.failedAtMs ?? null;
      this.degradingSinceMs = opts.restore.degradingSinceMs ?? null;
    }
  }

  /**
   * Feed one snapshot's health features (length HEALTH_FEATURE_COUNT) taken at `timestampMs`.
   * Non-finite feature vectors are ignored (returns false).
   */
  update(features: ArrayLike<number>, timestampMs: number): boolean {
    if (features.length < HEALTH_FEATURE_COUNT) throw new RangeError(`expected ${HEALTH_FEATURE_COUNT} health features, got ${features.length}`);
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) {
      const v = features[RUL_MODEL_INPUT_FEATURE_INDEX[k]];
      if (!Number.isFinite(v) || v < 0) return false;
      this.raw[k] = v;
    }
    // end of life (FEMTO / PHM 2012): the first snapshot whose peak reaches the threshold; latched
    const peak = features[FEATURE_INDEX.peak_g];
    if (this.failedAtMs === null && peak >= this.degradation.cfg.failureThresholdG) this.failedAtMs = timestampMs;
    // amplitude indicator: a snapshot without a valid peak only skips the degradation model
    if (this.amplitude.push(features[FEATURE_INDEX.peak_g])) this.degradation.observe(this.amplitude.level, this.amplitude.baseline, timestampMs, this.amplitude.ready);
    this.base.observe(this.raw);
    const b = this.base.current();
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) this.ratio[k] = this.raw[k] / b[k];
    this.median.push(this.ratio, this.smoothed);
    this.count++;
    if (this.firstMs === null) this.firstMs = timestampMs;
    this.lastMs = timestampMs;
    this.recentMs.push(timestampMs);
    if (this.recentMs.length > this.median.window) this.recentMs.shift();
    return true;
  }

  get snapshots(): number {
    return this.count;
  }

  get baselineReady(): boolean {
    return this.base.ready;
  }

  /** Absolute baseline levels (RUL_MODEL_INPUTS order); provisional until baselineReady. */
  get baseline(): number[] {
    return this.base.current();
  }

  /** Smoothed model input (copy), or null before the first snapshot. */
  get modelInput(): Float64Array | null {
    return this.median.size ? Float64Array.from(this.smoothed) : null;
  }

  get inputWindow(): { snapshots: number; from_ms: number; to_ms: number } | null {
    if (!this.recentMs.length) return null;
    return { snapshots: this.recentMs.length, from_ms: this.recentMs[0], to_ms: this.recentMs[this.recentMs.length - 1] };
  }

  /**
   * Estimate at `confidenceLevel`; null before the first snapshot. The ONNX model gives the
   * population RUL; once this asset's degradation is established, its own Bayesian exponential
   * model (prior from the model card) joins it as a competing risk, or answers alone with
   * `fusion: 'switch'` (src/prognosis/rul-fusion.ts).
   */
  async estimate(model: RulEstimator, confidenceLevel = 0.9): Promise<RulEstimate | null> {
    const input = this.modelInput;
    const window = this.inputWindow;
    if (!input || !window || this.lastMs === null) return null;
    const p = await model.predict(input, confidenceLevel);
    const z = normalQuantile(0.5 + confidenceLevel / 2);
    const sigma = p.rul_high_s > p.rul_s && p.rul_s > 0 ? Math.log(p.rul_high_s / p.rul_s) / z : 0;
    const cal = model.calibration ?? null;
    // with a calibration (v3 card) the fused 90 % interval only sets the scale; the quantiles come from the card
    let f = fuseRul({ mu: Math.log(Math.max(p.rul_s, 1e-9)), sigma, hi: p.health_indicator }, this.degradation, model.degradationPrior ?? null, cal ? 0.9 : confidenceLevel, this.lastMs, this.fusion);
    // degrading is latched: a posterior slope that dips below significance does not undo a detected degradation
    if (this.degradingSinceMs === null && f.source === 'degradation') this.degradingSinceMs = this.lastMs;
    const rulState = rulStateOf({ baselineReady: this.base.ready, failed: this.failedAtMs !== null, degrading: this.degradingSinceMs !== null });
    if (cal) f = { ...f, ...calibratedFigures(cal, rulState, { median: f.rul_median_s, low90: f.rul_low_s, high90: f.rul_high_s }, confidenceLevel, PHM_POINT_QUANTILE) };
    // Far outside the training range (or negative) is an extrapolation: clamped, flagged, counted (rul-cap.ts).
    const { figures: shown, capped } = capRulFigures(figuresFor(rulState, f.rul_s, f.rul_low_s, f.rul_high_s, f.rul_lower_bound_s), model.rulCapS ?? null);
    if (capped) this.cappedCount++;
    const medianCap = capped?.reason === 'above_training_range' && capped.cap_s !== null ? capped.cap_s : Infinity;
    return {
      ...p,
      ...shown,
      rul_state: rulState,
      model_estimate: { rul_s: f.rul_s, rul_low_s: f.rul_low_s, rul_high_s: f.rul_high_s },
      health_indicator: rulState === 'failed' ? 0 : f.health_indicator,
      health_score: rulState === 'failed' ? 0 : Math.round(100 * f.health_indicator),
      robot_id: this.robotId,
      input_window: window,
      baseline_ready: this.base.ready,
      rul_median_s: rulState === 'degrading' ? Math.min(Math.max(f.rul_median_s, 0), medianCap) : rulState === 'failed' ? 0 : null,
      capped,
      rul_source: f.source,
      degradation: f.degradation,
    };
  }

  snapshot(): RulTrackerState {
    return {
      robotId: this.robotId,
      baseline: this.base.ready ? this.base.current() : null,
      snapshots: this.count,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      amplitudeBaseline: this.amplitude.ready ? this.amplitude.baseline : null,
      degradation: this.degradation.state,
      failedAtMs: this.failedAtMs,
      degradingSinceMs: this.degradingSinceMs,
    };
  }
}
