/**
 * Runtime adapter for the RUL model: the only place that touches onnxruntime-node (imported lazily,
 * so a gateway without the native module still starts and reports RUL as unavailable).
 *
 * Start-up checks, each a FabwatchError with a stable code:
 *   RUL_MODEL_MISSING  - .onnx or model card absent, or onnxruntime-node cannot be loaded
 *   RUL_MODEL_CORRUPT  - card is not valid JSON / lacks required fields, or ONNX does not parse
 *   RUL_MODEL_MISMATCH - SHA-256 of the .onnx differs from the card, or the graph's inputs/outputs
 *                        (names, shapes) disagree with the card or with this code's input contract
 * Prediction errors: RUL_BAD_FEATURES, RUL_BAD_CONFIDENCE, RUL_MODEL_NOT_LOADED.
 */
import { validCalibration, type RulCalibration } from './rul-calibration.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Component } from '../core/component.js';
import { ErrorCode, FabwatchError } from '../core/errors.js';
import type { DegradationPrior } from './degradation.js';
import { fiveFeaturesToModelInputs, RUL_BAD_FEATURES } from './five-features.js';
import { normalQuantile, RUL_MODEL_INPUT_COUNT, RUL_MODEL_INPUTS } from './rul-math.js';
import { rulCapFromCard } from './rul-cap.js';

export const RulErrorCode = {
  RUL_MODEL_MISSING: 'RUL_MODEL_MISSING',
  RUL_MODEL_CORRUPT: 'RUL_MODEL_CORRUPT',
  RUL_MODEL_MISMATCH: 'RUL_MODEL_MISMATCH',
  RUL_MODEL_NOT_LOADED: 'RUL_MODEL_NOT_LOADED',
  RUL_BAD_FEATURES,
  RUL_BAD_CONFIDENCE: 'RUL_BAD_CONFIDENCE',
  /** The graph threw at run time or produced a non-finite output (the model updater rolls back). */
  RUL_MODEL_FAULT: 'RUL_MODEL_FAULT',
} as const;

/** Where the running model came from: the file at model.path, or a signed update in the state directory. */
export type RulModelSource = 'bundled' | 'update';

const OUTPUTS = ['rul_median_s', 'rul_log_sigma', 'health_indicator'] as const;

export interface RulPrediction {
  rul_s: number;
  rul_low_s: number;
  rul_high_s: number;
  unit: 's';
  confidence_level: number;
  /** 0 (failed) .. 1 (healthy). */
  health_indicator: number;
  /** round(100 * health_indicator). */
  health_score: number;
  model_version: string;
}

/** The parts of models/rul.json the runtime relies on (the rest is documentation). */
export interface RulModelCard {
  name: string;
  version: string;
  onnx: { file: string; sha256: string; bytes?: number; opset?: number };
  inputs: {
    tensor: string;
    shape: Array<number | string>;
    order: Array<{ index: number; name: string; source_feature: string; unit: string }>;
    preprocessing_outside_graph?: { reference_baseline?: Record<string, number> };
  };
  outputs: Array<{ name: string; shape: Array<number | string> }>;
  /** Prior of the per-asset exponential degradation model (src/prognosis/degradation.ts), learnt in training. */
  degradation?: { prior?: DegradationPrior; [key: string]: unknown };
  /** Conformal calibration per rul_state (src/prognosis/rul-calibration.ts), learnt in training (v3). */
  calibration?: unknown;
  validation?: unknown;
  training_data?: unknown;
  [key: string]: unknown;
}

export interface RulModelOptions {
  /** Path of the .onnx file; the card defaults to the same path with `.json`. */
  modelPath: string;
  cardPath?: string;
  /** onnxruntime threads (default 1: the model is tiny, threads only add latency on a Pi). */
  threads?: number;
  /** Recorded for /health; default 'bundled'. */
  source?: RulModelSource;
}

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

function bad(code: string, message: string, details?: Record<string, unknown>, cause?: unknown): FabwatchError {
  return new FabwatchError(code, message, details, cause === undefined ? undefined : { cause });
}

/** Validate a confidence level in (0, 1); throws RUL_BAD_CONFIDENCE with the reason. */
export function checkConfidence(level: unknown): number {
  // 0.5 + level / 2 must stay below 1 in floating point (0.9999999999999999 rounds to 1: an infinite quantile).
  if (typeof level !== 'number' || !Number.isFinite(level) || level <= 0 || level >= 1 || 0.5 + level / 2 >= 1) {
    throw bad(RulErrorCode.RUL_BAD_CONFIDENCE, `confidence_level must be a number strictly between 0 and 1, got ${JSON.stringify(level)}`);
  }
  return level;
}

