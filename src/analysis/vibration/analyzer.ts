/**
 * The one entry point the gateway and `fabwatch analyze` share: createVibrationAnalyzer(opts)
 * plans everything once (FFT plans and their WASM buffers, kurtogram bands, buffers) and analyze(signal)
 * runs the whole chain on one window of one axis without allocating.
 *
 * Chain per window (N = windowSize samples of one axis, in g):
 *   mean removal + time features (features.ts)
 *   -> one real FFT of the mean-removed window (fft-plan.ts: PFFFT in WebAssembly, float32)
 *   -> Hann power and amplitude spectra by a 3-tap frequency-domain window (spectrum.ts)
 *   -> velocity RMS over the ISO band by frequency-domain integration (velocity.ts), zone (iso20816.ts)
 *   -> kurtogram band selection + squared envelope spectrum from the same FFT (envelope.ts)
 *   -> bearing defect frequencies (bearing.ts), peak-vs-floor evidence, diagnosis (diagnosis.ts).
 *
 * VibrationResult (all plain data; JSON.stringify-safe after toSerializable(), see serialize.ts):
 *   sampleRateHz, windowSize
 *   features        { mean, rms, peak, peakToPeak, crestFactor, kurtosis, skewness   (g, time domain)
 *                     velocityRmsMmS (ISO band), bandRmsG (Hann spectrum RMS over 0..Nyquist, no DC) }
 *   iso20816        { zone 'A'|'B'|'C'|'D', velocityRmsMmS, limits {ab,bc,cd} mm/s, bandHz [lo, hi] }
 *   faultFrequencies{ shaftHz, FTF, BPFO, BPFI, BSF } Hz, or null without bearing geometry + speed
 *   envelope        { lowHz, highHz, kurtosis }: the band the kurtogram chose
 *   diagnosis       { label, confidence 0..1, evidence[], candidates[] }  (diagnosis.ts)
 *   spectrum        { df Hz, magnitudes: Float32Array(N/2+1) peak amplitude in g per bin (Hann) }
 *   envelopeSpectrum{ df Hz, magnitudes: Float32Array: SES, modulation depth per bin }
 *
 * OWNERSHIP: analyze() returns the SAME result object every call, and spectrum.magnitudes,
 * envelopeSpectrum.magnitudes, diagnosis.evidence (a prebuilt array over a pool of evidence
 * objects) etc. are analyzer-owned and overwritten or re-pointed by the next analyze() call. Copy what you keep (toSerializable() makes a deep copy).
 * One analyzer per axis (or use createMultiAxisAnalyzer in multi-axis.ts).
 */
import { faultFrequencies, validateBearing, type BearingGeometry, type FaultFrequencies } from './bearing.js';
import { DiagnosisEngine, type Diagnosis } from './diagnosis.js';
import { EnvelopePlan, type EnvelopeBand } from './envelope.js';
import { emptyTimeFeatures, timeFeatures, type TimeFeatures } from './features.js';
import { RealFft } from './fft-plan.js';
import { DEFAULT_ZONE_LIMITS, updateZone, validateZoneLimits, type IsoZone, type ZoneLimits } from './iso20816.js';
import { hannPowerAndAmplitude } from './spectrum.js';
import { isoVelocityBand, velocityWeights } from './velocity.js';

export interface VibrationAnalyzerOptions {
  sampleRateHz: number;
  /** Samples per window, a power of two >= 64. */
  windowSize: number;
  /**
   * Default shaft speed, Hz (analyze() may pass the current one). Needed for defect frequencies.
   * It also sizes the envelope analysis at set-up (narrowest band = 3.5 x the highest defect
   * frequency): for a variable-speed asset give the highest speed it runs at.
   */
  shaftHz?: number;
  /** Bearing geometry (any length unit, the same for both diameters). */
  bearing?: BearingGeometry;
  /** ISO 20816 zone limits, mm/s RMS. Default ISO20816_PRESETS.group2_rigid. */
  zoneLimits?: ZoneLimits;
  /** Usable sensor bandwidth, Hz (ADXL345 1600, ADXL355 1000): envelope bands stay below it. */
  sensorBandwidthHz?: number;
  /**
   * Run the kurtogram band selection on every k-th window only and keep the chosen band in between
   * (the resonance excited by impacts is a property of the structure, not of the window). Default 1:
   * every window. The squared envelope spectrum is computed on every window either way.
   */
  bandReselectEvery?: number;
}

export interface VibrationFeatures extends TimeFeatures {
  velocityRmsMmS: number;
  bandRmsG: number;
}

export interface VibrationResult {
  sampleRateHz: number;
  windowSize: number;
  features: VibrationFeatures;
  iso20816: { zone: IsoZone; velocityRmsMmS: number; limits: ZoneLimits; bandHz: [number, number] };
  faultFrequencies: FaultFrequencies | null;
  envelope: EnvelopeBand;
  diagnosis: Diagnosis;
  spectrum: { df: number; unit: 'g'; magnitudes: Float32Array };
  envelopeSpectrum: { df: number; magnitudes: Float32Array };
}

export interface VibrationAnalyzer {
  readonly options: Readonly<VibrationAnalyzerOptions>;
  /** Analyse one window (length windowSize, g). See the ownership note at the top of this file. */
  analyze(signal: ArrayLike<number>, shaftHz?: number): VibrationResult;
}

