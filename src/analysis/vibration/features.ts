/**
 * Time-domain condition indicators of one window, in one pass after the mean.
 * All moments are of the mean-removed signal (the DC part of an accelerometer is gravity and
 * offset, not vibration): rms is the AC RMS, kurtosis is the normalised 4th moment m4/m2^2
 * (3 for a Gaussian signal, not the "excess" form), skewness is m3/m2^1.5.
 */
export interface TimeFeatures {
  /** Mean of the window (DC offset), signal unit. */
  mean: number;
  /** AC RMS, signal unit. */
  rms: number;
  /** max |x - mean|. */
  peak: number;
  /** max(x) - min(x). */
  peakToPeak: number;
  /** peak / rms. */
  crestFactor: number;
  /** m4 / m2^2 (Gaussian: 3). */
  kurtosis: number;
  /** m3 / m2^1.5 (symmetric: 0). */
  skewness: number;
}

export function emptyTimeFeatures(): TimeFeatures {
  return { mean: 0, rms: 0, peak: 0, peakToPeak: 0, crestFactor: 0, kurtosis: 0, skewness: 0 };
}

/**
 * Computes the indicators of x[0..n-1] into `out`, and writes the mean-removed samples into
 * `centred` (length >= n) for the spectral steps. Returns `out`.
 */
export function timeFeatures(x: ArrayLike<number>, n: number, centred: { [i: number]: number }, out: TimeFeatures): TimeFeatures {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const mean = sum / n;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let mx = -Infinity;
  let mn = Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[i] - mean;
    centred[i] = v;
    const v2 = v * v;
    s2 += v2;
    s3 += v2 * v;
    s4 += v2 * v2;
    if (v > mx) mx = v;
    if (v < mn) mn = v;
  }
  const m2 = s2 / n;
  const rms = Math.sqrt(m2);
  const peak = Math.max(mx, -mn);
  out.mean = mean;
  out.rms = rms;
  out.peak = n > 0 ? peak : 0;
  out.peakToPeak = n > 0 ? mx - mn : 0;
  out.crestFactor = rms > 0 ? peak / rms : 0;
  out.kurtosis = m2 > 0 ? s4 / n / (m2 * m2) : 0;
  out.skewness = m2 > 0 ? s3 / n / (m2 * rms) : 0;
  return out;
}