function parseCard(text: string, cardPath: string): RulModelCard {
  let card: RulModelCard;
  try {
    card = JSON.parse(text) as RulModelCard;
  } catch (err) {
    throw bad(RulErrorCode.RUL_MODEL_CORRUPT, `model card ${cardPath} is not valid JSON`, { path: cardPath }, err);
  }
  const ok =
    card !== null &&
    typeof card === 'object' &&
    typeof card.version === 'string' &&
    typeof card.onnx?.sha256 === 'string' &&
    typeof card.inputs?.tensor === 'string' &&
    Array.isArray(card.inputs?.shape) &&
    Array.isArray(card.inputs?.order) &&
    Array.isArray(card.outputs);
  if (!ok) throw bad(RulErrorCode.RUL_MODEL_CORRUPT, `model card ${cardPath} lacks version / onnx.sha256 / inputs / outputs`, { path: cardPath });
  return card;
}

/**
 * Check a model (ONNX bytes + parsed card) against the card and this code's input contract, open an
 * inference session on it and probe it with one row. Throws RUL_MODEL_MISMATCH / RUL_MODEL_CORRUPT /
 * NATIVE_MODULE_MISSING. The caller owns (and must release) the returned session.
 */
async function openCheckedSession(modelBytes: Uint8Array, card: RulModelCard, label: string, threads: number): Promise<{ ort: Ort; session: Session }> {
  const sha = createHash('sha256').update(modelBytes).digest('hex');
  if (sha !== card.onnx.sha256) {
    throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `SHA-256 of ${label} (${sha.slice(0, 12)}...) differs from the model card (${String(card.onnx.sha256).slice(0, 12)}...)`, { actual: sha, expected: card.onnx.sha256 });
  }
  // this code's input contract vs the card
  const cardInputs = card.inputs.order.map((o) => o?.source_feature);
  if (cardInputs.length !== RUL_MODEL_INPUT_COUNT || cardInputs.some((n, i) => n !== RUL_MODEL_INPUTS[i])) {
    throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `model card inputs [${cardInputs.join(', ')}] differ from what this gateway computes [${RUL_MODEL_INPUTS.join(', ')}]`, { card: cardInputs });
  }
  if (card.inputs.shape.length !== 2 || card.inputs.shape[1] !== RUL_MODEL_INPUT_COUNT) {
    throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `model card input shape ${JSON.stringify(card.inputs.shape)} is not [N, ${RUL_MODEL_INPUT_COUNT}]`);
  }

  let ort: Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw bad(ErrorCode.NATIVE_MODULE_MISSING, 'onnxruntime-node cannot be loaded; RUL is unavailable', {}, err);
  }
  let session: Session;
  try {
    session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', enableCpuMemArena: false, enableMemPattern: false });
  } catch (err) {
    throw bad(RulErrorCode.RUL_MODEL_CORRUPT, `onnxruntime cannot load ${label}: ${(err as Error).message}`, { path: label }, err);
  }
  try {
    checkGraph(session, card);
    // probe: one row through the graph must produce finite outputs of the expected shapes
    const probe = await session.run({ [card.inputs.tensor]: new ort.Tensor('float32', new Float32Array(RUL_MODEL_INPUT_COUNT).fill(1), [1, RUL_MODEL_INPUT_COUNT]) });
    for (const o of OUTPUTS) {
      const t = probe[o];
      if (!t || t.dims.length !== 2 || t.dims[0] !== 1 || t.dims[1] !== 1 || !Number.isFinite((t.data as Float32Array)[0])) {
        throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `model output ${o} is missing or not a finite [1,1] tensor`);
      }
    }
  } catch (err) {
    await session.release().catch(() => undefined);
    if (err instanceof FabwatchError) throw err;
    throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `model does not run with the card's input shape: ${(err as Error).message}`, {}, err);
  }
  return { ort, session };
}

function checkGraph(session: Session, card: RulModelCard): void {
  if (session.inputNames.length !== 1 || session.inputNames[0] !== card.inputs.tensor) {
    throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `graph inputs [${session.inputNames.join(', ')}] differ from the card's "${card.inputs.tensor}"`);
  }
  const meta = session.inputMetadata?.[0];
  if (meta && meta.isTensor) {
    const shape = meta.shape;
    const last = shape[shape.length - 1];
    if (shape.length !== 2 || (typeof last === 'number' && last !== RUL_MODEL_INPUT_COUNT)) {
      throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `graph input shape ${JSON.stringify(shape)} differs from the card's ${JSON.stringify(card.inputs.shape)}`);
    }
  }
  const cardOutputs = card.outputs.map((o) => o?.name);
  for (const o of OUTPUTS) {
    if (!session.outputNames.includes(o) || !cardOutputs.includes(o)) {
      throw bad(RulErrorCode.RUL_MODEL_MISMATCH, `output ${o} missing from the graph or the card`, { graph: session.outputNames, card: cardOutputs });
    }
  }
}

