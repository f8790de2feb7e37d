/**
 * Velocity RMS from acceleration by frequency-domain integration (standards.md, ISO 20816):
 * V(f) = A(f) / (j 2 pi f), DC and out-of-band bins zeroed, g -> m/s^2 (x 9.80665), x 1000 -> mm/s.
 *
 * The standard's recipe goes back to the time domain and takes the RMS; by Parseval the RMS of
 * the band-limited velocity equals the square root of the sum of its per-bin mean squares, so we
 * sum |A(f)|^2 / (2 pi f)^2 over the band directly from the Hann power spectrum and skip the
 * inverse FFT (same number, one transform fewer). The Hann window keeps leakage from strong
 * sub-band content (drift, 1-5 Hz motion) out of the 1/f^2-weighted sum.
 */
export const STANDARD_GRAVITY = 9.80665;

/** Precomputes the per-bin weight (g -> mm/s)^2 / (2 pi f)^2 inside [f1, f2], 0 elsewhere. */
export function velocityWeights(bins: number, df: number, f1: number, f2: number, out: Float64Array = new Float64Array(bins)): Float64Array {
  const c = STANDARD_GRAVITY * 1000;
  for (let k = 0; k < bins; k++) {
    const f = k * df;
    out[k] = k > 0 && f >= f1 && f <= f2 ? (c * c) / ((2 * Math.PI * f) * (2 * Math.PI * f)) : 0;
  }
  return out;
}

/** Velocity RMS in mm/s from the acceleration power spectrum (g^2 per bin) and the weights. */
export function velocityRmsMmS(power: ArrayLike<number>, weights: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(power.length, weights.length);
  for (let k = 0; k < n; k++) s += power[k] * weights[k];
  return Math.sqrt(s);
}

/** ISO 20816 velocity band for a shaft speed: 10-1000 Hz at >= 600 r/min, else 2-1000 Hz. */
export function isoVelocityBand(shaftHz: number | undefined, sampleRateHz: number): { lowHz: number; highHz: number } {
  const low = shaftHz !== undefined && shaftHz * 60 < 600 ? 2 : 10;
  return { lowHz: low, highHz: Math.min(1000, sampleRateHz / 2) };
}
