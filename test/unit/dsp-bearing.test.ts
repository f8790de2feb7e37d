import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { faultFrequencies, validateBearing } from '../../src/analysis/vibration/bearing.js';
import { BEARING_6205 } from './dsp-synth.js';

test('6205 defect frequencies match the published CWRU multiples of shaft speed', () => {
  const f = faultFrequencies(BEARING_6205, 1);
  assert.ok(Math.abs(f.BPFI - 5.4152) < 1e-3);
  assert.ok(Math.abs(f.BPFO - 3.5848) < 1e-3);
  assert.ok(Math.abs(f.FTF - 0.39828) < 1e-4);
  assert.ok(Math.abs(2 * f.BSF - 4.7135) < 1e-3);
});

test('contact angle lowers BPFO/raises nothing beyond the formula', () => {
  const f0 = faultFrequencies({ nBalls: 13, ballDiameter: 3.5, pitchDiameter: 25.6, contactAngleDeg: 0 }, 30);
  const f40 = faultFrequencies({ nBalls: 13, ballDiameter: 3.5, pitchDiameter: 25.6, contactAngleDeg: 40 }, 30);
  assert.ok(Math.abs(f0.BPFO - 168.33984375) < 1e-9);
  assert.ok(f40.BPFO > f0.BPFO && f40.BPFI < f0.BPFI);
  assert.ok(Math.abs(f40.BPFO + f40.BPFI - 13 * 30) < 1e-9, 'BPFO + BPFI = n fr');
});

test('invalid geometry is rejected', () => {
  assert.throws(() => validateBearing({ nBalls: 9, ballDiameter: 2, pitchDiameter: 1, contactAngleDeg: 0 }), RangeError);
  assert.throws(() => validateBearing({ nBalls: 2.5, ballDiameter: 1, pitchDiameter: 5, contactAngleDeg: 0 }), RangeError);
});

const datasets = process.env.FABWATCH_DATASETS ?? path.resolve(process.cwd(), '../shared/datasets');
test('defect frequencies equal every sidecar expectedFaultHz', { skip: !existsSync(datasets) && 'datasets not found' }, () => {
  const files = [
    'cwru/12k_DE/1750_IR_7_DE12_DE.json',
    'cwru/12k_DE/1772_ORat6_21_DE12_DE.json',
    'cwru/48k_DE/1797_Normal_DE.json',
    'femto/Learning_set_Bearing1_1_horiz.json',
  ];
  for (const rel of files) {
    const p = path.join(datasets, rel);
    if (!existsSync(p)) continue;
    const j = JSON.parse(readFileSync(p, 'utf8'));
    const f = faultFrequencies(j.bearing, j.shaftHz);
    for (const k of ['BPFO', 'BPFI', 'FTF', 'BSF'] as const) {
      assert.ok(Math.abs(f[k] - j.expectedFaultHz[k]) < 1e-6 * j.expectedFaultHz[k], `${rel} ${k}: ${f[k]} vs ${j.expectedFaultHz[k]}`);
    }
    assert.ok(Math.abs(2 * f.BSF - j.expectedFaultHz.twoBSF) < 1e-6 * j.expectedFaultHz.twoBSF);
  }
});