/** Raw outputs of the RUL graph for some rows, one array per output name (RUL_MODEL_OUTPUTS). */
export type RulRawOutputs = Record<(typeof OUTPUTS)[number], number[]>;

/**
 * Check a candidate model (bytes + card text) exactly as start() would, in a session of its own,
 * run `rows` (model inputs, RUL_MODEL_INPUTS order) through it and release it. For the model-update
 * verifier (golden vectors) and `fabwatch model sign`; never touches a loaded RulModel.
 */
export async function runCandidateModel(modelBytes: Uint8Array, cardText: string, rows: number[][], label = 'model package'): Promise<RulRawOutputs> {
  const card = parseCard(cardText, label);
  const { ort, session } = await openCheckedSession(modelBytes, card, label, 1);
  try {
    const n = rows.length;
    const x = new Float32Array(n * RUL_MODEL_INPUT_COUNT);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== RUL_MODEL_INPUT_COUNT || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw bad(RulErrorCode.RUL_BAD_FEATURES, `row ${i}: expected ${RUL_MODEL_INPUT_COUNT} finite model inputs`);
      }
      for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) x[i * RUL_MODEL_INPUT_COUNT + k] = row[k];
    }
    const out = await session.run({ [card.inputs.tensor]: new ort.Tensor('float32', x, [n, RUL_MODEL_INPUT_COUNT]) }, OUTPUTS as unknown as string[]);
    const res = {} as RulRawOutputs;
    for (const o of OUTPUTS) res[o] = Array.from(out[o].data as Float32Array);
    return res;
  } finally {
    await session.release().catch(() => undefined);
  }
}

export const RUL_MODEL_OUTPUTS: readonly string[] = OUTPUTS;

export class RulModel implements Component {
  readonly name = 'rul-model';
  private ort: Ort | null = null;
  private session: Session | null = null;
  private cardData: RulModelCard | null = null;
  private loading: Promise<void> | null = null;
  private readonly cardPath: string;
  private readonly feedBuf = new Float32Array(RUL_MODEL_INPUT_COUNT);
  /** Runs in progress per session: a swapped-out session is released when its last run ends. */
  private readonly running = new Map<Session, number>();
  private readonly retired = new Set<Session>();
  private sourceValue: RulModelSource;
  /** Called when the graph throws at run time or returns a non-finite output (set by the model updater). */
  onFault: ((err: FabwatchError, version: string) => void) | null = null;

  constructor(private readonly opts: RulModelOptions) {
    this.cardPath = opts.cardPath ?? opts.modelPath.replace(/\.onnx$/i, '') + '.json';
    this.sourceValue = opts.source ?? 'bundled';
  }

  /** Where the running model came from. */
  get source(): RulModelSource {
    return this.sourceValue;
  }

  /**
   * Replace the running model without a restart: a new session is created and checked beside the
   * old one (start()'s checks), then both references change in one synchronous step, so every
   * prediction runs wholly on the old or wholly on the new model. The old session is released when
   * its last in-flight run ends. Throws RUL_MODEL_* (the old model keeps serving) on any problem.
   */
  async swap(modelBytes: Uint8Array, cardText: string, source: RulModelSource, label = 'model update'): Promise<void> {
    const card = parseCard(cardText, label);
    const { ort, session } = await openCheckedSession(modelBytes, card, label, this.opts.threads ?? 1);
    const old = this.session;
    this.ort = ort;
    this.cardData = card;
    this.session = session;
    this.sourceValue = source;
    this.loading = Promise.resolve();
    if (old) this.retire(old);
  }

  private retire(s: Session): void {
    if ((this.running.get(s) ?? 0) > 0) this.retired.add(s);
    else void s.release().catch(() => undefined);
  }

