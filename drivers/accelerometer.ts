/**
 * What the acquisition layer needs from any FIFO accelerometer (ADXL345, ADXL355). Drivers own
 * the returned block and overwrite it on the next drain.
 */
export interface AccelBlock {
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
  count: number;
  /**
   * Samples were lost between the previous block and this one (FIFO overrun, or entries
   * discarded to re-align the axes): the acquisition layer must not stitch across it.
   */
  overrun: boolean;
  /** Samples the driver itself knows it discarded (e.g. partial X/Y/Z sets); overruns add an estimate from the clock. */
  discarded: number;
}

export interface Accelerometer {
  readonly part: string;
  /** Samples (X/Y/Z sets) the FIFO holds. */
  readonly fifoDepth: number;
  /** Sets (or re-sets) range, ODR, FIFO and interrupts; checks the identity first. */
  init(): Promise<void>;
  drain(): Promise<AccelBlock>;
  standby(): Promise<void>;
}

export function newBlock(capacity: number): AccelBlock {
  return { x: new Float32Array(capacity), y: new Float32Array(capacity), z: new Float32Array(capacity), count: 0, overrun: false, discarded: 0 };
}

/** ODRs (Hz) and ranges (g) each part supports; config validation asks the driver through these. */
export const ACCEL_PARTS = {
  adxl345: {
    odrHz: [100, 200, 400, 800, 1600, 3200],
    rangeG: [2, 4, 8, 16],
  },
  adxl355: {
    // FILTER bits[3:0]: 0 = 4000 Hz ... 10 = 3.90625 Hz, halving.
    odrHz: Array.from({ length: 11 }, (_, i) => 4000 / 2 ** i),
    rangeG: [2, 4, 8],
  },
} as const;

export type AccelPart = keyof typeof ACCEL_PARTS;

/** A human-readable problem with an accelerometer setting for this part, or null when it is valid. */
export function checkAccelSettings(part: AccelPart, odrHz: number, rangeG: number): Array<{ field: 'odrHz' | 'rangeG'; message: string }> {
  const caps = ACCEL_PARTS[part];
  const issues: Array<{ field: 'odrHz' | 'rangeG'; message: string }> = [];
  if (!(caps.odrHz as readonly number[]).some((v) => Math.abs(v - odrHz) < 1e-9)) issues.push({ field: 'odrHz', message: `${part.toUpperCase()} has no output data rate of ${odrHz} Hz; it supports ${caps.odrHz.join(', ')} Hz` });
  if (!(caps.rangeG as readonly number[]).includes(rangeG)) issues.push({ field: 'rangeG', message: `${part.toUpperCase()} has no range of +-${rangeG} g; it supports ${caps.rangeG.map((r) => `+-${r}`).join(', ')} g` });
  return issues;
}
