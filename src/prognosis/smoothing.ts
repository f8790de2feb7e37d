/**
 * Trailing per-feature median over the last `window` snapshots: single 0.1 s snapshots are noisy
 * (a shock or a loose cable moves kurtosis and crest factor a lot); the model is trained on, and
 * the gateway feeds it, the median of the last minute (6 snapshots at one per 10 s).
 * Pure, fixed memory, allocation-free after construction.
 */
export const DEFAULT_SMOOTHING_WINDOW = 6;

export class TrailingMedian {
  private readonly ring: Float64Array;
  private readonly sortBuf: Float64Array;
  private count = 0;
  private head = 0;

  constructor(readonly dims: number, readonly window: number = DEFAULT_SMOOTHING_WINDOW) {
    if (!Number.isInteger(dims) || dims < 1 || !Number.isInteger(window) || window < 1) {
      throw new RangeError(`TrailingMedian needs integer dims >= 1 and window >= 1 (got ${dims}, ${window})`);
    }
    this.ring = new Float64Array(dims * window);
    this.sortBuf = new Float64Array(window);
  }

  get size(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.head = 0;
  }

  /** Add one vector (first `dims` values of `x`) and write the median of the window into `out`. */
  push(x: ArrayLike<number>, out: Float64Array): Float64Array {
    const { dims, window } = this;
    for (let d = 0; d < dims; d++) this.ring[this.head * dims + d] = x[d];
    this.head = (this.head + 1) % window;
    if (this.count < window) this.count++;
    const n = this.count;
    for (let d = 0; d < dims; d++) {
      // insertion sort of n <= window values (window is small)
      for (let i = 0; i < n; i++) {
        const v = this.ring[i * dims + d];
        let j = i - 1;
        while (j >= 0 && this.sortBuf[j] > v) {
          this.sortBuf[j + 1] = this.sortBuf[j];
          j--;
        }
        this.sortBuf[j + 1] = v;
      }
      out[d] = n % 2 ? this.sortBuf[n >> 1] : 0.5 * (this.sortBuf[n / 2 - 1] + this.sortBuf[n / 2]);
    }
    return out;
  }
}