  /** One graph run on the session current at the call, counted so a swap never releases it mid-run. */
  private async runOn(feeds: Record<string, import('onnxruntime-node').Tensor>): Promise<{ out: Record<string, import('onnxruntime-node').Tensor>; card: RulModelCard }> {
    const session = this.session;
    const card = this.cardData;
    if (!session || !this.ort || !card) throw bad(RulErrorCode.RUL_MODEL_NOT_LOADED, 'RUL model is not loaded (start() failed or not called)');
    this.running.set(session, (this.running.get(session) ?? 0) + 1);
    try {
      const out = await session.run(feeds, OUTPUTS as unknown as string[]);
      for (const o of OUTPUTS) {
        const d = out[o]?.data as Float32Array | undefined;
        if (!d || !d.every((x) => Number.isFinite(x))) throw bad(RulErrorCode.RUL_MODEL_FAULT, `model ${card.version} produced a non-finite ${o}`, { version: card.version });
      }
      return { out, card };
    } catch (err) {
      const fault = err instanceof FabwatchError && err.code === RulErrorCode.RUL_MODEL_FAULT ? err : bad(RulErrorCode.RUL_MODEL_FAULT, `model ${card.version} failed at run time: ${(err as Error).message}`, { version: card.version }, err);
      // only the model still running is reported (a run on a swapped-out session is old news)
      if (this.session === session) this.onFault?.(fault, card.version);
      throw fault;
    } finally {
      const n = (this.running.get(session) ?? 1) - 1;
      if (n > 0) this.running.set(session, n);
      else {
        this.running.delete(session);
        if (this.retired.delete(session)) void session.release().catch(() => undefined);
      }
    }
  }

  /** Load and check the model; idempotent. Rejects with RUL_MODEL_* on any problem. */
  start(): Promise<void> {
    if (this.session) return Promise.resolve();
    if (!this.loading) {
      this.loading = this.load().catch((err) => {
        this.loading = null;
        throw err;
      });
    }
    return this.loading;
  }

  async stop(): Promise<void> {
    const s = this.session;
    this.session = null;
    this.loading = null;
    for (const r of this.retired) await r.release().catch(() => undefined);
    this.retired.clear();
    if (s) await s.release();
  }

  get loaded(): boolean {
    return this.session !== null;
  }

  /** The model card (for GET /api/ml/model_info). Throws RUL_MODEL_NOT_LOADED before start(). */
  get card(): RulModelCard {
    if (!this.cardData) throw bad(RulErrorCode.RUL_MODEL_NOT_LOADED, 'RUL model is not loaded');
    return this.cardData;
  }

  get version(): string {
    return this.card.version;
  }

  /**
   * Prior of the per-asset degradation model from the card, or null when the card has none (a v1
   * card): RulTracker then answers with the population model only.
   */
  get degradationPrior(): DegradationPrior | null {
    const p = this.cardData?.degradation?.prior;
    if (!p) return null;
    const vals = [p.meanA, p.sdA, p.meanB, p.sdB, p.noiseSd, p.noiseVarianceInflation];
    if (!vals.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(p.sdA > 0 && p.sdB > 0 && p.noiseSd > 0)) return null;
    return p;
  }

  /** Conformal calibration of the per-asset RUL from the card (src/prognosis/rul-calibration.ts), or null (v1/v2 cards). */
  /** Shown RUL figures above this are clamped (2 x the longest life in the card's training data; src/prognosis/rul-cap.ts); null without training lives in the card. */
  get rulCapS(): number | null {
    return this.cardData ? rulCapFromCard(this.cardData) : null;
  }

  get calibration(): RulCalibration | null {
    return validCalibration(this.cardData?.calibration);
  }

  /** Reference baseline from the card (absolute feature levels), in model-input order. */
  referenceBaseline(): number[] {
    const ref = this.card.inputs.preprocessing_outside_graph?.reference_baseline ?? {};
    return RUL_MODEL_INPUTS.map((n) => {
      const v = ref[n];
      return typeof v === 'number' && v > 0 ? v : 1;
    });
  }

  private async load(): Promise<void> {
    let modelBytes: Buffer;
    let cardText: string;
    try {
      modelBytes = await readFile(this.opts.modelPath);
    } catch (err) {
      throw bad(RulErrorCode.RUL_MODEL_MISSING, `RUL model file not readable: ${this.opts.modelPath}`, { path: this.opts.modelPath }, err);
    }
    try {
      cardText = await readFile(this.cardPath, 'utf8');
    } catch (err) {
      throw bad(RulErrorCode.RUL_MODEL_MISSING, `RUL model card not readable: ${this.cardPath}`, { path: this.cardPath }, err);
    }
    const card = parseCard(cardText, this.cardPath);
    const { ort, session } = await openCheckedSession(modelBytes, card, this.opts.modelPath, this.opts.threads ?? 1);
    this.ort = ort;
    this.cardData = card;
    this.session = session;
  }

