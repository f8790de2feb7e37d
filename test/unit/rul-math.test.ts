import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalQuantile, phmAccuracy, rulForward, rulInterval, type RulModelParams } from '../../src/prognosis/rul-math.js';
import { TRUNCATION_FRACTIONS, weightedQuantile, sigmaScaleFrom } from '../../src/prognosis/train/evaluate.js';

test('normal quantiles match tables', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.95) - 1.644854) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-9);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.326348) < 1e-5);
  assert.throws(() => normalQuantile(1));
});

test('PHM 2012 accuracy: exact, -10 % (late) and +20 % (early) points of the challenge figure', () => {
  assert.equal(phmAccuracy(1000, 1000), 1);
  assert.ok(Math.abs(phmAccuracy(1000, 1100) - 0.25) < 1e-12); // Er = -10
  assert.ok(Math.abs(phmAccuracy(1000, 800) - 0.5) < 1e-12); // Er = +20
  assert.ok(phmAccuracy(1000, 1200) < phmAccuracy(1000, 800)); // late punished harder
});

test('challenge truncation fractions come from the challenge tables', () => {
  assert.equal(TRUNCATION_FRACTIONS.length, 11);
  assert.ok(Math.abs(TRUNCATION_FRACTIONS[1] - 11380 / (11380 + 339)) < 1e-12);
  for (const f of TRUNCATION_FRACTIONS) assert.ok(f > 0.5 && f < 1);
});

test('interval from a log-normal: ordered and wider at higher confidence', () => {
  const a = rulInterval(Math.log(1000), 0.5, 0.8);
  const b = rulInterval(Math.log(1000), 0.5, 0.95);
  assert.ok(b.rul_low_s < a.rul_low_s && a.rul_low_s < a.rul_s && a.rul_s < a.rul_high_s && a.rul_high_s < b.rul_high_s);
  assert.ok(Math.abs(a.rul_s - 1000) < 1e-9);
});

test('linear forward pass and calibration factor', () => {
  const p: RulModelParams = { inMean: [0, 0], inStd: [1, 1], hidden: 0, w1: [], b1: [], wMu: [-1, 0], bMu: 5, wSig: [0, 0], bSig: 0, sigmaScale: 2, hiLogRulLow: 0, hiLogRulHigh: 10 };
  const r = rulForward(p, [Math.E, 1]);
  assert.ok(Math.abs(r.mu - 4) < 1e-12);
  assert.ok(Math.abs(r.sigma - 2) < 1e-12);
  assert.ok(Math.abs(r.hi - 0.4) < 1e-12);
  const res = Array.from({ length: 100 }, (_, i) => ({ r: i / 10, w: 1 }));
  assert.ok(Math.abs(weightedQuantile(res, 0.9) - 8.9) < 1e-9);
  assert.ok(Math.abs(sigmaScaleFrom(res) - 8.9 / 1.6448536) < 1e-5);
});
