/**
 * The PFFFT-backed plans (fft-plan.ts) against a naive DFT computed in double precision.
 *
 * Tolerances: the transforms run in float32 (eps = 6e-8) through log2(N) butterfly stages with
 * float32 twiddles, so the error relative to the spectrum's RMS grows like eps * log2(N); we allow
 * 2e-6 for the relative L2 error and 2e-5 of the spectrum's RMS for any single value (N <= 4096:
 * eps * 12 stages = 7e-7; measured 0.6-1.7e-7 for N = 16..4096). A layout or scaling mistake
 * gives errors of order 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { ComplexFft, RealFft, UNORDERED_LAYOUT, fftBackend, fftHeap } from '../../src/analysis/vibration/fft-plan.js';
import { addImpacts, BEARING_6205, gaussianNoise } from './dsp-synth.js';

/** Naive DFT in double: X[k] = sum x[j] e^{sign 2 pi i k j / n}, k = 0..bins-1, interleaved. */
function naiveDft(re: ArrayLike<number>, im: ArrayLike<number> | null, n: number, bins: number, sign: -1 | 1): Float64Array {
  const out = new Float64Array(2 * bins);
  for (let k = 0; k < bins; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      const xr = re[j];
      const xi = im ? im[j] : 0;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    out[2 * k] = sr;
    out[2 * k + 1] = si;
  }
  return out;
}

function assertClose(got: ArrayLike<number>, ref: Float64Array, what: string): void {
  let e2 = 0;
  let r2 = 0;
  let maxErr = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = got[i] - ref[i];
    e2 += d * d;
    r2 += ref[i] * ref[i];
    maxErr = Math.max(maxErr, Math.abs(d));
  }
  const rel = Math.sqrt(e2 / r2);
  const rms = Math.sqrt(r2 / ref.length);
  assert.ok(rel < 2e-6, `${what}: relative L2 error ${rel.toExponential(2)}`);
  assert.ok(maxErr < 2e-5 * rms, `${what}: max error ${maxErr.toExponential(2)} vs spectrum RMS ${rms.toExponential(2)}`);
}

test('a PFFFT WebAssembly backend is active', () => {
  assert.ok(fftBackend() === 'pffft-wasm-simd' || fftBackend() === 'pffft-wasm', fftBackend());
});

for (const n of [32, 64, 256, 1024, 4096]) {
  test(`RealFft(${n}) matches a naive double DFT, DC and Nyquist unpacked to bins 0 and N/2`, () => {
    const x = gaussianNoise(n, 0.1, n);
    // a large DC offset and a Nyquist tone, so a wrong DC/Nyquist unpacking cannot hide in the noise
    for (let i = 0; i < n; i++) x[i] += 3 + (i % 2 ? -2 : 2);
    const plan = new RealFft(n);
    const out = new Float64Array(n + 2);
    plan.forward(x, out);
    const ref = naiveDft(x, null, n, n / 2 + 1, -1);
    assertClose(out, ref, `r2c ${n}`);
    assert.equal(out[1], 0, 'DC imaginary part');
    assert.equal(out[n + 1], 0, 'Nyquist imaginary part');
    // DC = 3N and Nyquist = 2N, plus the noise's share (sigma 0.1 sqrt(N); 6 sigma allowed)
    assert.ok(Math.abs(out[0] - 3 * n) < 0.6 * Math.sqrt(n), `DC ${out[0]}`);
    assert.ok(Math.abs(out[n] - 2 * n) < 0.6 * Math.sqrt(n), `Nyquist ${out[n]}`);
    // run() again on the same input gives the same output (the Nyquist fix-up is idempotent per run)
    const again = Float64Array.from(plan.run());
    for (let i = 0; i < n + 2; i++) assert.equal(again[i], out[i]);
  });
}

for (const n of [16, 64, 256, 2048]) {
  test(`ComplexFft(${n}) forward and inverse match a naive double DFT (unnormalised)`, () => {
    const plan = new ComplexFft(n);
    const x = gaussianNoise(2 * n, 1, 100 + n);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      re[j] = plan.input[2 * j] = x[2 * j];
      im[j] = plan.input[2 * j + 1] = x[2 * j + 1];
    }
    assertClose(plan.forward(), naiveDft(re, im, n, n, -1), `c2c forward ${n}`);
    assertClose(plan.inverse(), naiveDft(re, im, n, n, 1), `c2c inverse ${n}`);
  });
}

test('ComplexFft.inverseFrom reads a band of a RealFft output in place', () => {
  const n = 1024;
  const w = 128;
  const start = 192;
  const r = new RealFft(n);
  const x = gaussianNoise(n, 1, 7);
  for (let i = 0; i < n; i++) r.input[i] = x[i];
  const spec = Float64Array.from(r.run());
  const c = new ComplexFft(w);
  const got = Float64Array.from(c.inverseFrom(r.outputIndex + 2 * start));
  const re = new Float64Array(w);
  const im = new Float64Array(w);
  for (let j = 0; j < w; j++) {
    re[j] = spec[2 * (start + j)];
    im[j] = spec[2 * (start + j) + 1];
  }
  assertClose(got, naiveDft(re, im, w, w, 1), 'inverseFrom');
  // the source spectrum is only read
  for (let i = 0; i < n + 2; i++) assert.equal(r.output[i], spec[i]);
  assert.throws(() => c.inverseFrom(r.outputIndex + 2), RangeError); // not 16-byte aligned
});

