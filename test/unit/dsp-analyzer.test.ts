import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { DiagnosisVote } from '../../src/analysis/vibration/aggregate.js';
import { createMultiAxisAnalyzer } from '../../src/analysis/vibration/multi-axis.js';
import { toSerializable } from '../../src/analysis/vibration/serialize.js';
import { windowSizeForResolution } from '../../src/analysis/vibration/window-size.js';
import { addImpacts, addSine, BEARING_6205, gaussianNoise } from './dsp-synth.js';
import { faultFrequencies } from '../../src/analysis/vibration/bearing.js';

const opts = { sampleRateHz: 4096, windowSize: 4096, shaftHz: 25, bearing: BEARING_6205 };

test('options are validated once, at set-up', () => {
  assert.throws(() => createVibrationAnalyzer({ ...opts, windowSize: 3000 }), RangeError);
  assert.throws(() => createVibrationAnalyzer({ ...opts, sampleRateHz: 0 }), RangeError);
  assert.throws(() => createVibrationAnalyzer({ ...opts, bearing: { ...BEARING_6205, pitchDiameter: 0.1 } }), RangeError);
  assert.throws(() => createVibrationAnalyzer({ ...opts, zoneLimits: { ab: 3, bc: 2, cd: 4 } }), RangeError);
  assert.throws(() => createVibrationAnalyzer(opts).analyze(new Float32Array(100)), RangeError);
});

test('the result object and its arrays are reused between calls (documented ownership)', () => {
  const a = createVibrationAnalyzer(opts);
  const r1 = a.analyze(addSine(new Float32Array(4096), 4096, 100, 1));
  const spec = r1.spectrum.magnitudes;
  const before = spec[100];
  const r2 = a.analyze(addSine(new Float32Array(4096), 4096, 100, 2));
  assert.equal(r1, r2);
  assert.equal(r2.spectrum.magnitudes, spec);
  assert.ok(Math.abs(spec[100] - 2 * before) < 1e-4);
});

test('same input, same answer (no state leaks between windows)', () => {
  const a = createVibrationAnalyzer(opts);
  const x = addImpacts(gaussianNoise(4096, 0.05, 1), { fs: 4096, rateHz: 90, resonanceHz: 1200, amp: 0.3 });
  const first = JSON.stringify(toSerializable(a.analyze(x)));
  a.analyze(gaussianNoise(4096, 1, 2), 40);
  assert.equal(JSON.stringify(toSerializable(a.analyze(x))), first);
});

test('per-call shaft speed moves the defect frequencies', () => {
  const a = createVibrationAnalyzer(opts);
  const r = a.analyze(gaussianNoise(4096, 0.1, 3), 30);
  assert.ok(Math.abs((r.faultFrequencies?.BPFO ?? 0) - faultFrequencies(BEARING_6205, 30).BPFO) < 1e-9);
});

test('toSerializable is a JSON-safe deep copy with band spectra', () => {
  const a = createVibrationAnalyzer(opts);
  const x = addSine(new Float32Array(4096), 4096, 100, 1);
  const s = toSerializable(a.analyze(x), { spectrumBands: 32 });
  const j = JSON.parse(JSON.stringify(s));
  assert.equal(j.spectrum.values.length, 32); // bins 0..2047 in bands of 64
  assert.equal(j.spectrum.bandHz, 64);
  // band RMS holds the tone's RMS
  const band = Math.floor(100 / j.spectrum.bandHz);
  assert.ok(Math.abs(j.spectrum.values[band] - Math.SQRT1_2) < 0.01);
  for (const k of ['features', 'iso20816', 'faultFrequencies', 'diagnosis']) assert.ok(k in j);
  a.analyze(new Float32Array(4096));
  assert.ok(Math.abs(s.features.rms - Math.SQRT1_2) < 1e-3, 'copy unaffected by the next call');
});

test('multi-axis: the axis with the worst zone is dominant', () => {
  const m = createMultiAxisAnalyzer({ ...opts, zoneLimits: { ab: 0.5, bc: 1, cd: 2 } }, 3);
  const quiet = gaussianNoise(4096, 0.001, 1);
  const loud = addSine(new Float32Array(4096), 4096, 50, 0.2);
  const { results, dominantAxis } = m.analyze([quiet, loud, quiet]);
  assert.equal(dominantAxis, 1);
  assert.equal(results[1].iso20816.zone, 'D');
  assert.notEqual(results[0], results[1]);
});

test('vote: a fault needs a majority of windows', () => {
  const v = new DiagnosisVote();
  const d = (label: 'none' | 'outer_race', confidence: number) => ({ diagnosis: { label, confidence, evidence: [], candidates: [] } });
  v.add(d('outer_race', 0.9));
  v.add(d('none', 0.6));
  assert.equal(v.result().label, 'none');
  v.add(d('outer_race', 0.8));
  const r = v.result();
  assert.equal(r.label, 'outer_race');
  assert.ok(Math.abs(r.confidence - (2 / 3) * 0.85) < 1e-9);
  const recent = new DiagnosisVote(2);
  recent.add(d('outer_race', 0.9));
  recent.add(d('none', 0.6));
  recent.add(d('none', 0.6));
  assert.equal(recent.result().label, 'none');
  assert.equal(recent.result().windows, 2);
});

test('window rule: smallest power of two with bins <= 1 Hz', () => {
  assert.equal(windowSizeForResolution(12000), 16384);
  assert.equal(windowSizeForResolution(3200), 4096);
  assert.equal(windowSizeForResolution(25600), 32768);
});

test('bandReselectEvery keeps the kurtogram band between selections, SES still per window', () => {
  const a = createVibrationAnalyzer({ ...opts, bandReselectEvery: 3 });
  const b = createVibrationAnalyzer(opts);
  const x1 = addImpacts(gaussianNoise(4096, 0.05, 1), { fs: 4096, rateHz: 90, resonanceHz: 1200, amp: 0.3 });
  const x2 = addImpacts(gaussianNoise(4096, 0.05, 2), { fs: 4096, rateHz: 90, resonanceHz: 400, amp: 0.3 });
  const band1 = { ...a.analyze(x1).envelope };
  const r2 = a.analyze(x2);
  assert.deepEqual({ lowHz: r2.envelope.lowHz, highHz: r2.envelope.highHz }, { lowHz: band1.lowHz, highHz: band1.highHz });
  const ref = b.analyze(x2);
  assert.notDeepEqual({ lowHz: ref.envelope.lowHz, highHz: ref.envelope.highHz }, { lowHz: band1.lowHz, highHz: band1.highHz });
});
