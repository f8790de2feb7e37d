/**
 * Per-asset baseline of the RUL model inputs: the per-input median of the first BASELINE_SNAPSHOTS
 * snapshots the asset reports (10 minutes at one snapshot per 10 s). The model sees features as
 * ratios to this baseline, so a robot whose accelerometer mounting gives 0.3 g RMS when healthy and
 * one that gives 0.6 g are on the same scale. Causal: until the window is full, the baseline is the
 * median of what has been seen so far (training does exactly the same).
 */
export const BASELINE_SNAPSHOTS = 60;

export class AssetBaseline {
  private readonly values: number[][];
  private frozen: number[] | null = null;

  constructor(readonly dims: number, readonly window: number = BASELINE_SNAPSHOTS, initial?: readonly number[]) {
    this.values = Array.from({ length: dims }, () => []);
    if (initial) {
      if (initial.length !== dims || !initial.every((v) => Number.isFinite(v) && v > 0)) {
        throw new RangeError(`baseline needs ${dims} positive finite values`);
      }
      this.frozen = [...initial];
    }
  }

  /** True once the baseline no longer changes. */
  get ready(): boolean {
    return this.frozen !== null;
  }

  /** Add one (unsmoothed) input vector while learning; no-op once frozen. */
  observe(x: ArrayLike<number>): void {
    if (this.frozen) return;
    for (let d = 0; d < this.dims; d++) {
      const v = x[d];
      if (Number.isFinite(v) && v > 0) this.values[d].push(v);
    }
    if (this.values.every((v) => v.length >= this.window)) this.frozen = this.current();
  }

  /** Current baseline (median so far); 1 for an input with no valid value yet. */
  current(): number[] {
    if (this.frozen) return [...this.frozen];
    return this.values.map((v) => {
      if (!v.length) return 1;
      const s = [...v].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    });
  }
}
