/**
 * Per-asset healthy baseline of the RUL model inputs. The model sees features as ratios to this
 * baseline, so a robot whose accelerometer mounting gives 0.3 g RMS when healthy and one that gives
 * 0.6 g are on the same scale.
 *
 * Baseline = running minimum, since the asset was first seen, of each input's trailing median over
 * BASELINE_SNAPSHOTS snapshots (5 minutes at one snapshot per 10 s); until that many snapshots
 * exist, the median of what has been seen. Why a running minimum of a 5-minute median:
 *   - FEMTO bearings (and new bearings generally) run in: Bearing1_1 starts at 0.56 g RMS and
 *     settles at 0.33 g; Bearing3_1 at 0.40 -> 0.30 g. A baseline frozen over the first minutes
 *     made a settled bearing look "healthier than new" and its RUL grow with age.
 *   - A worn bearing's level only rises, so the minimum never learns wear as "healthy"; the 5-minute
 *     median keeps a short quiet spell from dragging it down.
 * Caveat for the gateway: feed only snapshots taken while the axis moves (an idle robot's vibration
 * would lower the baseline and make every later estimate pessimistic).
 * Causal and identical in training (src/prognosis/train/dataset.ts) and on the gateway (RulTracker).
 */
import { TrailingMedian } from './smoothing.js';

export const BASELINE_SNAPSHOTS = 30;

export class AssetBaseline {
  private readonly median: TrailingMedian;
  private readonly med: Float64Array;
  private readonly min: Float64Array;
  private seen = 0;

  constructor(readonly dims: number, readonly window: number = BASELINE_SNAPSHOTS, initial?: readonly number[]) {
    this.median = new TrailingMedian(dims, window);
    this.med = new Float64Array(dims);
    this.min = new Float64Array(dims).fill(Infinity);
    if (initial) {
      if (initial.length !== dims || !initial.every((v) => Number.isFinite(v) && v > 0)) {
        throw new RangeError(`baseline needs ${dims} positive finite values`);
      }
      this.min.set(initial);
      this.seen = window; // a restored baseline is ready
    }
  }

  /** True once a full window has been seen (or a baseline was restored). */
  get ready(): boolean {
    return this.seen >= this.window;
  }

  /** Add one (unsmoothed) input vector; values that are not finite and > 0 are ignored. */
  observe(x: ArrayLike<number>): void {
    for (let d = 0; d < this.dims; d++) if (!(Number.isFinite(x[d]) && x[d] > 0)) return;
    this.median.push(x, this.med);
    this.seen++;
    if (this.seen >= this.window) {
      for (let d = 0; d < this.dims; d++) if (this.med[d] < this.min[d]) this.min[d] = this.med[d];
    }
  }

  /** Current baseline; 1 for every input before anything valid was seen. */
  current(): number[] {
    const out: number[] = [];
    for (let d = 0; d < this.dims; d++) {
      if (this.ready) out.push(this.min[d]);
      else out.push(this.seen > 0 ? this.med[d] : 1);
    }
    return out;
  }
}