  private checkRow(row: ArrayLike<number>, i: number): void {
    if (!row || typeof row.length !== 'number' || row.length !== RUL_MODEL_INPUT_COUNT) {
      throw bad(RulErrorCode.RUL_BAD_FEATURES, `row ${i}: expected ${RUL_MODEL_INPUT_COUNT} model inputs [${RUL_MODEL_INPUTS.map((n) => n + '_ratio').join(', ')}], got ${row?.length}`);
    }
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) {
      const v = row[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(RulErrorCode.RUL_BAD_FEATURES, `row ${i}: input ${k} (${RUL_MODEL_INPUTS[k]}_ratio) must be a finite number >= 0, got ${v}`);
    }
  }

  private toPrediction(median: number, logSigma: number, hi: number, confidence: number, version: string): RulPrediction {
    const z = normalQuantile(0.5 + confidence / 2);
    const f = Math.exp(z * logSigma);
    const h = Math.min(1, Math.max(0, hi));
    return {
      rul_s: median,
      rul_low_s: median / f,
      rul_high_s: median * f,
      unit: 's',
      confidence_level: confidence,
      health_indicator: h,
      health_score: Math.round(100 * h),
      model_version: version,
    };
  }

  /**
   * One prediction from the model inputs (ratios to the asset baseline, RUL_MODEL_INPUTS order —
   * what RulTracker produces) at the requested central confidence level.
   */
  async predict(inputs: ArrayLike<number>, confidenceLevel = 0.9): Promise<RulPrediction> {
    const session = this.session;
    if (!session || !this.ort) throw bad(RulErrorCode.RUL_MODEL_NOT_LOADED, 'RUL model is not loaded (start() failed or not called)');
    const c = checkConfidence(confidenceLevel);
    this.checkRow(inputs, 0);
    const buf = new Float32Array(RUL_MODEL_INPUT_COUNT);
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) buf[k] = inputs[k];
    const { out, card } = await this.runOn({ [this.card.inputs.tensor]: new this.ort.Tensor('float32', buf, [1, RUL_MODEL_INPUT_COUNT]) });
    return this.toPrediction((out.rul_median_s.data as Float32Array)[0], (out.rul_log_sigma.data as Float32Array)[0], (out.health_indicator.data as Float32Array)[0], c, card.version);
  }

  /** Many predictions in one graph run; `confidenceLevel` is one level for all rows or one per row. */
  async predictBatch(rows: ArrayLike<ArrayLike<number>>, confidenceLevel: number | ArrayLike<number> = 0.9): Promise<RulPrediction[]> {
    const session = this.session;
    if (!session || !this.ort) throw bad(RulErrorCode.RUL_MODEL_NOT_LOADED, 'RUL model is not loaded (start() failed or not called)');
    const n = rows.length;
    if (n === 0) return [];
    const levels: number[] = [];
    for (let i = 0; i < n; i++) levels.push(checkConfidence(typeof confidenceLevel === 'number' ? confidenceLevel : confidenceLevel[i]));
    const x = new Float32Array(n * RUL_MODEL_INPUT_COUNT);
    for (let i = 0; i < n; i++) {
      this.checkRow(rows[i], i);
      for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) x[i * RUL_MODEL_INPUT_COUNT + k] = rows[i][k];
    }
    const { out, card } = await this.runOn({ [this.card.inputs.tensor]: new this.ort.Tensor('float32', x, [n, RUL_MODEL_INPUT_COUNT]) });
    const med = out.rul_median_s.data as Float32Array;
    const sig = out.rul_log_sigma.data as Float32Array;
    const hi = out.health_indicator.data as Float32Array;
    const res: RulPrediction[] = [];
    for (let i = 0; i < n; i++) res.push(this.toPrediction(med[i], sig[i], hi[i], levels[i], card.version));
    return res;
  }

  /**
   * The prototype's 5-feature form (see five-features.ts): absolute [rms g, temperature C,
   * kurtosis, crest factor, velocity mm/s]. `baseline` is the robot's learnt baseline (absolute
   * levels, model-input order) when known; otherwise the card's reference baseline is used.
   */
  async predictFiveFeatures(
    features: unknown,
    confidenceLevel: unknown = 0.9,
    baseline?: readonly number[] | null,
  ): Promise<RulPrediction & { baseline_source: 'asset' | 'reference' }> {
    const abs = fiveFeaturesToModelInputs(features);
    const c = checkConfidence(confidenceLevel);
    const useAsset = !!baseline && baseline.length === RUL_MODEL_INPUT_COUNT && baseline.every((v) => v > 0 && Number.isFinite(v));
    const base = useAsset ? baseline! : this.referenceBaseline();
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) this.feedBuf[k] = abs[k] / base[k];
    const p = await this.predict(this.feedBuf, c);
    return { ...p, baseline_source: useAsset ? 'asset' : 'reference' };
  }
}
