/**
 * An accelerated simulated life: the simulator's vibration model (the one behind the simulated
 * ADXL345) with an outer-race defect growing exponentially until its impacts reach 20 g (the
 * FEMTO end-of-life criterion). Snapshots go through exactly the gateway path (RulFeed: health
 * features -> per-robot tracker -> ONNX model). The RUL must fall as the defect grows, every
 * predicted failure time must come before the simulated one, and the trend must be monotone
 * within its interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { VibrationModel } from '../../simulators/vibration-model.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { RulFeed } from '../../src/monitor/rul-feed.js';
import type { RulEstimate } from '../../src/prognosis/rul-tracker.js';

const modelPath = fileURLToPath(new URL('../../models/rul.onnx', import.meta.url));

test('a growing simulated bearing defect drives RUL down; predicted failure precedes the simulated one', { timeout: 120_000 }, async () => {
  const fs = 1600;
  const n = 2048;
  const startG = 0.05;
  const growthPerHour = 0.8;
  const failureG = 20;
  const failureS = (Math.log(failureG / startG) / growthPerHour) * 3600; // ~7.5 h
  const healthyS = 1800; // defect-free running-in first (baseline learning)
  const sim = new VibrationModel({ shaftHz: 29.5, imbalanceG: 0.05, misalignmentG: 0, noiseG: 0.02, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 550, seed: 5, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 } });
  const worn = (ageS: number) => new VibrationModel({ shaftHz: 29.5, imbalanceG: 0.05, misalignmentG: 0, noiseG: 0.02, defect: 'outer_race', defectSeverityG: startG, defectGrowthPerHour: growthPerHour, resonanceHz: 550, seed: 5, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 } }, ageS / 3600);

  const model = new RulModel({ modelPath });
  await model.start();
  try {
    const rul = new RulFeed({ robotId: 'sim', windowSize: n, snapshotIntervalMs: 10_000, confidenceLevel: 0.9 }, () => model);
    const x = new Float32Array(n);
    const out = new Float64Array(3);
    const estimates: Array<{ t: number; e: RulEstimate }> = [];
    const stepS = 10;
    for (let t = 0; t < healthyS + failureS; t += stepS) {
      // A fresh model at this age gives the snapshot's signal (exact defect amplitude at age t).
      const m = t < healthyS ? sim : worn(t - healthyS);
      for (let i = 0; i < n; i++) {
        m.next(1 / fs, out);
        x[i] = out[0];
      }
      const e = await rul.onWindow(x, fs, t * 1000);
      if (e && e.baseline_ready && t % 600 === 0) estimates.push({ t, e });
    }
    if (process.env.RUL_TRACE) for (const { t, e } of estimates) console.log((t / 3600).toFixed(2), Math.round(e.model_estimate.rul_s), Math.round(e.model_estimate.rul_low_s), Math.round(e.model_estimate.rul_high_s), e.health_score, ((t + e.model_estimate.rul_s) / 3600).toFixed(2));
    assert.ok(estimates.length > 20, `estimates made: ${estimates.length}`);
    const simulatedFailure = healthyS + failureS;
    const defectOnset = estimates.filter(({ t }) => t >= healthyS + failureS * 0.5);
    for (const { t, e } of defectOnset) {
      assert.ok(t + e.model_estimate.rul_s <= simulatedFailure, `at ${(t / 3600).toFixed(2)} h predicted failure ${((t + e.model_estimate.rul_s) / 3600).toFixed(2)} h is after the simulated ${(simulatedFailure / 3600).toFixed(2)} h`);
    }
    // the state machine: no degradation while healthy (a lower bound only), degrading at the end
    for (const { t, e } of estimates.filter(({ t }) => t < healthyS)) assert.equal(e.rul_state, 'no_degradation', `at ${t} s`);
    assert.equal(estimates.at(-1)!.e.rul_state, 'degrading');
    const early = estimates.find(({ t }) => t >= healthyS)!.e;
    const late = estimates.at(-1)!.e;
    assert.ok(late.model_estimate.rul_s < early.model_estimate.rul_s / 2, `RUL falls: ${early.model_estimate.rul_s.toFixed(0)} -> ${late.model_estimate.rul_s.toFixed(0)} s`);
    assert.ok(late.health_score < early.health_score, `health ${early.health_score} -> ${late.health_score}`);
    for (let k = 1; k < defectOnset.length; k++) {
      assert.ok(defectOnset[k].e.model_estimate.rul_s <= defectOnset[k - 1].e.model_estimate.rul_high_s, `monotone within the interval at ${(defectOnset[k].t / 3600).toFixed(2)} h`);
    }
  } finally {
    await model.stop();
  }
});
