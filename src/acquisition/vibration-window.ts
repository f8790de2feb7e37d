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
  /** The buffers being filled; after `onFull` they are the completed window's until the call returns. */
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
  private fill = 0;
  private t0 = 0;
  private slot = 0;
  lostSinceEmit = 0;

  /**
   * `slots`: buffers to fill in turn, one window each (the acquisition worker's shared ring, so
   * the main thread reads a completed window in place while the next one fills another slot).
   * Without them the assembler allocates one set once and refills it.
   */
  constructor(
    readonly size: number,
    private readonly slots?: ReadonlyArray<{ x: Float32Array; y: Float32Array; z: Float32Array }>,
    firstSlot = 0,
  ) {
    const s = slots?.[firstSlot % slots.length];
    if (s) this.slot = firstSlot % slots!.length;
    this.x = s?.x ?? new Float32Array(size);
    this.y = s?.y ?? new Float32Array(size);
    this.z = s?.z ?? new Float32Array(size);
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
        if (this.slots) this.nextSlot(this.slots);
      }
    }
  }

  private nextSlot(slots: ReadonlyArray<{ x: Float32Array; y: Float32Array; z: Float32Array }>): void {
    this.slot = (this.slot + 1) % slots.length;
    ({ x: this.x, y: this.y, z: this.z } = slots[this.slot]);
  }
}
