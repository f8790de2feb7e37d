/**
 * The amplitude health indicator behind the degradation model (src/prognosis/degradation.ts): the
 * peak acceleration of each snapshot (g, `peak_g` of extractHealthFeatures), smoothed by the same
 * one-minute trailing median as the model inputs, and its healthy level phi learnt per asset by the
 * same running-minimum baseline (src/prognosis/baseline.ts). Peak rather than RMS because the failure
 * criterion is an amplitude (FEMTO / PHM 2012: "vibration exceeds 20 g").
 * Causal, identical in training (src/prognosis/train/dataset.ts) and on the gateway (RulTracker).
 */
import { AssetBaseline, BASELINE_SNAPSHOTS } from './baseline.js';
import { DEFAULT_SMOOTHING_WINDOW, TrailingMedian } from './smoothing.js';

export class AmplitudeIndicator {
  private readonly base: AssetBaseline;
  private readonly med: TrailingMedian;
  private readonly one = new Float64Array(1);
  private readonly sm = new Float64Array(1);

  constructor(baselineSnapshots = BASELINE_SNAPSHOTS, smoothingWindow = DEFAULT_SMOOTHING_WINDOW, initialBaseline?: number) {
    this.base = new AssetBaseline(1, baselineSnapshots, initialBaseline === undefined ? undefined : [initialBaseline]);
    this.med = new TrailingMedian(1, smoothingWindow);
  }

  /** Add one snapshot's peak (g); ignored unless finite and > 0. Returns false when ignored. */
  push(peakG: number): boolean {
    if (!(Number.isFinite(peakG) && peakG > 0)) return false;
    this.one[0] = peakG;
    this.base.observe(this.one);
    this.med.push(this.one, this.sm);
    return true;
  }

  /** Smoothed peak S, g (0 before the first snapshot). */
  get level(): number {
    return this.med.size ? this.sm[0] : 0;
  }

  /** Healthy level phi, g (provisional until ready). */
  get baseline(): number {
    return this.base.current()[0];
  }

  get ready(): boolean {
    return this.base.ready;
  }
}

/** Health indicator from amplitude: 1 at the baseline, 0 at the failure threshold (log scale). */
export function amplitudeHealth(level: number, baseline: number, failureG: number): number {
  if (!(level > 0 && baseline > 0 && failureG > baseline)) return 1;
  const h = 1 - Math.log(Math.max(level / baseline, 1)) / Math.log(failureG / baseline);
  return Math.min(1, Math.max(0, h));
}
