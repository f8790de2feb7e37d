import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { ISO20816_PRESETS, isoZone, updateZone, validateZoneLimits } from '../../src/analysis/vibration/iso20816.js';
import { isoVelocityBand } from '../../src/analysis/vibration/velocity.js';
import { addSine } from './dsp-synth.js';

const g = 9.80665;

test('velocity RMS of a sine: A g / (2 pi f) / sqrt 2 in mm/s, on- and off-bin', () => {
  const fs = 4096;
  const n = 4096;
  const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 25 });
  for (const f of [100, 159.3, 40.5, 800]) {
    const x = addSine(new Float32Array(n), fs, f, 0.5);
    const v = a.analyze(x).features.velocityRmsMmS;
    const expected = ((0.5 * g) / (2 * Math.PI * f)) * 1000 / Math.SQRT2;
    assert.ok(Math.abs(v - expected) / expected < 0.02, `${f} Hz: ${v} vs ${expected}`);
  }
});

test('velocity ignores content outside the ISO band (5 Hz, 1500 Hz) and DC', () => {
  const fs = 4096;
  const n = 4096;
  const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 25 });
  const x = addSine(new Float32Array(n).fill(1), fs, 5, 0.5);
  addSine(x, fs, 1500, 0.5);
  const v = a.analyze(x).features.velocityRmsMmS;
  const inBand100 = ((0.5 * g) / (2 * Math.PI * 100)) * 1000 / Math.SQRT2;
  assert.ok(v < 0.02 * inBand100, `out-of-band leak ${v}`);
});

test('ISO band: 10-1000 Hz at >= 600 r/min, 2-1000 Hz below, clipped at Nyquist', () => {
  assert.deepEqual(isoVelocityBand(25, 4000), { lowHz: 10, highHz: 1000 });
  assert.deepEqual(isoVelocityBand(5, 4000), { lowHz: 2, highHz: 1000 });
  assert.deepEqual(isoVelocityBand(25, 1600), { lowHz: 10, highHz: 800 });
});

test('zones A/B/C/D at the preset limits, and the zone reported by the analyzer', () => {
  const l = ISO20816_PRESETS.group2_rigid;
  assert.equal(isoZone(1.39, l), 'A');
  assert.equal(isoZone(1.4, l), 'B');
  assert.equal(isoZone(2.8, l), 'C');
  assert.equal(isoZone(4.5, l), 'D');
  for (const v of [0, 1.39, 1.4, 2.79, 2.8, 4.49, 4.5, 100]) {
    const r = { velocityRmsMmS: v, zone: 'A' as const as ReturnType<typeof isoZone> };
    updateZone(r, l);
    assert.equal(r.zone, isoZone(v, l));
  }
  assert.deepEqual(ISO20816_PRESETS.group1_flexible, { ab: 3.5, bc: 7.1, cd: 11.0 });
  assert.throws(() => validateZoneLimits({ ab: 2, bc: 1, cd: 3 }), RangeError);
  const fs = 4096;
  const n = 4096;
  const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 25, zoneLimits: { ab: 0.5, bc: 1, cd: 2 } });
  // 1.5 mm/s rms at 100 Hz -> zone C with these limits
  const amp = (1.5 * Math.SQRT2 * 2 * Math.PI * 100) / 1000 / g;
  const r = a.analyze(addSine(new Float32Array(n), fs, 100, amp));
  assert.ok(Math.abs(r.iso20816.velocityRmsMmS - 1.5) < 0.03);
  assert.equal(r.iso20816.zone, 'C');
});
