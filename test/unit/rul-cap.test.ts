/**
 * #19: RUL figures far outside the training range are clamped, flagged with the reason, named in
 * the status reasons and counted. The cap comes from the model card's training lives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { capRulFigures, rulCapFromCard, RUL_CAP_FACTOR } from '../../src/prognosis/rul-cap.js';
import { RulTracker, type RulEstimator } from '../../src/prognosis/rul-tracker.js';
import { HEALTH_FEATURE_COUNT } from '../../src/prognosis/features.js';
import { rulState } from '../../src/monitor/wire-format.js';
import { assessRobot } from '../../src/monitor/status-model.js';
import { withAlwaysPresent } from '../../src/core/validation.js';

const card = JSON.parse(readFileSync(new URL('../../models/rul.json', import.meta.url), 'utf8'));
const CAP = rulCapFromCard(card)!;

test('the cap is RUL_CAP_FACTOR x the longest training life listed in models/rul.json', () => {
  const lives = card.training_data.bearings.map((b: { end_of_life_s: number }) => b.end_of_life_s);
  assert.equal(Math.max(...lives), 27_550, 'FEMTO Bearing1_1, the longest of the 13 training lives');
  assert.equal(CAP, RUL_CAP_FACTOR * 27_550);
  assert.equal(rulCapFromCard({}), null, 'a card without training lives gives no cap');
});

test('capRulFigures: within range unchanged; above the cap clamped; negative to 0; nulls stay null', () => {
  const inside = { rul_s: 4000, rul_low_s: 1000, rul_high_s: 80_000 };
  assert.deepEqual(capRulFigures(inside, CAP), { figures: inside, capped: null }, 'an upper bound past the cap alone is not an extrapolation');
  assert.deepEqual(capRulFigures({ rul_s: 3.5e25, rul_low_s: 1e25, rul_high_s: 1e26 }, CAP), {
    figures: { rul_s: CAP, rul_low_s: CAP, rul_high_s: CAP },
    capped: { reason: 'above_training_range', model_rul_s: 3.5e25, cap_s: CAP },
  });
  assert.deepEqual(capRulFigures({ rul_s: null, rul_low_s: 9e9, rul_high_s: null }, CAP), {
    figures: { rul_s: null, rul_low_s: CAP, rul_high_s: null },
    capped: { reason: 'above_training_range', model_rul_s: 9e9, cap_s: CAP },
  }, 'no_degradation: judged on the lower bound');
  assert.deepEqual(capRulFigures({ rul_s: -50, rul_low_s: -80, rul_high_s: 10 }, CAP), {
    figures: { rul_s: 0, rul_low_s: 0, rul_high_s: 10 },
    capped: { reason: 'negative', model_rul_s: -50, cap_s: CAP },
  });
  assert.equal(capRulFigures({ rul_s: Number.NaN, rul_low_s: 1, rul_high_s: 2 }, null).capped?.model_rul_s, null);
});

/** A model that answers whatever it is told to: a stand-in for the ONNX graph extrapolating. */
function fakeModel(rulS: number): RulEstimator {
  return {
    rulCapS: CAP,
    predict: async (_x: ArrayLike<number>, c = 0.9) => ({ rul_s: rulS, rul_low_s: rulS / 5, rul_high_s: rulS * 5, unit: 's' as const, confidence_level: c, health_indicator: 0.8, health_score: 80, model_version: 't' }),
  };
}

test('tracker: an extrapolated estimate is clamped, flagged, counted, valid on the wire and named in the status reasons', async () => {
  const t = new RulTracker({ robotId: 'r' });
  const f = new Float64Array(HEALTH_FEATURE_COUNT).fill(1);
  let ms = 0;
  for (let i = 0; i < 45; i++) t.update(f, (ms += 10_000));
  const normal = (await t.estimate(fakeModel(3600)))!;
  assert.equal(normal.capped, null);
  assert.equal(t.cappedCount, 0);

  const wild = (await t.estimate(fakeModel(3.5e25)))!;
  assert.equal(wild.rul_state, 'no_degradation');
  assert.equal(wild.rul_low_s, CAP, 'the lower bound shown is the cap');
  assert.deepEqual(wild.capped, { reason: 'above_training_range', model_rul_s: wild.capped!.model_rul_s, cap_s: CAP });
  assert.ok(wild.capped!.model_rul_s! > 1e24, String(wild.capped!.model_rul_s));
  assert.equal(t.cappedCount, 1, 'counted (fabwatch_rul_capped_total)');

  const wire = rulState(wild, ms);
  assert.deepEqual(wire.capped, wild.capped, 'the reason travels in the RUL payload');
  const schema = JSON.parse(readFileSync(new URL('../../docs/schemas/telemetry.json', import.meta.url), 'utf8'));
  const ajv = withAlwaysPresent((addFormatsModule as unknown as (a: Ajv) => Ajv)(new Ajv({ strict: false }))).addSchema(schema);
  const validate = ajv.getSchema(`${schema.$id}#/definitions/rul`)!;
  assert.ok(validate(wire), JSON.stringify(validate.errors));
  assert.equal(validate({ ...wire, rul_low_s: 3.5e25 - 1e25 * 4, capped: { reason: 'too_big', model_rul_s: 1, cap_s: 1 } }), false, 'control: an unknown reason is refused');
  assert.ok(!('capped' in rulState(normal, ms)), 'absent when nothing was clamped');

  const status = assessRobot({ robot_id: 'r', rul: { state: wire.rul_state, rul_s: wire.rul_s, rul_low_s: wire.rul_low_s, rul_high_s: wire.rul_high_s, capped: wire.capped } });
  assert.ok(status.reasons.some((r) => /RUL capped at 15\.3 h.*outside its training range/.test(r)), JSON.stringify(status.reasons));
});
