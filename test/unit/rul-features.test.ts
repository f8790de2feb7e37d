import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHealthFeatureScratch, extractHealthFeatures, FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../../src/prognosis/features.js';
import { errorCode } from '../../src/core/errors.js';

const FS = 25600;
const N = 2560;

function sine(freqHz: number, ampG: number, n = N): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ampG * Math.sin((2 * Math.PI * freqHz * i) / FS);
  return x;
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

test('sine: rms, peak, crest, kurtosis match closed forms', () => {
  const s = createHealthFeatureScratch(N);
  const f = extractHealthFeatures(sine(500, 2), FS, s);
  assert.ok(rel(f[FEATURE_INDEX.rms_g], 2 / Math.SQRT2) < 1e-3, `rms ${f[0]}`);
  assert.ok(rel(f[FEATURE_INDEX.peak_g], 2) < 1e-3);
  assert.ok(rel(f[FEATURE_INDEX.crest_factor], Math.SQRT2) < 2e-3);
  assert.ok(rel(f[FEATURE_INDEX.kurtosis], 1.5) < 1e-2, `kurtosis ${f[FEATURE_INDEX.kurtosis]}`);
  assert.ok(Math.abs(f[FEATURE_INDEX.skewness]) < 1e-2);
});

test('band energies put a tone in its band and the velocity of a 100 Hz tone matches a/(2 pi f)', () => {
  const s = createHealthFeatureScratch(N);
  const f = extractHealthFeatures(sine(2000, 1), FS, s);
  const rms = 1 / Math.SQRT2;
  assert.ok(rel(f[FEATURE_INDEX.band_rms_g_1000_3000], rms) < 0.03, `band ${f[FEATURE_INDEX.band_rms_g_1000_3000]}`);
  assert.ok(f[FEATURE_INDEX.band_rms_g_10_1000] < 0.05 * rms);
  assert.ok(f[FEATURE_INDEX.band_rms_g_6000_nyq] < 0.05 * rms);
  assert.ok(rel(f[FEATURE_INDEX.spectral_centroid_hz], 2000) < 0.02);

  const v = extractHealthFeatures(sine(100, 1), FS, s);
  const expected = (rms * 9.80665 * 1000) / (2 * Math.PI * 100); // mm/s
  assert.ok(rel(v[FEATURE_INDEX.velocity_rms_mm_s], expected) < 0.05, `velocity ${v[FEATURE_INDEX.velocity_rms_mm_s]} vs ${expected}`);
});

test('gaussian noise has kurtosis near 3; impulses raise kurtosis and crest factor', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()) * 0.3;
  const s = createHealthFeatureScratch(N);
  const a = Float64Array.from(extractHealthFeatures(x, FS, s));
  assert.ok(Math.abs(a[FEATURE_INDEX.kurtosis] - 3) < 0.4, `kurtosis ${a[FEATURE_INDEX.kurtosis]}`);
  for (let i = 100; i < N; i += 256) x[i] += 4; // bearing-like impacts
  const b = extractHealthFeatures(x, FS, s);
  assert.ok(b[FEATURE_INDEX.kurtosis] > a[FEATURE_INDEX.kurtosis] + 2);
  assert.ok(b[FEATURE_INDEX.crest_factor] > a[FEATURE_INDEX.crest_factor]);
});

test('writes into a caller-owned buffer and rejects bad arguments with a stable code', () => {
  const s = createHealthFeatureScratch(N);
  const out = new Float64Array(HEALTH_FEATURE_COUNT);
  assert.equal(extractHealthFeatures(sine(300, 1), FS, s, out), out);
  assert.throws(() => extractHealthFeatures(new Float32Array(N + 1), FS, s), (e) => errorCode(e) === 'FEATURE_BAD_ARGUMENT');
  assert.throws(() => extractHealthFeatures(sine(300, 1), 0, s), (e) => errorCode(e) === 'FEATURE_BAD_ARGUMENT');
  assert.throws(() => createHealthFeatureScratch(4), (e) => errorCode(e) === 'FEATURE_BAD_ARGUMENT');
  // a shorter snapshot works with the same scratch (window recomputed)
  const f = extractHealthFeatures(sine(500, 2, 2048), FS, s);
  assert.ok(rel(f[FEATURE_INDEX.rms_g], Math.SQRT2) < 1e-3);
});
