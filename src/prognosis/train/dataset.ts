/**
 * Turns a FEMTO learning bearing into training rows: per snapshot (horizontal channel), the health
 * features from `extractHealthFeatures` (the function the gateway runs), the model inputs after the
 * same trailing median the gateway's RulTracker applies, and the true RUL.
 */
import { extractHealthFeatures, createHealthFeatureScratch, HEALTH_FEATURE_COUNT } from '../features.js';
import type { FemtoBearing } from './femto.js';
import { RUL_MODEL_INPUT_COUNT, RUL_MODEL_INPUT_FEATURE_INDEX } from '../rul-math.js';
import { TrailingMedian } from '../smoothing.js';
import { AssetBaseline } from '../baseline.js';
import { AmplitudeIndicator } from '../amplitude.js';
import { FEATURE_INDEX } from '../features.js';

/** Final baseline of each bearing seen by `bearingRows` (for the model card's reference baseline). */
export const baselines = new Map<string, number[]>();

export interface BearingRows {
  id: string;
  channel: 'horiz' | 'vert';
  /** Smoothed model inputs (ratios to the bearing's own baseline), row-major [n, RUL_MODEL_INPUT_COUNT]. */
  x: Float64Array;
  /** All health features of each snapshot (unsmoothed), row-major [n, HEALTH_FEATURE_COUNT]. */
  features: Float64Array;
  /** True RUL in seconds at each row. */
  rulS: Float64Array;
  /** Time since first snapshot, s. */
  tS: Float64Array;
  /** Amplitude indicator per row (smoothed peak, g), its baseline and whether that is learnt. */
  ampLevel: Float64Array;
  ampBase: Float64Array;
  ampReady: Uint8Array;
  n: number;
  lifeS: number;
  /** Challenge test bearings: the challenge's cut (snapshots analysed) and the RUL it scored against. */
  challenge: FemtoBearing['challenge'];
}

/** Rows for snapshots 0..failureIndex (inclusive) of one channel (end of life is always the horizontal channel's). */
export function bearingRows(b: FemtoBearing, channel: 'horiz' | 'vert' = 'horiz'): BearingRows {
  const n = b.failureIndex + 1;
  const scratch = createHealthFeatureScratch(b.snapshotLength);
  const feats = new Float64Array(n * HEALTH_FEATURE_COUNT);
  const x = new Float64Array(n * RUL_MODEL_INPUT_COUNT);
  const rulS = new Float64Array(n);
  const tS = new Float64Array(n);
  const med = new TrailingMedian(RUL_MODEL_INPUT_COUNT);
  const one = new Float64Array(HEALTH_FEATURE_COUNT);
  const sel = new Float64Array(RUL_MODEL_INPUT_COUNT);
  const sm = new Float64Array(RUL_MODEL_INPUT_COUNT);
  for (let i = 0; i < n; i++) {
    extractHealthFeatures(b[channel].snapshot(i), b.sampleRateHz, scratch, one);
    feats.set(one, i * HEALTH_FEATURE_COUNT);
    tS[i] = b.timesS[i];
    rulS[i] = b.failureTimeS - b.timesS[i];
  }
  // Same causal path as RulTracker: baseline learnt from the first snapshots, ratio, trailing median.
  const base = new AssetBaseline(RUL_MODEL_INPUT_COUNT);
  const raw = new Float64Array(RUL_MODEL_INPUT_COUNT);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) raw[k] = feats[i * HEALTH_FEATURE_COUNT + RUL_MODEL_INPUT_FEATURE_INDEX[k]];
    base.observe(raw);
    const b0 = base.current();
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) sel[k] = raw[k] / b0[k];
    med.push(sel, sm);
    x.set(sm, i * RUL_MODEL_INPUT_COUNT);
  }
  if (channel === 'horiz') baselines.set(b.id, base.current());
  // Amplitude indicator for the degradation model, same class as RulTracker.
  const amp = new AmplitudeIndicator();
  const ampLevel = new Float64Array(n);
  const ampBase = new Float64Array(n);
  const ampReady = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    amp.push(feats[i * HEALTH_FEATURE_COUNT + FEATURE_INDEX.peak_g]);
    ampLevel[i] = amp.level;
    ampBase[i] = amp.baseline;
    ampReady[i] = amp.ready ? 1 : 0;
  }
  return { id: b.id, channel, x, features: feats, rulS, tS, n, lifeS: b.failureTimeS, ampLevel, ampBase, ampReady, challenge: b.challenge };
}

