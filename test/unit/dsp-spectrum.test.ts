import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealFft } from '../../src/analysis/vibration/fft-plan.js';
import { bandRms, hannPowerAndAmplitude, toneAmplitude } from '../../src/analysis/vibration/spectrum.js';
import { hannPeriodic } from '../../src/analysis/vibration/window.js';
import { WelchPlan } from '../../src/analysis/vibration/welch.js';
import { addSine, gaussianNoise } from './dsp-synth.js';

const fs = 4096;
const n = 4096; // 1 Hz bins

function spectra(x: Float32Array): { power: Float64Array; amp: Float32Array; raw: Float64Array } {
  const plan = new RealFft(n);
  const raw = new Float64Array(n + 2);
  plan.forward(x, raw);
  const power = new Float64Array(n / 2 + 1);
  const amp = new Float32Array(n / 2 + 1);
  hannPowerAndAmplitude(raw, n, power, amp);
  return { power, amp, raw };
}

test('a bin-centred tone reads its peak amplitude at its frequency', () => {
  const x = addSine(new Float32Array(n), fs, 100, 0.7);
  const { amp } = spectra(x);
  assert.ok(Math.abs(amp[100] - 0.7) < 1e-4, `amp ${amp[100]}`);
  assert.ok(amp[110] < 1e-6);
});

test('frequency-domain Hann equals the time-domain Hann window', () => {
  const x = gaussianNoise(n, 1, 11);
  const { amp } = spectra(x);
  const w = hannPeriodic(n);
  const xw = new Float64Array(n);
  for (let i = 0; i < n; i++) xw[i] = x[i] * w[i];
  const raw = new Float64Array(n + 2);
  new RealFft(n).forward(xw, raw);
  for (const k of [0, 1, 7, 500, 2047, 2048]) {
    const edge = k === 0 || k === n / 2 ? 0.5 : 1; // DC and Nyquist are not doubled (single-sided)
    const ref = (edge * 2 * Math.hypot(raw[2 * k], raw[2 * k + 1])) / (n * 0.5);
    assert.ok(Math.abs(amp[k] - ref) < 1e-5 * Math.max(1, ref), `bin ${k}: ${amp[k]} vs ${ref}`);
  }
});

test('off-bin tone: toneAmplitude recovers the amplitude, band RMS = A / sqrt 2', () => {
  const x = addSine(new Float32Array(n), fs, 123.4, 2);
  const { power, amp } = spectra(x);
  const t = toneAmplitude(power, fs / n, 123.4, 2);
  assert.ok(Math.abs(t.amplitude - 2) / 2 < 0.03, `tone amplitude ${t.amplitude}`);
  assert.ok(Math.abs(t.freqHz - 123) <= 1);
  assert.ok(amp[123] < 2 && amp[123] > 2 * 0.84, 'scalloping is at most 1.42 dB');
  const r = bandRms(power, fs / n, 100, 150);
  assert.ok(Math.abs(r - 2 / Math.SQRT2) < 0.01, `band rms ${r}`);
});

test('Parseval: the power spectrum of white noise sums to its variance', () => {
  const x = gaussianNoise(n, 0.3, 5);
  const { power } = spectra(x);
  let ms = 0;
  for (let i = 0; i < n; i++) ms += x[i] * x[i];
  const total = bandRms(power, 1, 0, fs / 2);
  // Hann-weighted energy equals the plain energy only in expectation: allow 5 %.
  assert.ok(Math.abs(total - Math.sqrt(ms / n)) / Math.sqrt(ms / n) < 0.05, `${total} vs ${Math.sqrt(ms / n)}`);
});

test('Welch: averaged noise floor is flat at sigma^2 / (fs/2) per Hz and a tone stands out', () => {
  const len = 16 * 1024;
  const x = gaussianNoise(len, 0.1, 9);
  addSine(x, fs, 250, 0.05);
  const plan = new WelchPlan(1024);
  const segs = plan.run(x);
  assert.equal(segs, 31);
  const p = plan.acc.meanPower(new Float64Array(513));
  const df = fs / 1024;
  // Expected per-bin power of white noise: sigma^2 * df / (fs/2).
  const expected = (0.1 * 0.1 * df) / (fs / 2);
  let mean = 0;
  for (let k = 300; k < 500; k++) mean += p[k];
  mean /= 200;
  assert.ok(Math.abs(mean - expected) / expected < 0.1, `floor ${mean} vs ${expected}`);
  const a = plan.acc.amplitude(new Float64Array(513));
  const t = toneAmplitude(p, df, 250, 4);
  assert.ok(Math.abs(t.amplitude - 0.05) / 0.05 < 0.05, `tone ${t.amplitude}`);
  assert.ok(a[Math.round(250 / df)] > 5 * Math.sqrt(2 * expected));
});
