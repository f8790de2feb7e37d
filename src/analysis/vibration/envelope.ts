/**
 * Envelope analysis (Randall & Antoni 2011; Antoni 2006/2007) on the raw half spectrum of one
 * window, so the forward FFT is shared with the amplitude spectrum:
 *
 * 1. Band selection by a frequency-domain kurtogram. Candidate bands form a dyadic tree like the
 *    fast kurtogram's (width fs/4, fs/8, ... at level 1, 2, ...), with half-overlapping positions
 *    at each level (the fast kurtogram's 1/3-levels serve the same purpose: not missing a resonance
 *    that straddles two dyadic bands). For each band the complex envelope is the inverse FFT of the
 *    band's bins shifted to baseband, critically sampled (ideal rectangular filter); its spectral
 *    kurtosis is K = <|z|^4> / <|z|^2>^2 - 2 (0 for Gaussian noise, < 0 for a steady tone, > 0 for
 *    repetitive impacts). The band with the largest K is chosen. Bands narrower than
 *    `minBandHz` are not considered: the squared envelope of a band of width B only holds modulation
 *    frequencies below B, and we want at least three harmonics of the highest defect frequency
 *    (Randall & Antoni 2011, sec. 3.3: the band must be wide enough to contain the sidebands).
 * 2. Squared envelope spectrum (SES) of the chosen band: analytic signal = inverse FFT of the
 *    one-sided band (oversampled x2 so |z|^2 does not alias), squared magnitude, real FFT,
 *    Hann applied in the frequency domain. The SES bin width equals the raw spectrum's.
 *
 * SES scaling: ses[k] is the amplitude of the squared envelope's component at k*df divided by the
 * mean squared envelope (a modulation depth, dimensionless). Diagnosis only uses ratios of it to
 * its local median, so this choice only matters for display.
 */
import { ComplexFft, RealFft, UNORDERED_LAYOUT, fftHeap } from './fft-plan.js';

const SPLIT4 = UNORDERED_LAYOUT === 'split4';

export interface EnvelopeOptions {
  /** Narrowest band considered, Hz (default fs/32). */
  minBandHz?: number;
  /** Bands reaching above this frequency are skipped (sensor bandwidth), Hz. Default Nyquist. */
  maxHz?: number;
  /** Bands starting below this frequency are skipped, Hz. Default 0. */
  minHz?: number;
}

export interface EnvelopeBand {
  lowHz: number;
  highHz: number;
  /** Spectral kurtosis of the band's complex envelope. */
  kurtosis: number;
}

interface Candidate {
  start: number;
  width: number;
}

export class EnvelopePlan {
  readonly n: number;
  readonly df: number;
  /** Length of the SES output (bins 0..sesBins-1, bin width df). */
  readonly sesBins: number;
  private readonly candidates: Candidate[];
  private readonly starts: Int32Array;
  private readonly widths: Int32Array;
  /** Plans indexed by log2(size). */
  private readonly cplans: ComplexFft[] = [];
  private readonly rplans: RealFft[] = [];
  /** A half spectrum that is not on the WASM heap is copied here first (N + 2 floats). */
  private readonly staging: RealFft;

  constructor(n: number, sampleRateHz: number, opts: EnvelopeOptions = {}) {
    this.n = n;
    this.df = sampleRateHz / n;
    const half = n >> 1;
    const minBandHz = opts.minBandHz ?? sampleRateHz / 32;
    const maxHz = opts.maxHz ?? sampleRateHz / 2;
    const minHz = opts.minHz ?? 0;
    const minW = Math.max(16, Math.ceil(minBandHz / this.df));
    const cands: Candidate[] = [];
    for (let w = half; w >= minW; w >>= 1) {
      const step = w === half ? w : w >> 1;
      for (let s = 0; s + w <= half; s += step) {
        if (s * this.df < minHz || (s + w) * this.df > maxHz + 1e-9) continue;
        cands.push({ start: s, width: w });
      }
    }
    if (cands.length === 0) {
      // Sensor band narrower than the narrowest allowed band: use the widest band that fits.
      let w = half;
      while (w > 16 && w * this.df > maxHz) w >>= 1;
      cands.push({ start: 0, width: w });
    }
    this.candidates = cands;
    this.starts = Int32Array.from(cands, (c) => c.start);
    this.widths = Int32Array.from(cands, (c) => c.width);
    let narrowest = half;
    for (const c of cands) {
      narrowest = Math.min(narrowest, c.width);
      const lw = Math.log2(c.width);
      this.cplans[lw] ??= new ComplexFft(c.width);
      this.cplans[lw + 1] ??= new ComplexFft(2 * c.width);
      this.rplans[lw + 1] ??= new RealFft(2 * c.width);
    }
    this.sesBins = narrowest + 1;
    this.staging = new RealFft(n); // only its output buffer is used
  }

  /** Number of candidate bands the kurtogram evaluates per window (for docs and benchmarks). */
  get candidateCount(): number {
    return this.candidates.length;
  }

  /**
   * Float index in fftHeap() of the half spectrum `raw`: its own when it is a 16-byte-aligned view
   * on the WASM heap (a RealFft's output: no copy), else a copy in the staging buffer.
   */
  private locate(raw: Float32Array, h: Float32Array): number {
    if (raw.buffer === h.buffer && (raw.byteOffset & 15) === 0) return raw.byteOffset >> 2;
    const si = this.staging.outputIndex;
    const len = this.n + 2;
    for (let i = 0; i < len; i++) h[si + i] = raw[i];
    return si;
  }

