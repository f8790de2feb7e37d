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
 * Real-input forward FFT of size N computed as a complex FFT of size N/2 over the even/odd packed
 * samples plus one split pass (the textbook "two-for-one" real FFT). This is about twice as fast
 * as a complex transform of zero-imaginary data and avoids fft.js's generic real path.
 */
export class RealFft {
  readonly n: number;
  private readonly half: FFT;
  private readonly packed: Float64Array;
  private readonly z: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(n: number) {
    assertPow2(n);
    this.n = n;
    const m = n >> 1;
    this.half = new FFT(m);
    this.packed = new Float64Array(n);
    this.z = new Float64Array(n);
    this.cos = new Float64Array(m + 1);
    this.sin = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
  }

  /**
   * Forward transform of `input` (length N, real) into `out` (length >= N + 2): bins 0..N/2,
   * interleaved, unnormalised (X[k] = sum x[n] e^{-2 pi i k n / N}).
   */
  forward(input: ArrayLike<number>, out: Float64Array): void {
    const n = this.n;
    const p = this.packed;
    // Packing the real samples as complex z[j] = x[2j] + i x[2j+1] is a plain copy.
    for (let i = 0; i < n; i++) p[i] = input[i];
    this.forwardPacked(out);
  }

  /** Same as forward() but reads the samples from this plan's own packed buffer (see `input`). */
  forwardPacked(out: Float64Array): void {
    const n = this.n;
    const m = n >> 1;
    const z = this.z;
    this.half.transform(z, this.packed);
    const cos = this.cos;
    const sin = this.sin;
    // k = 0 and k = m (Nyquist) from Z[0].
    const z0r = z[0];
    const z0i = z[1];
    out[0] = z0r + z0i;
    out[1] = 0;
    out[n] = z0r - z0i;
    out[n + 1] = 0;
    for (let k = 1; k < m; k++) {
      const ar = z[2 * k];
      const ai = z[2 * k + 1];
      const br = z[2 * (m - k)];
      const bi = -z[2 * (m - k) + 1]; // conj(Z[m-k])
      // Fe = (A + B)/2, Fo = (A - B)/(2i)
      const fer = 0.5 * (ar + br);
      const fei = 0.5 * (ai + bi);
      const dr = ar - br;
      const di = ai - bi;
      const for_ = 0.5 * di; // (dr + i di)/(2i) = di/2 - i dr/2
      const foi = -0.5 * dr;
      // X[k] = Fe + W^k Fo, W^k = cos - i sin
      const c = cos[k];
      const s = sin[k];
      out[2 * k] = fer + c * for_ + s * foi;
      out[2 * k + 1] = fei + c * foi - s * for_;
    }
  }

  /** The plan's input buffer, for callers that want to write samples in place (length N). */
  get input(): Float64Array {
    return this.packed;
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
   * Inverse, conjugated and WITHOUT the 1/N factor (fft.js's inverseTransform divides in an extra pass; callers
   * here fold the scale into what they compute next). out = sum_k X[k] e^{+2 pi i k n / N}.
   */
  inverseConjUnscaled(data: Float64Array, out: Float64Array): void {
    // Conjugation trick: ifft(X) * N = conj(fft(conj(X))). Conjugate in place, transform, and
    // leave the result conjugated: callers here only use |z|, which conjugation does not change.
    const n2 = this.n * 2;
    for (let i = 1; i < n2; i += 2) data[i] = -data[i];
    this.fft.transform(out, data);
  }
}
