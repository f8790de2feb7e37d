import FFT from 'fft.js';

/**
 * Per-window summary computed on every acquisition window: time-domain RMS/peak per axis and a
 * Hann-windowed single-sided amplitude spectrum of the dominant axis, reduced to a few bands for
 * telemetry. Plan once (FFT tables, window, scratch), run many: the hot path allocates nothing
 * but the small result object.
 */
export interface AxisStats {
  rms: number;
  peak: number;
}

export interface WindowSummary {
  /** Overall RMS of the dynamic part (mean removed) over the three axes, g. */
  rms: number;
  /** Largest absolute deviation from the mean on any axis, g. */
  peak: number;
  axes: { x: AxisStats; y: AxisStats; z: AxisStats };
  dominantAxis: 'x' | 'y' | 'z';
  spectrum: { df: number; bandHz: number; amplitudes: number[]; peakHz: number; peakAmplitude: number };
}

export class WindowSummarizer {
  private readonly fft: FFT;
  private readonly window: Float64Array;
  private readonly input: Float64Array;
  private readonly output: number[];
  private readonly amplitude: Float64Array;
  private readonly windowGain: number;

  constructor(readonly size: number, readonly sampleRateHz: number, readonly bands: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`window size ${size} is not a power of two`);
    this.fft = new FFT(size);
    this.window = new Float64Array(size);
    let sum = 0;
    for (let i = 0; i < size; i++) {
      this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
      sum += this.window[i];
    }
    this.windowGain = sum / size; // coherent gain of the Hann window (0.5)
    this.input = new Float64Array(size);
    this.output = this.fft.createComplexArray() as number[];
    this.amplitude = new Float64Array(size / 2 + 1);
  }

  private axisStats(s: Float32Array): AxisStats & { meanSquare: number; mean: number } {
    const n = this.size;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += s[i];
    mean /= n;
    let ms = 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const v = s[i] - mean;
      ms += v * v;
      const a = Math.abs(v);
      if (a > peak) peak = a;
    }
    ms /= n;
    return { rms: Math.sqrt(ms), peak, meanSquare: ms, mean };
  }

  summarize(x: Float32Array, y: Float32Array, z: Float32Array): WindowSummary {
    const sx = this.axisStats(x);
    const sy = this.axisStats(y);
    const sz = this.axisStats(z);
    const dominantAxis = sx.meanSquare >= sy.meanSquare && sx.meanSquare >= sz.meanSquare ? 'x' : sy.meanSquare >= sz.meanSquare ? 'y' : 'z';
    const sig = dominantAxis === 'x' ? x : dominantAxis === 'y' ? y : z;
    const mean = dominantAxis === 'x' ? sx.mean : dominantAxis === 'y' ? sy.mean : sz.mean;
    const n = this.size;
    for (let i = 0; i < n; i++) this.input[i] = (sig[i] - mean) * this.window[i];
    this.fft.realTransform(this.output, this.input as unknown as number[]);
    // Single-sided amplitude: |X_k| * 2 / (N * coherent gain); DC and Nyquist not doubled.
    const norm = 1 / (n * this.windowGain);
    let peakAmplitude = 0;
    let peakBin = 0;
    for (let k = 0; k <= n / 2; k++) {
      const re = this.output[2 * k];
      const im = this.output[2 * k + 1];
      const a = Math.hypot(re, im) * norm * (k === 0 || k === n / 2 ? 1 : 2);
      this.amplitude[k] = a;
      if (k > 0 && a > peakAmplitude) {
        peakAmplitude = a;
        peakBin = k;
      }
    }
    const df = this.sampleRateHz / n;
    const perBand = (n / 2) / this.bands;
    const amplitudes: number[] = new Array(this.bands);
    for (let b = 0; b < this.bands; b++) {
      // Band value: the largest amplitude in the band (a peak-hold decimation keeps tones visible).
      let m = 0;
      const start = Math.max(1, Math.floor(b * perBand));
      const end = Math.floor((b + 1) * perBand);
      for (let k = start; k < end; k++) if (this.amplitude[k] > m) m = this.amplitude[k];
      amplitudes[b] = m;
    }
    return {
      rms: Math.sqrt(sx.meanSquare + sy.meanSquare + sz.meanSquare),
      peak: Math.max(sx.peak, sy.peak, sz.peak),
      axes: { x: { rms: sx.rms, peak: sx.peak }, y: { rms: sy.rms, peak: sy.peak }, z: { rms: sz.rms, peak: sz.peak } },
      dominantAxis,
      spectrum: { df, bandHz: df * perBand, amplitudes, peakHz: peakBin * df, peakAmplitude },
    };
  }
}
