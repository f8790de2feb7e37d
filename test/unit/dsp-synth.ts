/** Synthetic vibration signals with known answers for the DSP unit tests (seeded, deterministic). */
export { mulberry32 } from '../../src/core/random.js';
import { mulberry32 } from '../../src/core/random.js';

export function gaussianNoise(n: number, sigma: number, seed: number, out: Float32Array = new Float32Array(n)): Float32Array {
  const rnd = mulberry32(seed);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rnd(), 1e-12);
    const u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1)) * sigma;
    out[i] += r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] += r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function addSine(out: Float32Array, fs: number, f: number, amp: number, phase = 0): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] += amp * Math.sin((2 * Math.PI * f * i) / fs + phase);
  return out;
}

export interface ImpactOptions {
  fs: number;
  /** Repetition rate of the impacts, Hz. */
  rateHz: number;
  resonanceHz: number;
  /** Peak amplitude of one impact response, g. */
  amp: number;
  /** Decay time constant, s. */
  tau?: number;
  /** Random jitter of each impact time, fraction of the period (bearing slip). */
  jitter?: number;
  /** Amplitude modulation 1 + m cos(2 pi fm t) (inner race passing through the load zone). */
  modHz?: number;
  modDepth?: number;
  seed?: number;
}

/** Adds a train of decaying resonance responses (a localised bearing defect) to `out`. */
export function addImpacts(out: Float32Array, o: ImpactOptions): Float32Array {
  const rnd = mulberry32(o.seed ?? 7);
  const tau = o.tau ?? 0.0015;
  const period = 1 / o.rateHz;
  const len = Math.ceil(8 * tau * o.fs);
  for (let t0 = period * rnd(); t0 * o.fs < out.length; t0 += period * (1 + (o.jitter ?? 0.01) * (2 * rnd() - 1))) {
    const m = o.modHz ? 1 + (o.modDepth ?? 0.5) * Math.cos(2 * Math.PI * o.modHz * t0) : 1;
    const i0 = Math.ceil(t0 * o.fs);
    for (let j = 0; j < len && i0 + j < out.length; j++) {
      const t = (i0 + j) / o.fs - t0;
      out[i0 + j] += o.amp * m * Math.exp(-t / tau) * Math.sin(2 * Math.PI * o.resonanceHz * t);
    }
  }
  return out;
}

/** A 6205-like geometry (CWRU drive end): BPFO 3.585 fr, BPFI 5.415 fr, 2xBSF 4.713 fr. */
export const BEARING_6205 = { nBalls: 9, ballDiameter: 0.3126, pitchDiameter: 1.537, contactAngleDeg: 0 };
