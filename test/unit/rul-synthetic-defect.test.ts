/**
 * A classic outer-race defect model (an impulse train at BPFO exciting a 3 kHz resonance, on top of
 * Gaussian background vibration) whose impact amplitude grows over an accelerated life: the RUL the
 * gateway path reports must fall as the defect grows, and the health score with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHealthFeatureScratch, extractHealthFeatures } from '../../src/prognosis/features.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { RulTracker, type RulEstimate } from '../../src/prognosis/rul-tracker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FS = 25600;
const N = 2560;

function snapshot(rand: () => number, impactG: number): Float32Array {
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = 0.3 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const period = FS / 168.3; // BPFO of the FEMTO bearing at 1800 rpm
  for (let t0 = rand() * period; t0 < N; t0 += period) {
    const start = Math.floor(t0);
    for (let k = 0; k < 200 && start + k < N; k++) x[start + k] += impactG * Math.exp(-k / 25) * Math.sin((2 * Math.PI * 3000 * k) / FS);
  }
  return x;
}

test('a growing outer-race defect drives RUL and health score down', async () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
  const model = new RulModel({ modelPath: path.join(root, 'models', 'rul.onnx') });
  await model.start();
  try {
    const tracker = new RulTracker({ robotId: 'sim' });
    const scratch = createHealthFeatureScratch(N);
    const estimates: RulEstimate[] = [];
    const life = 400; // snapshots
    for (let i = 0; i < life; i++) {
      // healthy for the first 40 %, then the impact amplitude grows exponentially to 4 g
      const frac = i / life;
      const impact = frac < 0.4 ? 0 : 0.05 * Math.exp((Math.log(4 / 0.05) * (frac - 0.4)) / 0.6);
      tracker.update(extractHealthFeatures(snapshot(rand, impact), FS, scratch), i * 10_000);
      if (i % 40 === 39) estimates.push((await tracker.estimate(model, 0.9))!);
    }
    const healthy = estimates[2]; // ~30 % of life, after the baseline is learnt
    const worn = estimates[estimates.length - 1];
    assert.ok(worn.model_estimate.rul_s < healthy.model_estimate.rul_s / 3, `RUL ${healthy.model_estimate.rul_s.toFixed(0)} -> ${worn.model_estimate.rul_s.toFixed(0)} s`);
    assert.ok(worn.health_score < healthy.health_score, `health ${healthy.health_score} -> ${worn.health_score}`);
    // from the defect's onset on, each estimate is not above the previous one's interval
    const fromOnset = estimates.slice(4);
    for (let k = 1; k < fromOnset.length; k++) {
      assert.ok(fromOnset[k].model_estimate.rul_s <= fromOnset[k - 1].model_estimate.rul_high_s, `estimate ${k}: ${fromOnset[k].model_estimate.rul_s} > ${fromOnset[k - 1].model_estimate.rul_high_s}`);
    }
  } finally {
    await model.stop();
  }
});
