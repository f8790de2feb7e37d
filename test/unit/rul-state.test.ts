import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figuresFor, rulStateOf } from '../../src/prognosis/rul-state.js';
import { RulTracker } from '../../src/prognosis/rul-tracker.js';
import { HEALTH_FEATURE_COUNT, FEATURE_INDEX } from '../../src/prognosis/features.js';

test('state machine: failed wins, then learning, then degrading / no_degradation', () => {
  assert.equal(rulStateOf({ baselineReady: false, failed: false, degrading: false }), 'learning');
  assert.equal(rulStateOf({ baselineReady: true, failed: false, degrading: false }), 'no_degradation');
  assert.equal(rulStateOf({ baselineReady: true, failed: false, degrading: true }), 'degrading');
  assert.equal(rulStateOf({ baselineReady: false, failed: true, degrading: false }), 'failed');
  assert.deepEqual(figuresFor('no_degradation', 100, 10, 1000, 20), { rul_s: null, rul_low_s: 20, rul_high_s: null });
  assert.deepEqual(figuresFor('degrading', 100, 10, 1000, 20), { rul_s: 100, rul_low_s: 10, rul_high_s: 1000 });
  assert.deepEqual(figuresFor('failed', 100, 10, 1000, 20), { rul_s: 0, rul_low_s: 0, rul_high_s: 0 });
});

const model = {
  predict: async (_x: ArrayLike<number>, c = 0.9) => ({ rul_s: 3600, rul_low_s: 3600 / Math.exp(1.645), rul_high_s: 3600 * Math.exp(1.645), unit: 's' as const, confidence_level: c, health_indicator: 0.8, health_score: 80, model_version: 't' }),
};

function features(peak: number): Float64Array {
  const f = new Float64Array(HEALTH_FEATURE_COUNT).fill(1);
  f[FEATURE_INDEX.peak_g] = peak;
  return f;
}

test('tracker: learning -> no_degradation -> failed (latched, survives a restart)', async () => {
  const t = new RulTracker({ robotId: 'r' });
  let ms = 0;
  t.update(features(0.5), ms);
  assert.equal((await t.estimate(model))!.rul_state, 'learning');
  for (let i = 0; i < 40; i++) t.update(features(0.5), (ms += 10_000));
  const ok = (await t.estimate(model))!;
  assert.equal(ok.rul_state, 'no_degradation');
  assert.equal(ok.rul_s, null);
  // one-sided 90 % lower bound of the log-normal: exp(ln 3600 - 1.2816 sigma), sigma = 1
  assert.ok(Math.abs(ok.rul_low_s - 3600 * Math.exp(-1.2816)) / ok.rul_low_s < 0.01, String(ok.rul_low_s));
  t.update(features(21), (ms += 10_000));
  for (let i = 0; i < 3; i++) t.update(features(0.5), (ms += 10_000));
  const dead = (await t.estimate(model))!;
  assert.equal(dead.rul_state, 'failed');
  assert.deepEqual([dead.rul_s, dead.rul_low_s, dead.rul_high_s, dead.health_score], [0, 0, 0, 0]);
  const restored = new RulTracker({ robotId: 'r', restore: JSON.parse(JSON.stringify(t.snapshot())) });
  restored.update(features(0.5), (ms += 10_000));
  assert.equal((await restored.estimate(model))!.rul_state, 'failed');
});

test('telemetry: the rul object of every state matches docs/schemas/telemetry.json', async () => {
  const { readFileSync } = await import('node:fs');
  const { Ajv } = await import('ajv');
  const addFormats = (await import('ajv-formats')).default as unknown as (a: InstanceType<typeof Ajv>) => InstanceType<typeof Ajv>;
  const { rulState } = await import('../../src/monitor/robot-monitor.js');
  const schema = JSON.parse(readFileSync(new URL('../../docs/schemas/telemetry.json', import.meta.url), 'utf8'));
  const { withAlwaysPresent } = await import('../../src/core/validation.js');
  const ajv = withAlwaysPresent(addFormats(new Ajv({ strict: false }))).addSchema(schema);
  const validate = ajv.getSchema(`${schema.$id}#/properties/rul`)!;
  const t = new RulTracker({ robotId: 'r' });
  let ms = 0;
  const seen = new Set<string>();
  const check = async () => {
    const e = (await t.estimate(model))!;
    const rul = rulState(e, ms);
    assert.ok(validate(rul), `${e.rul_state}: ${JSON.stringify(validate.errors)}`);
    seen.add(rul.rul_state);
  };
  t.update(features(0.5), ms);
  await check();
  for (let i = 0; i < 40; i++) t.update(features(0.5), (ms += 10_000));
  await check();
  t.update(features(25), (ms += 10_000));
  await check();
  assert.deepEqual([...seen], ['learning', 'no_degradation', 'failed']);
  assert.ok(!validate({ ...rulState((await t.estimate(model))!, ms), rul_state: 'fine' }));
});