for (const w of [16, 64, 256, 2048]) {
  test(`ComplexFft(${w}).forwardUnorderedFrom: the inverse's |z|^2 values, permuted, paired as UNORDERED_LAYOUT says`, () => {
    const n = 4096;
    const r = new RealFft(n);
    const x = gaussianNoise(n, 1, w);
    for (let i = 0; i < n; i++) r.input[i] = x[i];
    r.run();
    const c = new ComplexFft(w);
    const start = n / 4; // a band in the middle of the half spectrum
    const inv = c.inverseFrom(r.outputIndex + 2 * start);
    const want: number[] = [];
    for (let j = 0; j < w; j++) want.push(inv[2 * j] ** 2 + inv[2 * j + 1] ** 2);
    const z = c.forwardUnorderedFrom(r.outputIndex + 2 * start);
    const got: number[] = [];
    for (let b = 0; b < 2 * w; b += 8) {
      for (let j = 0; j < 4; j++) {
        const [re, im] = UNORDERED_LAYOUT === 'split4' ? [z[b + j], z[b + 4 + j]] : [z[b + 2 * j], z[b + 2 * j + 1]];
        got.push(re * re + im * im);
      }
    }
    want.sort((a, b) => a - b);
    got.sort((a, b) => a - b);
    const mean = want.reduce((a, b) => a + b, 0) / w;
    // a wrong re/im pairing mixes bins and moves individual values by O(mean)
    for (let j = 0; j < w; j++) assert.ok(Math.abs(got[j] - want[j]) < 1e-5 * mean, `value ${j}: ${got[j]} vs ${want[j]}`);
  });
}

test('plans keep working after another plan grows the WASM memory (views are re-taken)', () => {
  const small = new RealFft(256);
  const x = gaussianNoise(256, 1, 9);
  small.forward(x, new Float64Array(258));
  const before = Float64Array.from(small.output);
  const oldBuffer = small.input.buffer;
  const big: RealFft[] = [];
  while (fftHeap().buffer === oldBuffer && big.length < 64) big.push(new RealFft(1 << 20)); // 12 MiB each
  assert.notEqual(fftHeap().buffer, oldBuffer, 'the heap should have grown');
  assert.equal(small.input.buffer, fftHeap().buffer, 'views re-pointed to the new memory');
  const out = new Float64Array(258);
  small.forward(x, out);
  for (let i = 0; i < 258; i++) assert.equal(out[i], before[i]);
  assert.ok(big.length > 0);
});

test('an analyzer built before the memory grows gives the same result after', () => {
  const fs = 12000;
  const n = 4096;
  const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 29.5, bearing: BEARING_6205 });
  const x = addImpacts(gaussianNoise(n, 0.05, 2), { fs, rateHz: 105.7, resonanceHz: 3000, amp: 0.3 });
  const r1 = a.analyze(x);
  const first = { v: r1.features.velocityRmsMmS, k: r1.envelope.kurtosis, label: r1.diagnosis.label, amp: Float32Array.from(r1.spectrum.magnitudes), ses: Float32Array.from(r1.envelopeSpectrum.magnitudes) };
  const old = fftHeap().buffer;
  const big: RealFft[] = [];
  while (fftHeap().buffer === old && big.length < 64) big.push(new RealFft(1 << 20));
  const r2 = a.analyze(x);
  assert.equal(r2.features.velocityRmsMmS, first.v);
  assert.equal(r2.envelope.kurtosis, first.k);
  assert.equal(r2.diagnosis.label, first.label);
  assert.deepEqual(r2.spectrum.magnitudes, first.amp);
  assert.deepEqual(r2.envelopeSpectrum.magnitudes, first.ses);
});

test('FFT sizes must be powers of two within PFFFT limits', () => {
  assert.throws(() => new RealFft(1000), RangeError);
  assert.throws(() => new RealFft(16), RangeError);
  assert.throws(() => new ComplexFft(3), RangeError);
  assert.throws(() => new ComplexFft(8), RangeError);
});

test('without WebAssembly SIMD (FABWATCH_FFT_NO_SIMD=1) the scalar build is used and agrees', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = `
    const { RealFft, fftBackend } = await import('./src/analysis/vibration/fft-plan.ts');
    const n = 512, p = new RealFft(n);
    for (let i = 0; i < n; i++) p.input[i] = Math.sin(0.3 * i) + 0.5 * Math.cos(2.1 * i) + 0.25;
    console.log(JSON.stringify({ backend: fftBackend(), out: Array.from(p.run()) }));`;
  const run = (env: NodeJS.ProcessEnv) =>
    JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8' })) as { backend: string; out: number[] };
  const scalar = run({ ...process.env, FABWATCH_FFT_NO_SIMD: '1' });
  assert.equal(scalar.backend, 'pffft-wasm');
  const here = new RealFft(512);
  for (let i = 0; i < 512; i++) here.input[i] = Math.sin(0.3 * i) + 0.5 * Math.cos(2.1 * i) + 0.25;
  const ref = Float64Array.from(here.run()); // this process's backend (SIMD where available)
  assertClose(scalar.out, ref, 'scalar vs this backend');
});