export function createVibrationAnalyzer(opts: VibrationAnalyzerOptions): VibrationAnalyzer {
  const n = opts.windowSize;
  const fs = opts.sampleRateHz;
  if (!Number.isInteger(n) || n < 64 || (n & (n - 1)) !== 0) throw new RangeError(`windowSize must be a power of two >= 64, got ${n}`);
  if (!(fs > 0)) throw new RangeError(`sampleRateHz must be > 0, got ${fs}`);
  if (opts.bearing) validateBearing(opts.bearing);
  const limits: ZoneLimits = { ...(opts.zoneLimits ?? DEFAULT_ZONE_LIMITS) };
  validateZoneLimits(limits);
  const bins = (n >> 1) + 1;
  const df = fs / n;

  // Narrowest envelope band: room for 3 harmonics of the highest defect frequency (envelope.ts).
  let minBandHz = fs / 32;
  if (opts.bearing && opts.shaftHz) {
    const f = faultFrequencies(opts.bearing, opts.shaftHz);
    minBandHz = 3.5 * Math.max(f.BPFI, f.BPFO, 2 * f.BSF);
  }
  const fft = new RealFft(n);
  const env = new EnvelopePlan(n, fs, { minBandHz, maxHz: opts.sensorBandwidthHz });
  const power = new Float64Array(bins);
  const amplitude = new Float32Array(bins);
  const ses = new Float32Array(env.sesBins);
  const weights = new Float64Array(bins);
  const engine = new DiagnosisEngine(bins, Math.max(bins, env.sesBins));
  let weightsShaft: number | undefined = Number.NaN;
  let ff: FaultFrequencies | undefined;
  let band = isoVelocityBand(opts.shaftHz, fs);
  const ffBuf: FaultFrequencies = { shaftHz: 0, FTF: 0, BPFO: 0, BPFI: 0, BSF: 0 };
  const reselect = Math.max(1, Math.floor(opts.bandReselectEvery ?? 1));
  let windowCount = 0;
  const chosenStart = (): number => Math.round(result.envelope.lowHz / df);
  const chosenWidth = (): number => Math.round((result.envelope.highHz - result.envelope.lowHz) / df);
  const shaftInputs = { power, velocityWeights: weights, velocityRmsMmS: 0.5, abLimit: limits.ab, shaftHz: 0.5 }; // doubles from the start

  const result: VibrationResult = {
    sampleRateHz: fs,
    windowSize: n,
    features: { ...emptyTimeFeatures(), velocityRmsMmS: 0, bandRmsG: 0 },
    iso20816: { zone: 'A', velocityRmsMmS: 0, limits, bandHz: [band.lowHz, band.highHz] },
    faultFrequencies: null,
    envelope: { lowHz: 0, highHz: 0, kurtosis: 0 },
    diagnosis: engine.result,
    spectrum: { df, unit: 'g', magnitudes: amplitude },
    envelopeSpectrum: { df, magnitudes: ses },
  };

  function analyze(signal: ArrayLike<number>, shaftHzArg?: number): VibrationResult {
    if (signal.length < n) throw new RangeError(`signal has ${signal.length} samples, window needs ${n}`);
    const shaftHz = shaftHzArg ?? opts.shaftHz;
    if (shaftHz !== weightsShaft) {
      band = isoVelocityBand(shaftHz, fs);
      velocityWeights(bins, df, band.lowHz, band.highHz, weights);
      result.iso20816.bandHz[0] = band.lowHz;
      result.iso20816.bandHz[1] = band.highHz;
      // Defect frequencies change only with the speed: recomputed here, not per window.
      ff = opts.bearing && shaftHz !== undefined && shaftHz > 0 ? faultFrequencies(opts.bearing, shaftHz, ffBuf) : undefined;
      result.faultFrequencies = ff ?? null;
      weightsShaft = shaftHz;
    }
    const feat = result.features;
    // Time features write the mean-removed window straight into the FFT input. The plan's views
    // are read here, per window, not kept: constructing another plan may grow the WASM memory
    // and re-point them (fft-plan.ts).
    timeFeatures(signal, n, fft.input, feat);
    const raw = fft.run(); // bins 0..N/2
    hannPowerAndAmplitude(raw, n, power, amplitude);
    // Overall band RMS and ISO velocity (velocity.ts: Parseval over the weighted power) in one
    // loop, written inline so that no helper returns a (heap-boxed) double per window.
    let ms = 0;
    let vs = weights[0] * power[0];
    for (let k = 1; k < bins; k++) {
      ms += power[k];
      vs += power[k] * weights[k];
    }
    feat.bandRmsG = Math.sqrt(ms);
    const v = Math.sqrt(vs);
    feat.velocityRmsMmS = v;
    result.iso20816.velocityRmsMmS = v;
    updateZone(result.iso20816, limits);
    if (windowCount % reselect === 0) env.run(raw, ses, result.envelope);
    else env.squaredEnvelopeSpectrum(raw, chosenStart(), chosenWidth(), ses);
    windowCount++;
    shaftInputs.velocityRmsMmS = v;
    shaftInputs.shaftHz = shaftHz ?? 0;
    engine.run(ses, df, ff, shaftInputs, df);
    return result;
  }

  return { options: Object.freeze({ ...opts }), analyze };
}