  /**
   * Spectral kurtosis of one band [start, start + width) of the half spectrum at heap index `ri`.
   * K only needs the moments of |z| over the band's complex envelope z (the inverse FFT of the band
   * shifted to baseband), which do not depend on the order of the samples: so the band is read in
   * place and transformed FORWARD into PFFFT's internal order (same magnitudes as the inverse, in
   * another order: fft-plan.ts), skipping the copy, the conjugation and the reordering pass.
   * The sums run per SIMD lane (4 partial sums of each moment, added at the end).
   */
  private bandKurtosis(ri: number, start: number, width: number): number {
    const z = this.cplans[31 - Math.clz32(width)].forwardUnorderedFrom(ri + 2 * start);
    const len = 2 * width;
    let s2 = 0;
    let s4 = 0;
    if (SPLIT4) {
      // blocks of 8 floats: re of 4 bins, then their im
      let a2 = 0;
      let b2 = 0;
      let c2 = 0;
      let d2 = 0;
      let a4 = 0;
      let b4 = 0;
      let c4 = 0;
      let d4 = 0;
      for (let i = 0; i < len; i += 8) {
        const r0 = z[i];
        const r1 = z[i + 1];
        const r2 = z[i + 2];
        const r3 = z[i + 3];
        const i0 = z[i + 4];
        const i1 = z[i + 5];
        const i2 = z[i + 6];
        const i3 = z[i + 7];
        const p0 = r0 * r0 + i0 * i0;
        const p1 = r1 * r1 + i1 * i1;
        const p2 = r2 * r2 + i2 * i2;
        const p3 = r3 * r3 + i3 * i3;
        a2 += p0;
        b2 += p1;
        c2 += p2;
        d2 += p3;
        a4 += p0 * p0;
        b4 += p1 * p1;
        c4 += p2 * p2;
        d4 += p3 * p3;
      }
      s2 = a2 + b2 + (c2 + d2);
      s4 = a4 + b4 + (c4 + d4);
    } else {
      for (let i = 0; i < len; i += 2) {
        const re = z[i];
        const im = z[i + 1];
        const p = re * re + im * im;
        s2 += p;
        s4 += p * p;
      }
    }
    return s2 > 0 ? (width * s4) / (s2 * s2) - 2 : 0;
  }

  /**
   * Selects the band and writes its SES into `ses` (length >= sesBins). `raw` is the rectangular
   * half spectrum of the mean-removed window (N + 2 numbers; best a RealFft's output, used in
   * place). Returns the chosen band.
   */
  run(raw: Float32Array, ses: Float32Array, band: EnvelopeBand): EnvelopeBand {
    const h = fftHeap();
    const ri = this.locate(raw, h);
    // DC stays out of every band (the mean was removed; keep the window's residue out): zeroed in
    // place for this call and restored below.
    const dcRe = h[ri];
    const dcIm = h[ri + 1];
    h[ri] = 0;
    h[ri + 1] = 0;
    let best = -Infinity;
    let bs = 0;
    let bw = this.widths[0];
    const starts = this.starts;
    const widths = this.widths;
    for (let c = 0; c < starts.length; c++) {
      const k = this.bandKurtosis(ri, starts[c], widths[c]);
      if (k > best) {
        best = k;
        bs = starts[c];
        bw = widths[c];
      }
    }
    band.lowHz = bs * this.df;
    band.highHz = (bs + bw) * this.df;
    band.kurtosis = best;
    this.sesAt(h, ri, bs, bw, ses);
    h[ri] = dcRe;
    h[ri + 1] = dcIm;
    return band;
  }

  /** SES of band [start, start + width) of the half spectrum `raw` into ses[0..sesBins-1]. */
  squaredEnvelopeSpectrum(raw: Float32Array, start: number, width: number, ses: Float32Array): void {
    const h = fftHeap();
    const ri = this.locate(raw, h);
    const dcRe = h[ri];
    const dcIm = h[ri + 1];
    h[ri] = 0;
    h[ri + 1] = 0;
    this.sesAt(h, ri, start, width, ses);
    h[ri] = dcRe;
    h[ri + 1] = dcIm;
  }

  private sesAt(h: Float32Array, ri: number, start: number, width: number, ses: Float32Array): void {
    const m = 2 * width;
    const lm = 31 - Math.clz32(m);
    const cp = this.cplans[lm];
    // analytic signal oversampled x2: the one-sided band, then `width` zeros
    const ci = cp.inputIndex;
    h.copyWithin(ci, ri + 2 * start, ri + 2 * (start + width));
    h.fill(0, ci + 2 * width, ci + 2 * m);
    const z = cp.inverse();
    const rf = this.rplans[lm];
    const e = rf.input;
    for (let i = 0; i < m; i++) {
      const re = z[2 * i];
      const im = z[2 * i + 1];
      e[i] = re * re + im * im;
    }
    const E = rf.run();
    // Hann in the frequency domain, normalised by the mean squared envelope (E[0] / m).
    const e0 = E[0];
    E[0] = 0; // the mean of the squared envelope must not leak into bin 1 through the window
    E[1] = 0;
    // amplitude 4|Xw|/m over mean E0/m; with re/im below = 2 Xw that is 2 |re + i im| / E0
    const scale = e0 > 0 ? 2 / e0 : 0;
    const half = m >> 1;
    const bins = Math.min(this.sesBins, half);
    ses[0] = 0;
    for (let k = 1; k < bins; k++) {
      const re = E[2 * k] - 0.5 * (E[2 * k - 2] + E[2 * k + 2]);
      const im = E[2 * k + 1] - 0.5 * (E[2 * k - 1] + E[2 * k + 3]);
      ses[k] = scale * Math.sqrt(re * re + im * im);
    }
    for (let k = bins; k < this.sesBins; k++) ses[k] = 0;
  }
}
