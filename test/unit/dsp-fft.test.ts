import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComplexFft, RealFft, fftBuffer } from '../../src/analysis/vibration/fft-plan.js';
import { gaussianNoise } from './dsp-synth.js';

function naiveDft(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      re += x[j] * Math.cos((2 * Math.PI * k * j) / n);
      im -= x[j] * Math.sin((2 * Math.PI * k * j) / n);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

for (const n of [8, 64, 256, 1024]) {
  test(`RealFft(${n}) matches a naive DFT`, () => {
    const x = gaussianNoise(n, 1, n);
    const plan = new RealFft(n);
    const out = new Float64Array(n + 2);
    plan.forward(x, out);
    const ref = naiveDft(x);
    let maxErr = 0;
    for (let i = 0; i < n + 2; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - ref[i]));
    assert.ok(maxErr < 1e-9 * n, `max error ${maxErr}`);
  });
}

test('ComplexFft.inverseMagnitudeFromConj gives conj(N * ifft) from the conjugated spectrum', () => {
  const n = 64;
  const plan = new ComplexFft(n);
  const x = gaussianNoise(2 * n, 1, 3);
  const data = fftBuffer(2 * n);
  for (let i = 0; i < 2 * n; i++) data[i] = x[i];
  const spec = fftBuffer(2 * n);
  plan.forward(data, spec);
  const back = fftBuffer(2 * n);
  for (let i = 1; i < 2 * n; i += 2) spec[i] = -spec[i];
  plan.inverseMagnitudeFromConj(spec, back);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(back[2 * i] / n - x[2 * i]) < 1e-9);
    assert.ok(Math.abs(-back[2 * i + 1] / n - x[2 * i + 1]) < 1e-9);
  }
});

test('FFT sizes must be powers of two', () => {
  assert.throws(() => new RealFft(1000), RangeError);
  assert.throws(() => new ComplexFft(3), RangeError);
});
