/**
 * FEMTO data through the same path as training and the gateway. Skipped when the shared datasets
 * are not present (FABWATCH_DATASETS overrides ../shared/datasets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipWithoutDatasets } from '../helpers/datasets.js';
import { datasetsDir, loadFemtoBearing } from '../../src/prognosis/train/femto.js';
import { readRecordingSync } from '../../src/recording/recording.js';
import { createHealthFeatureScratch, extractHealthFeatures } from '../../src/prognosis/features.js';
import { bearingRows } from '../../src/prognosis/train/dataset.js';
import { RulTracker } from '../../src/prognosis/rul-tracker.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { RUL_MODEL_INPUT_COUNT } from '../../src/prognosis/rul-math.js';
import { errorCode } from '../../src/core/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = datasetsDir(root);
const have = existsSync(path.join(dir, 'femto', 'Learning_set_Bearing3_1_horiz.json'));

test('loader: shape, times and end of life of Bearing3_1', { skip: skipWithoutDatasets('femto') }, () => {
  const b = loadFemtoBearing(dir, 'Bearing3_1');
  assert.equal(b.numSnapshots, 515);
  assert.equal(b.snapshotLength, 2560);
  assert.equal(b.horiz.snapshot(3).length, 2560);
  assert.equal(b.timesS[0], 0);
  assert.ok(Math.abs(b.timesS[1] - 10) < 1e-6);
  // first horizontal 20 g exceedance is close to the end of the recording
  assert.ok(b.failureIndex > 480 && b.failureIndex < 515, `failure index ${b.failureIndex}`);
  assert.throws(() => readRecordingSync(path.join(dir, 'femto', 'nope.json')), (e) => errorCode(e) === 'RECORDING_UNREADABLE');
});

test('loader: an int16 challenge test bearing (Bearing2_6) with its challenge cut and true RUL', { skip: skipWithoutDatasets('femto') }, () => {
  const b = loadFemtoBearing(dir, 'Bearing2_6', 'Full_Test_Set');
  assert.equal(b.numSnapshots, 701);
  assert.equal(b.horiz.meta.dtype, 'int16le');
  assert.deepEqual(b.challenge, { truncationSnapshots: 572, actualRulS: 1290 });
  // values are in g (int16 x 0.001): a healthy early snapshot is well below 20 g but not all zero
  let peak = 0;
  for (const v of b.horiz.snapshot(10)) peak = Math.max(peak, Math.abs(v));
  assert.ok(peak > 0.05 && peak < 5, `peak ${peak} g`);
  // its end of life (first 20 g snapshot) leaves exactly the challenge's RUL after the cut
  assert.equal(b.failureTimeS - b.timesS[b.challenge!.truncationSnapshots - 1], 1290);
});

test('the gateway path (RulTracker) feeds the model exactly what training used', { skip: skipWithoutDatasets('femto') }, () => {
  const b = loadFemtoBearing(dir, 'Bearing3_1');
  const rows = bearingRows(b);
  const t = new RulTracker({ robotId: 'bench-3_1' });
  const scratch = createHealthFeatureScratch(b.snapshotLength);
  for (let i = 0; i < 80; i++) {
    t.update(extractHealthFeatures(b.horiz.snapshot(i), b.sampleRateHz, scratch), b.timesS[i] * 1000);
    const x = t.modelInput!;
    for (let k = 0; k < RUL_MODEL_INPUT_COUNT; k++) assert.equal(x[k], rows.x[i * RUL_MODEL_INPUT_COUNT + k], `snapshot ${i} input ${k}`);
    // and the degradation model sees the amplitude indicator and baseline training used
    assert.equal(t.degradation.level, rows.ampLevel[i], `snapshot ${i} amplitude`);
    assert.equal(t.degradation.baseline, rows.ampBase[i], `snapshot ${i} amplitude baseline`);
  }
});

test('replaying Bearing1_1: health and RUL fall from early life to just before failure', { skip: skipWithoutDatasets('femto') }, async () => {
  const b = loadFemtoBearing(dir, 'Bearing1_1');
  const m = new RulModel({ modelPath: path.join(root, 'models', 'rul.onnx') });
  await m.start();
  try {
    const t = new RulTracker({ robotId: 'bench-1_1' });
    const scratch = createHealthFeatureScratch(b.snapshotLength);
    let early = null;
    for (let i = 0; i <= b.failureIndex - 5; i++) {
      t.update(extractHealthFeatures(b.horiz.snapshot(i), b.sampleRateHz, scratch), b.timesS[i] * 1000);
      if (i === 200) early = await t.estimate(m, 0.9);
    }
    const late = await t.estimate(m, 0.9);
    assert.ok(early && late);
    assert.ok(late.model_estimate.rul_s < early.model_estimate.rul_s, `late ${late.model_estimate.rul_s} early ${early.model_estimate.rul_s}`);
    assert.ok(late.health_score < early.health_score);
  } finally {
    await m.stop();
  }
});

test('replayRecording gives one row per emitted snapshot with the interval fields analyze prints', { skip: skipWithoutDatasets('femto') }, async () => {
  const { replayRecording } = await import('../../src/prognosis/replay.js');
  const rec = readRecordingSync(path.join(dir, 'femto', 'Learning_set_Bearing3_1_horiz.json'));
  const m = new RulModel({ modelPath: path.join(root, 'models', 'rul.onnx') });
  await m.start();
  try {
    const rows = await replayRecording(rec, m, { every: 100, confidenceLevel: 0.8 });
    assert.deepEqual(rows.map((r) => r.snapshot), [0, 100, 200, 300, 400, 500, 514]);
    for (const r of rows) {
      if (r.rul_state === 'no_degradation') assert.ok(r.rul_s === null && r.rul_high_s === null && r.rul_low_s > 0, JSON.stringify(r));
      else if (r.rul_state === 'failed') assert.ok(r.rul_s === 0 && r.rul_high_s === 0);
      else assert.ok(r.rul_s !== null && r.rul_high_s !== null && r.rul_low_s <= r.rul_s && r.rul_s <= r.rul_high_s, JSON.stringify(r));
      assert.equal(r.unit, 's');
      assert.equal(r.confidence_level, 0.8);
      assert.ok(r.health_score >= 0 && r.health_score <= 100);
    }
    assert.equal(rows[0].baseline_ready, false);
    assert.equal(rows[0].rul_state, 'learning');
    // Bearing3_1 is flat until a step in its last 20 s: no degradation, then failed from its end of
    // life (first snapshot over 20 g, index 493; the recording runs on to 514)
    assert.deepEqual(rows.slice(1).map((r) => r.rul_state), ['no_degradation', 'no_degradation', 'no_degradation', 'no_degradation', 'failed', 'failed']);
    assert.equal(rows[rows.length - 1].baseline_ready, true);
  } finally {
    await m.stop();
  }
});
