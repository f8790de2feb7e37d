/**
 * Welch averaging of Hann power spectra: the mean of the per-segment power spectra, amplitude =
 * sqrt(2 * mean power) per bin (a tone's peak amplitude when it sits on a bin centre and its
 * energy is not split by leakage; band sums of `power` give mean squares, see spectrum.ts).
 *
 * The analyzer produces one Hann power spectrum per window; WelchAccumulator averages those of
 * consecutive windows (the gateway's spectrum summary at a lower rate), and welchSpectrum() runs
 * the classic 50 %-overlap Welch estimate over a long signal with the same FFT plan.
 */
import { RealFft } from './fft-plan.js';
import { hannPowerAndAmplitude } from './spectrum.js';

export class WelchAccumulator {
  readonly bins: number;
  private readonly sum: Float64Array;
  private count = 0;
  constructor(bins: number) {
    this.bins = bins;
    this.sum = new Float64Array(bins);
  }
  /** Adds one per-bin power spectrum (length >= bins). */
  add(power: ArrayLike<number>): void {
    const s = this.sum;
    for (let k = 0; k < this.bins; k++) s[k] += power[k];
    this.count++;
  }
  get segments(): number {
    return this.count;
  }
  /** Mean power per bin into `out`. */
  meanPower(out: Float64Array): Float64Array {
    const c = this.count || 1;
    for (let k = 0; k < this.bins; k++) out[k] = this.sum[k] / c;
    return out;
  }
  /** Amplitude per bin, sqrt(2 * mean power) (signal unit, peak). */
  amplitude(out: Float32Array | Float64Array): Float32Array | Float64Array {
    const c = this.count || 1;
    for (let k = 0; k < this.bins; k++) out[k] = Math.sqrt((2 * this.sum[k]) / c);
    return out;
  }
  reset(): void {
    this.sum.fill(0);
    this.count = 0;
  }
}

/** A plan for Welch over signals of any length: segment N (power of two), 50 % overlap. */
export class WelchPlan {
  readonly n: number;
  private readonly fft: RealFft;
  private readonly power: Float64Array;
  private readonly amp: Float32Array;
  readonly acc: WelchAccumulator;
  constructor(segment: number) {
    this.n = segment;
    this.fft = new RealFft(segment);
    this.power = new Float64Array((segment >> 1) + 1);
    this.amp = new Float32Array((segment >> 1) + 1);
    this.acc = new WelchAccumulator((segment >> 1) + 1);
  }
  /**
   * Averages the Hann power spectra of the 50 %-overlapping segments of x (each segment's mean
   * removed). Returns the number of segments; read the result with acc.meanPower()/amplitude().
   */
  run(x: ArrayLike<number>): number {
    const n = this.n;
    this.acc.reset();
    const input = this.fft.input;
    for (let s = 0; s + n <= x.length; s += n >> 1) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[s + i];
      mean /= n;
      for (let i = 0; i < n; i++) input[i] = x[s + i] - mean;
      hannPowerAndAmplitude(this.fft.run(), n, this.power, this.amp);
      this.acc.add(this.power);
    }
    return this.acc.segments;
  }
}
