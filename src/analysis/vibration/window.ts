/**
 * Analysis windows. The analyzer applies the periodic Hann window in the frequency domain (a 3-tap
 * convolution of the rectangular-window spectrum, see spectrum.ts), so one forward FFT serves both
 * the Hann amplitude spectrum and the envelope analysis. These helpers are for callers that want
 * the time-domain window (tests, Welch over arbitrary signals) and for the scaling constants.
 */

/** Periodic Hann window w[n] = 0.5 - 0.5 cos(2 pi n / N), n = 0..N-1 (the DFT-even form). */
export function hannPeriodic(n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  if (out.length < n) throw new RangeError(`window buffer too short: ${out.length} < ${n}`);
  for (let i = 0; i < n; i++) out[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return out;
}

/** Coherent gain of the periodic Hann window: mean(w) = 1/2. Amplitude scaling divides by it. */
export const HANN_COHERENT_GAIN = 0.5;
/** Power gain of the periodic Hann window: mean(w^2) = 3/8. Power/RMS scaling divides by it. */
export const HANN_POWER_GAIN = 0.375;
/** Equivalent noise bandwidth of the Hann window, in bins: mean(w^2) / mean(w)^2 = 1.5. */
export const HANN_ENBW_BINS = 1.5;
