import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyTimeFeatures, timeFeatures } from '../../src/analysis/vibration/features.js';
import { addImpacts, addSine, gaussianNoise } from './dsp-synth.js';

function feats(x: Float32Array) {
  return timeFeatures(x, x.length, new Float64Array(x.length), emptyTimeFeatures());
}

test('sine: rms A/sqrt2, crest sqrt2, kurtosis 1.5, skewness 0, DC removed', () => {
  const n = 4000;
  const x = addSine(new Float32Array(n).fill(0.25), 4000, 50, 2);
  const f = feats(x);
  assert.ok(Math.abs(f.mean - 0.25) < 1e-6);
  assert.ok(Math.abs(f.rms - Math.SQRT2) < 1e-5);
  assert.ok(Math.abs(f.peak - 2) < 1e-5);
  assert.ok(Math.abs(f.peakToPeak - 4) < 1e-5);
  assert.ok(Math.abs(f.crestFactor - Math.SQRT2) < 1e-4);
  assert.ok(Math.abs(f.kurtosis - 1.5) < 1e-4);
  assert.ok(Math.abs(f.skewness) < 1e-4);
});

test('square wave: kurtosis 1; Gaussian noise: kurtosis 3; impacts: kurtosis >> 3', () => {
  const sq = new Float32Array(1000).map((_, i) => (i % 20 < 10 ? 1 : -1));
  assert.ok(Math.abs(feats(sq).kurtosis - 1) < 1e-9);
  const g = feats(gaussianNoise(1 << 17, 1, 42));
  assert.ok(Math.abs(g.kurtosis - 3) < 0.06, `gaussian kurtosis ${g.kurtosis}`);
  assert.ok(Math.abs(g.skewness) < 0.03);
  const imp = addImpacts(gaussianNoise(1 << 14, 0.01, 1), { fs: 12000, rateHz: 50, resonanceHz: 3000, amp: 1 });
  assert.ok(feats(imp).kurtosis > 10);
});

test('skewness sign: one-sided spikes give positive skewness', () => {
  const x = gaussianNoise(10000, 0.1, 2);
  for (let i = 0; i < x.length; i += 100) x[i] += 2;
  assert.ok(feats(x).skewness > 1);
});
