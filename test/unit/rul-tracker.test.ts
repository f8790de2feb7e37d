import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RulTracker } from '../../src/prognosis/rul-tracker.js';
import { FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../../src/prognosis/features.js';
import type { RulPrediction } from '../../src/prognosis/rul-model.js';

function features(rms: number, kurt: number, crest: number, vel: number): Float64Array {
  const f = new Float64Array(HEALTH_FEATURE_COUNT);
  f[FEATURE_INDEX.rms_g] = rms;
  f[FEATURE_INDEX.kurtosis] = kurt;
  f[FEATURE_INDEX.crest_factor] = crest;
  f[FEATURE_INDEX.velocity_rms_mm_s] = vel;
  return f;
}

/** Records what the tracker feeds the model. */
class RecordingModel {
  inputs: number[][] = [];
  async predict(x: ArrayLike<number>, c: number): Promise<RulPrediction> {
    this.inputs.push(Array.from(x));
    return { rul_s: 100, rul_low_s: 50, rul_high_s: 200, unit: 's', confidence_level: c, health_indicator: 0.5, health_score: 50, model_version: 'test' };
  }
}

test('learns the asset baseline, then feeds smoothed ratios to it', async () => {
  const t = new RulTracker({ robotId: 'robot-001', baselineSnapshots: 10, smoothingWindow: 3 });
  assert.equal(await t.estimate(new RecordingModel()), null);
  for (let i = 0; i < 10; i++) t.update(features(0.4, 3, 4, 2), 1000 * i);
  assert.ok(t.baselineReady);
  assert.deepEqual(t.baseline, [0.4, 3, 4, 2]);
  for (let i = 10; i < 13; i++) t.update(features(0.8, 6, 4, 2), 1000 * i);
  const m = new RecordingModel();
  const e = await t.estimate(m, 0.9);
  assert.ok(e);
  assert.deepEqual(m.inputs[0], [2, 2, 1, 1]);
  assert.equal(e.robot_id, 'robot-001');
  assert.deepEqual(e.input_window, { snapshots: 3, from_ms: 10000, to_ms: 12000 });
  assert.equal(e.baseline_ready, true);
  // the baseline stays frozen: worn data later does not become the new "healthy"
  assert.deepEqual(t.baseline, [0.4, 3, 4, 2]);
});

test('a single spike is removed by the trailing median', async () => {
  const t = new RulTracker({ robotId: 'r', baseline: [0.5, 3, 4, 2], smoothingWindow: 5 });
  for (let i = 0; i < 4; i++) t.update(features(0.5, 3, 4, 2), i);
  t.update(features(5, 30, 12, 20), 4);
  const m = new RecordingModel();
  await t.estimate(m);
  assert.deepEqual(m.inputs[0], [1, 1, 1, 1]);
});

test('state survives a restart; non-finite features are ignored', async () => {
  const t = new RulTracker({ robotId: 'r', baselineSnapshots: 3 });
  for (let i = 0; i < 3; i++) t.update(features(0.3, 3, 4, 1), i * 10);
  assert.equal(t.update(features(Number.NaN, 3, 4, 1), 40), false);
  const saved = t.snapshot();
  assert.equal(saved.snapshots, 3);
  const r = new RulTracker({ robotId: 'r', restore: saved });
  assert.ok(r.baselineReady);
  assert.deepEqual(r.baseline, [0.3, 3, 4, 1]);
  r.update(features(0.6, 3, 4, 1), 50);
  const m = new RecordingModel();
  await r.estimate(m);
  assert.deepEqual(m.inputs[0], [2, 1, 1, 1]);
});
