/** A full analysis window of 3-axis samples (g) at a known rate. Buffers are reused: consume before the next window. */
export interface VibrationWindow {
  robotId: string;
  /** Epoch ms of the first and last sample. */
  t0: number;
  t1: number;
  rateHz: number;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
  /** Samples lost (FIFO overruns) since the previous window was emitted. */
  lostBefore: number;
}

/**
 * Fills fixed-size windows from FIFO blocks. A gap (overrun) discards the partial window so lost
 * samples are never stitched into a spectrum; the loss is counted.
 */
export class WindowAssembler {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly z: Float32Array;
  private fill = 0;
  private t0 = 0;
  lostSinceEmit = 0;

  constructor(readonly size: number) {
    this.x = new Float32Array(size);
    this.y = new Float32Array(size);
    this.z = new Float32Array(size);
  }

  /** Drop the partial window after a gap. */
  gap(lostSamples: number): void {
    this.lostSinceEmit += lostSamples;
    this.fill = 0;
  }

  /**
   * Append `count` samples; calls `onFull` each time a window completes (possibly more than once).
   * `tEnd` is the epoch ms of the last appended sample; `rateHz` the sample rate.
   */
  push(bx: Float32Array, by: Float32Array, bz: Float32Array, count: number, tEnd: number, rateHz: number, onFull: (t0: number, t1: number) => void): void {
    const dtMs = 1000 / rateHz;
    for (let i = 0; i < count; i++) {
      if (this.fill === 0) this.t0 = tEnd - (count - 1 - i) * dtMs;
      this.x[this.fill] = bx[i];
      this.y[this.fill] = by[i];
      this.z[this.fill] = bz[i];
      this.fill++;
      if (this.fill === this.size) {
        onFull(this.t0, tEnd - (count - 1 - i) * dtMs);
        this.fill = 0;
        this.lostSinceEmit = 0;
      }
    }
  }
}
