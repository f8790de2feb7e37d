/**
 * Integer-factor decimation with a linear-phase anti-alias FIR (Kaiser-windowed sinc), computed
 * polyphase-style: only every factor-th output of the filter is evaluated.
 *
 * Design for factor M at input rate fs: passband edge 0.8 * fs/(2M), stopband edge fs/(2M) (the
 * output Nyquist), 80 dB stopband attenuation. With the stopband starting at the output Nyquist,
 * everything that can alias is attenuated by 80 dB, and whatever folds lands in the top 20 % of the
 * output band (the transition band), never in the passband. Length from Kaiser's formula
 * N = (A - 8) / (2.285 * 2 pi * dF) + 1, beta = 0.1102 (A - 8.7).
 */
export interface DecimatorDesign {
  factor: number;
  taps: Float64Array;
  passbandHz: number;
  stopbandHz: number;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

export function designDecimator(factor: number, inputRateHz: number, attenuationDb = 80): DecimatorDesign {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`decimation factor must be a positive integer, got ${factor}`);
  if (factor === 1) return { factor, taps: Float64Array.of(1), passbandHz: inputRateHz / 2, stopbandHz: inputRateHz / 2 };
  const outNyq = inputRateHz / (2 * factor);
  const fp = 0.8 * outNyq;
  const fsb = outNyq;
  const dF = (fsb - fp) / inputRateHz;
  let n = Math.ceil((attenuationDb - 8) / (2.285 * 2 * Math.PI * dF)) + 1;
  if (n % 2 === 0) n++;
  const beta = attenuationDb > 50 ? 0.1102 * (attenuationDb - 8.7) : 0.5842 * Math.pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21);
  const fc = (fp + fsb) / 2 / inputRateHz; // cycles/sample
  const taps = new Float64Array(n);
  const mid = (n - 1) / 2;
  const i0b = besselI0(beta);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const r = t / mid;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] /= sum; // unity DC gain
  return { factor, taps, passbandHz: fp, stopbandHz: fsb };
}

/** Number of output samples decimate() produces for `inputLength` samples. */
export function decimatedLength(inputLength: number, factor: number): number {
  return Math.ceil(inputLength / factor);
}

/**
 * Filters and decimates `x` into `out` (length >= decimatedLength). The filter is centred (zero
 * delay) and the signal is treated as zero outside [0, length), so the first and last
 * taps.length/2 input samples are edge-affected. Returns the number of samples written.
 */
export function decimate(x: ArrayLike<number>, d: DecimatorDesign, out: Float32Array | Float64Array): number {
  const n = x.length;
  const m = decimatedLength(n, d.factor);
  if (out.length < m) throw new RangeError(`decimate output too short: ${out.length} < ${m}`);
  const h = d.taps;
  const L = h.length;
  const half = (L - 1) >> 1;
  for (let j = 0; j < m; j++) {
    const c = j * d.factor; // output sample j sits at input sample c
    const i0 = c - half;
    let acc = 0;
    const t0 = Math.max(0, -i0);
    const t1 = Math.min(L, n - i0);
    for (let t = t0; t < t1; t++) acc += h[t] * x[i0 + t];
    out[j] = acc;
  }
  return m;
}
