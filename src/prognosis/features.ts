/**
 * Health features of one vibration snapshot (acceleration in g), shared by the offline training
 * pipeline (`npm run train`) and the live gateway: both call `extractHealthFeatures`, so the model
 * sees at run time exactly the numbers it was trained on.
 *
 * Pure: no I/O, no clock. The FFT plan and every buffer live in a caller-owned scratch created once
 * per snapshot length (`createHealthFeatureScratch`); the hot path allocates nothing when the
 * caller passes `out`.
 *
 * The integrator may later re-point the time/spectral maths to the shared vibration analysis chain
 * (src/analysis/vibration); the names, units and order below are the contract with models/rul.json.
 */
import FFT from 'fft.js';
import { FabwatchError } from '../core/errors.js';
import { emptyTimeFeatures, timeFeatures, type TimeFeatures } from '../analysis/vibration/features.js';

/** Feature names, in output order. Units are in the name. */
export const HEALTH_FEATURE_NAMES = [
  'rms_g', // 0: RMS of the mean-removed acceleration, g
  'peak_g', // 1: max |x - mean|, g
  'kurtosis', // 2: m4 / m2^2 (3 for Gaussian noise), dimensionless
  'crest_factor', // 3: peak / rms, dimensionless
  'skewness', // 4: m3 / m2^1.5, dimensionless
  'velocity_rms_mm_s', // 5: RMS velocity 10-1000 Hz (ISO 20816 band), mm/s, integrated in the frequency domain
  'band_rms_g_10_1000', // 6: acceleration RMS in 10-1000 Hz, g
  'band_rms_g_1000_3000', // 7: acceleration RMS in 1-3 kHz, g
  'band_rms_g_3000_6000', // 8: acceleration RMS in 3-6 kHz, g
  'band_rms_g_6000_nyq', // 9: acceleration RMS from 6 kHz to Nyquist, g
  'spectral_centroid_hz', // 10: power-weighted mean frequency, Hz
] as const;
export type HealthFeatureName = (typeof HEALTH_FEATURE_NAMES)[number];
export const HEALTH_FEATURE_COUNT = HEALTH_FEATURE_NAMES.length;
export const FEATURE_INDEX: Readonly<Record<HealthFeatureName, number>> = Object.freeze(
  Object.fromEntries(HEALTH_FEATURE_NAMES.map((n, i) => [n, i])) as Record<HealthFeatureName, number>,
);

const G = 9.80665; // m/s^2 per g
const BANDS_HZ: ReadonlyArray<readonly [number, number]> = [
  [10, 1000],
  [1000, 3000],
  [3000, 6000],
  [6000, Infinity],
];

export interface HealthFeatureScratch {
  readonly maxLength: number;
  readonly nfft: number;
  readonly fft: FFT;
  readonly input: Float64Array;
  readonly spectrum: number[];
  readonly window: Float64Array;
  /** Length the Hann window currently holds coefficients for (recomputed when it changes). */
  windowN: number;
  readonly time: TimeFeatures;
}

function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Allocate the FFT plan and buffers for snapshots of up to `maxLength` samples (zero-padded to the
 * next power of two). Create once per channel/robot, reuse for every snapshot.
 */
export function createHealthFeatureScratch(maxLength: number): HealthFeatureScratch {
  if (!Number.isInteger(maxLength) || maxLength < 16) {
    throw new FabwatchError('FEATURE_BAD_ARGUMENT', `snapshot length must be an integer >= 16, got ${maxLength}`, { maxLength });
  }
  const nfft = nextPow2(maxLength);
  const fft = new FFT(nfft);
  return {
    maxLength,
    nfft,
    fft,
    input: new Float64Array(nfft),
    spectrum: fft.createComplexArray(),
    window: new Float64Array(maxLength),
    windowN: 0,
    time: emptyTimeFeatures(),
  };
}

/**
 * Compute the health features of one snapshot. Writes into `out` (length >= HEALTH_FEATURE_COUNT)
 * and returns it; without `out` a new array is allocated.
 */
export function extractHealthFeatures(
  snapshot: Float32Array,
  sampleRateHz: number,
  scratch: HealthFeatureScratch,
  out: Float64Array = new Float64Array(HEALTH_FEATURE_COUNT),
): Float64Array {
  const n = snapshot.length;
  if (n < 16 || n > scratch.maxLength) {
    throw new FabwatchError('FEATURE_BAD_ARGUMENT', `snapshot has ${n} samples; scratch accepts 16..${scratch.maxLength}`, { n, max: scratch.maxLength });
  }
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz)) {
    throw new FabwatchError('FEATURE_BAD_ARGUMENT', `sample rate must be a positive number, got ${sampleRateHz}`, { sampleRateHz });
  }
  if (out.length < HEALTH_FEATURE_COUNT) {
    throw new FabwatchError('FEATURE_BAD_ARGUMENT', `out has ${out.length} slots, need ${HEALTH_FEATURE_COUNT}`);
  }

  // --- time domain: the vibration analysis chain's own indicators (one implementation) ---
  const t = timeFeatures(snapshot, n, scratch.input, scratch.time);
  out[0] = t.rms;
  out[1] = t.peak;
  out[2] = t.kurtosis;
  out[3] = t.crestFactor;
  out[4] = t.skewness;

  // --- frequency domain: Hann window, zero-pad to nfft, one-sided power per bin ---
  const { nfft, input, spectrum, window, fft } = scratch;
  // Hann coefficients depend on n; recompute only when the snapshot length changes.
  if (scratch.windowN !== n) {
    for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    scratch.windowN = n;
  }
  let wPow = 0;
  for (let i = 0; i < n; i++) {
    const w = window[i];
    input[i] *= w; // timeFeatures left the centred samples here
    wPow += w * w;
  }
  input.fill(0, n);
  fft.realTransform(spectrum, input);
  // Parseval with a window: sum_k |X_k|^2 = nfft * sum (x w)^2 and mean(x^2) ~= sum (x w)^2 / sum w^2,
  // so a one-sided bin's power in g^2 is 2 |X_k|^2 / (nfft * sum w^2).
  const scale = 2 / (wPow * nfft);
  const df = sampleRateHz / nfft;
  const half = nfft >> 1;
  const bandPow = [0, 0, 0, 0];
  let velPow = 0;
  let totPow = 0;
  let centroidNum = 0;
  for (let k = 1; k < half; k++) {
    const re = spectrum[2 * k];
    const im = spectrum[2 * k + 1];
    const p = (re * re + im * im) * scale; // g^2 in this bin
    const f = k * df;
    totPow += p;
    centroidNum += p * f;
    for (let b = 0; b < BANDS_HZ.length; b++) {
      if (f >= BANDS_HZ[b][0] && f < BANDS_HZ[b][1]) {
        bandPow[b] += p;
        break;
      }
    }
    if (f >= 10 && f <= 1000) {
      const v = (G * 1000) / (2 * Math.PI * f); // (mm/s) per g at f
      velPow += p * v * v;
    }
  }
  out[5] = Math.sqrt(velPow);
  out[6] = Math.sqrt(bandPow[0]);
  out[7] = Math.sqrt(bandPow[1]);
  out[8] = Math.sqrt(bandPow[2]);
  out[9] = Math.sqrt(bandPow[3]);
  out[10] = totPow > 0 ? centroidNum / totPow : 0;
  return out;
}
