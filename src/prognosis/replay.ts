/**
 * Replays a multi-snapshot recording (e.g. a FEMTO bearing) through the gateway's RUL path, one
 * row per snapshot: health indicator/score and RUL with interval. Meant for `fabwatch analyze` on
 * `../shared/datasets/femto/...json`, so a reliability engineer can watch a bearing's life.
 * No I/O here: the caller reads the recording (src/recording/recording.ts) and loads the model.
 */
import { createHealthFeatureScratch, extractHealthFeatures, HEALTH_FEATURE_COUNT } from './features.js';
import type { Recording } from '../recording/recording.js';
import type { RulModel } from './rul-model.js';
import { RulTracker } from './rul-tracker.js';
import type { Rul } from '../state/wire-types.js';

/** The published RUL fields (docs/schemas/telemetry.json#/definitions/rul) plus the replay's own. */
export interface ReplayRow extends Pick<Rul, 'rul_state' | 'rul_s' | 'rul_low_s' | 'rul_high_s' | 'unit' | 'confidence_level' | 'baseline_ready' | 'model_version' | 'health_indicator' | 'capped'> {
  snapshot: number;
  t_s: number;
  health_score: number;
  /** Median RUL (rul_s is the PHM-optimal 0.2 quantile) and which model answered. */
  rul_median_s: number | null;
  rul_source: 'population' | 'degradation';
}

export interface ReplayOptions {
  confidenceLevel?: number;
  /** Emit every n-th snapshot (all snapshots still feed the tracker). Default 1. */
  every?: number;
  robotId?: string;
}

export async function replayRecording(rec: Recording, model: Pick<RulModel, 'predict'>, opts: ReplayOptions = {}): Promise<ReplayRow[]> {
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const confidence = opts.confidenceLevel ?? 0.9;
  const tracker = new RulTracker({ robotId: opts.robotId ?? String(rec.meta.bearing_id ?? 'recording') });
  const n = rec.snapshots.length;
  const scratch = createHealthFeatureScratch(Math.max(...rec.snapshots.map((s) => s.length)));
  const feats = new Float64Array(HEALTH_FEATURE_COUNT);
  const rows: ReplayRow[] = [];
  for (let i = 0; i < n; i++) {
    extractHealthFeatures(rec.snapshot(i), rec.meta.sampleRateHz, scratch, feats);
    tracker.update(feats, rec.timesS[i] * 1000);
    if (i % every !== 0 && i !== n - 1) continue;
    const e = await tracker.estimate(model, confidence);
    if (!e) continue;
    rows.push({
      snapshot: i,
      t_s: rec.timesS[i],
      health_indicator: e.health_indicator,
      health_score: e.health_score,
      rul_state: e.rul_state,
      rul_s: e.rul_s,
      rul_low_s: e.rul_low_s,
      rul_high_s: e.rul_high_s,
      unit: 's',
      confidence_level: confidence,
      baseline_ready: e.baseline_ready,
      model_version: e.model_version,
      rul_median_s: e.rul_median_s,
      rul_source: e.rul_source,
      ...(e.capped ? { capped: e.capped } : {}),
    });
  }
  return rows;
}
