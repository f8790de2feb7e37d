/**
 * FFT plans: fft.js objects and twiddles built once per size, used many times on caller-owned
 * typed arrays. Nothing here allocates after construction.
 *
 * Spectra are stored interleaved (re, im) in Float64Arrays. A "half spectrum" of a real N-point
 * signal holds bins 0..N/2 (N + 2 numbers).
 */
import FFT from 'fft.js';

function assertPow2(n: number): void {
  if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) {
    throw new RangeError(`FFT size must be a power of two >= 4, got ${n}`);
  }
}

/**
 * Real-input forward FFT of size N with fft.js's realTransform (its radix-4 real path computes only
 * the non-redundant half; measured faster here than a half-size complex FFT plus split pass).
 * The plan owns its input (N reals) and output (2N numbers, of which bins 0..N/2 -- the first
 * N + 2 -- are valid after run()); callers write samples straight into `input`.
 */
export class RealFft {
  readonly n: number;
  /** Write the N real samples here, then call run(). */
  readonly input: Float64Array;
  /** Bins 0..N/2 interleaved (re, im), unnormalised: X[k] = sum x[n] e^{-2 pi i k n / N}. */
  readonly output: Float64Array;
  private readonly fft: FFT;

  constructor(n: number) {
    assertPow2(n);
    this.n = n;
    this.fft = new FFT(n);
    this.input = new Float64Array(n);
    this.output = new Float64Array(2 * n);
  }

  /** Transforms `input` into `output`. */
  run(): Float64Array {
    this.fft.realTransform(this.output, this.input);
    return this.output;
  }

  /** Convenience for tests and one-off use: copies `x` in and bins 0..N/2 out (out.length >= N + 2). */
  forward(x: ArrayLike<number>, out: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < n; i++) this.input[i] = x[i];
    this.run();
    out.set(this.output.subarray(0, n + 2));
  }
}

/** Complex FFT of size N (forward and inverse), thin wrapper over fft.js with typed buffers. */
export class ComplexFft {
  readonly n: number;
  private readonly fft: FFT;
  constructor(n: number) {
    assertPow2(n);
    this.n = n;
    this.fft = new FFT(n);
  }
  /** Forward, unnormalised. `data` and `out` are interleaved, length 2N, distinct buffers. */
  forward(data: Float64Array, out: Float64Array): void {
    this.fft.transform(out, data);
  }
  /**
   * Inverse transform for callers that only need |z|: pass the CONJUGATED spectrum (negate the
   * imaginary parts while copying it in) and get conj(N * ifft(X)) back, whose magnitudes are those
   * of N * ifft(X). Saves fft.js's separate 1/N pass and a conjugation pass per call.
   */
  inverseMagnitudeFromConj(conjData: Float64Array, out: Float64Array): void {
    this.fft.transform(out, conjData);
  }
}
