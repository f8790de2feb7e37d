import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { calibratedFigures, calibratedQuantile, CALIBRATION_GRID, normalisedResidual, validCalibration, type RulCalibration } from '../../src/prognosis/rul-calibration.js';
import { buildCalibration, type CalibrationSample } from '../../src/prognosis/train/evaluate.js';

const spread = { median: 1000, low90: 100, high90: 5000 };

test('normalised residual: 0 at the median, +-1 at the ends of the model 90 % interval; the quantile map inverts it', () => {
  assert.equal(normalisedResidual(1000, spread), 0);
  assert.ok(Math.abs(normalisedResidual(5000, spread) - 1) < 1e-12);
  assert.ok(Math.abs(normalisedResidual(100, spread) + 1) < 1e-12);
  // a table that is the identity on u: t(p) gives back y for u = Q(p)
  const q = CALIBRATION_GRID.map((p) => 2 * p - 1);
  const cal: RulCalibration = { grid: [...CALIBRATION_GRID], byState: { no_degradation: q, degrading: q } };
  for (const y of [150, 700, 1000, 2400, 4800]) {
    const u = normalisedResidual(y, spread);
    const p = (u + 1) / 2;
    assert.ok(Math.abs(calibratedQuantile(cal, 'degrading', spread, p) - y) / y < 1e-9, `y ${y}`);
  }
});

test('conformal table from residuals: covers the calibration set at the nominal level, per state, bearings weighted equally', () => {
  // bearing A: many degrading residuals around +0.5; bearing B: few around -0.5 -> equal weight
  const samples: CalibrationSample[] = [];
  for (let i = 0; i < 1000; i++) samples.push({ bearing: 'A', state: 'degrading', u: 0.5 + (i / 1000 - 0.5) * 0.1 });
  for (let i = 0; i < 10; i++) samples.push({ bearing: 'B', state: 'degrading', u: -0.5 + (i / 10 - 0.5) * 0.1 });
  for (let i = 0; i < 100; i++) samples.push({ bearing: 'A', state: 'no_degradation', u: 3 * (i / 100 - 0.5) });
  const cal = buildCalibration(samples);
  assert.ok(validCalibration(cal));
  const med = cal.byState.degrading[CALIBRATION_GRID.indexOf(0.5)];
  assert.ok(med < 0 && med > -0.6, `equal bearing weights put the median between the bearings: ${med}`);
  // 90 % interval of no_degradation covers ~90 % of its own residuals
  const f = calibratedFigures(cal, 'no_degradation', spread, 0.9, 0.2);
  const us = samples.filter((s) => s.state === 'no_degradation').map((s) => s.u);
  const lo = normalisedResidual(f.rul_low_s, spread);
  const hi = normalisedResidual(f.rul_high_s, spread);
  const covered = us.filter((u) => u >= lo - 1e-9 && u <= hi + 1e-9).length / us.length;
  assert.ok(covered >= 0.88 && covered <= 0.93, `coverage ${covered}`);
  assert.ok(f.rul_low_s <= f.rul_s && f.rul_s <= f.rul_high_s && f.rul_lower_bound_s >= f.rul_low_s);
});

test('the shipped card carries a valid, monotone calibration for both states', () => {
  const card = JSON.parse(readFileSync(new URL('../../models/rul.json', import.meta.url), 'utf8'));
  const cal = validCalibration(card.calibration);
  assert.ok(cal, 'models/rul.json calibration');
  assert.equal(validCalibration({ ...cal, byState: { ...cal.byState, degrading: [...cal.byState.degrading].reverse() } }), null);
});
