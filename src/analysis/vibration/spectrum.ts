/**
 * Amplitude and power spectra from one real FFT.
 *
 * The periodic Hann window is applied in the frequency domain: for w[n] = 0.5 - 0.5 cos(2 pi n/N),
 * DFT(w x)[k] = 0.5 X[k] - 0.25 (X[k-1] + X[k+1]) exactly. So the raw (rectangular) spectrum is
 * computed once and serves the Hann spectrum, the velocity integration and the envelope analysis.
 *
 * Scaling (single-sided, for bins 0 < k < N/2):
 *  - amplitude[k] = 2 |Xw[k]| / sum(w) = 4 |Xw[k]| / N: the peak amplitude of a tone centred on
 *    bin k, in the signal's unit (g). Off-centre tones read up to 1.42 dB low (Hann scalloping);
 *    use toneAmplitude() for an estimate that sums the energy of the neighbouring bins.
 *  - power[k] = 2 |Xw[k]|^2 / (N^2 mean(w^2)): the mean-square contribution of bin k, so that
 *    sum(power) over a band is the band's mean square (RMS^2), with Hann's ENBW accounted for.
 * Frequency of bin k: k * sampleRate / N.
 */
import { HANN_POWER_GAIN } from './window.js';

/**
 * Hann-window a raw half spectrum (bins 0..N/2, interleaved) and write per-bin power (mean-square
 * contribution) and peak amplitude. `power` and `amplitude` have length N/2 + 1.
 */
export function hannPowerAndAmplitude(raw: ArrayLike<number>, n: number, power: Float64Array, amplitude: Float32Array): void {
  const m = n >> 1;
  const pScale = 2 / (n * n * HANN_POWER_GAIN);
  const aScale = 4 / n;
  // Interior bins: a plain 3-tap loop, carrying the previous and current bin in registers.
  let pr = raw[0];
  let pi = raw[1];
  let cr = raw[2];
  let ci = raw[3];
  for (let k = 1; k < m; k++) {
    const nr = raw[2 * k + 2];
    const ni = raw[2 * k + 3];
    const re = 0.5 * cr - 0.25 * (pr + nr);
    const im = 0.5 * ci - 0.25 * (pi + ni);
    const mag2 = re * re + im * im;
    power[k] = pScale * mag2;
    amplitude[k] = aScale * Math.sqrt(mag2);
    pr = cr;
    pi = ci;
    cr = nr;
    ci = ni;
  }
  // DC and Nyquist: neighbours by Hermitian symmetry, X[-1] = conj(X[1]), X[m+1] = conj(X[m-1]);
  // single-sided scaling counts these bins once.
  for (let e = 0; e < 2; e++) {
    const b = e === 0 ? 0 : m;
    const nb = e === 0 ? 1 : m - 1;
    const re = 0.5 * raw[2 * b] - 0.5 * raw[2 * nb];
    const im = 0.5 * raw[2 * b + 1]; // the neighbours' imaginary parts cancel: conj + itself
    const mag2 = re * re + im * im;
    power[b] = 0.5 * pScale * mag2;
    amplitude[b] = 0.5 * aScale * Math.sqrt(mag2);
  }
}

/** Mean square of the band [f1, f2] Hz from a per-bin power spectrum with bin width df. */
export function bandMeanSquare(power: ArrayLike<number>, df: number, f1: number, f2: number): number {
  const k1 = Math.max(0, Math.ceil(f1 / df));
  const k2 = Math.min(power.length - 1, Math.floor(f2 / df));
  let s = 0;
  for (let k = k1; k <= k2; k++) s += power[k];
  return s;
}

/** RMS of the band [f1, f2] Hz (see bandMeanSquare). */
export function bandRms(power: ArrayLike<number>, df: number, f1: number, f2: number): number {
  return Math.sqrt(bandMeanSquare(power, df, f1, f2));
}

/**
 * Amplitude of the strongest tone within [f - tol, f + tol] Hz: finds the peak bin and sums the
 * power of it and its two neighbours (which hold all but a few percent of a Hann-windowed tone),
 * so the result does not depend on where the tone falls between bins. Returns the peak amplitude
 * (sqrt(2 * mean square)) and the peak's frequency.
 */
export function toneAmplitude(power: ArrayLike<number>, df: number, f: number, tol: number): { amplitude: number; freqHz: number } {
  const last = power.length - 1;
  const k1 = Math.max(1, Math.floor((f - tol) / df));
  const k2 = Math.min(last - 1, Math.ceil((f + tol) / df));
  let best = -1;
  let bk = k1;
  for (let k = k1; k <= k2; k++) {
    if (power[k] > best) {
      best = power[k];
      bk = k;
    }
  }
  if (best < 0) return { amplitude: 0, freqHz: f };
  const ms = power[bk - 1] + power[bk] + power[bk + 1];
  return { amplitude: Math.sqrt(2 * ms), freqHz: bk * df };
}
