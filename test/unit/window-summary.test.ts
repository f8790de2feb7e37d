import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowSummarizer } from '../../src/analysis/window-summary.js';

test('a sine of known amplitude and frequency is found in the spectrum with the right amplitude and RMS', () => {
  const n = 2048;
  const fs = 1600;
  const s = new WindowSummarizer(n, fs, 64);
  const f0 = 100 * (fs / n) * 2; // exactly on a bin: 156.25 Hz
  const amp = 0.3;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const z = new Float32Array(n).fill(1); // gravity only: removed as DC
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * f0 * i) / fs);
  const r = s.summarize(x, y, z);
  assert.equal(r.dominantAxis, 'x');
  assert.ok(Math.abs(r.spectrum.peakHz - f0) < 1e-9, `peak at ${r.spectrum.peakHz}`);
  assert.ok(Math.abs(r.spectrum.peakAmplitude - amp) / amp < 0.01, `amplitude ${r.spectrum.peakAmplitude}`);
  assert.ok(Math.abs(r.rms - amp / Math.SQRT2) < 1e-3, `rms ${r.rms}`);
  assert.ok(Math.abs(r.peak - amp) < 1e-3);
  assert.equal(r.axes.z.rms, 0);
});

test('rejects a window size that is not a power of two', () => {
  assert.throws(() => new WindowSummarizer(1000, 1600, 8), /not a power of two/);
});
