import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedGateway } from '../helpers/api-fixture.js';

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

test('/api/ml/*: the prototype\'s 5-feature predict, batch, model info, and every 400', { timeout: 60_000 }, async (t) => {
  const g = await startSimulatedGateway();
  t.after(() => g.stop());

  // The prototype's example body, as its clients send it.
  const ok = await post(`${g.base}/api/ml/predict`, { robot_id: 'robot-001', features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: 0.95 });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const p = ok.body;
  assert.ok(p.rul_low_s <= p.rul_s && p.rul_s <= p.rul_high_s, 'interval ordered');
  assert.equal(p.unit, 's');
  assert.equal(p.confidence_level, 0.95);
  assert.deepEqual(p.confidence_interval, [p.rul_low_s, p.rul_high_s]);
  assert.ok(p.health_score >= 0 && p.health_score <= 100);
  assert.ok(['critical', 'high', 'medium', 'low'].includes(p.maintenance_priority.level));
  assert.match(p.model_version, /^\d+\.\d+\.\d+/);
  assert.equal(p.baseline_source, 'reference', 'no learnt baseline yet: the card reference is used and said so');

  // The interval narrows with the confidence level; the input matters.
  const narrow = (await post(`${g.base}/api/ml/predict`, { features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: 0.5 })).body;
  assert.ok(narrow.rul_high_s - narrow.rul_low_s < p.rul_high_s - p.rul_low_s);
  const impulsive = (await post(`${g.base}/api/ml/predict`, { features: [0.35, 45.2, 25, 9, 4.2] })).body;
  assert.notEqual(impulsive.rul_s, p.rul_s, 'a different input gives a different prediction');
  assert.equal(p.capped, undefined, 'a prediction inside the training range is not flagged');
  // #19: physically possible but far below anything in training -> the model extrapolates; the
  // answer is clamped to 2 x the longest training life (models/rul.json) and says so.
  const quiet = (await post(`${g.base}/api/ml/predict`, { features: [0.0005, 20, 1, 1, 0.005] })).body;
  assert.equal(quiet.capped?.reason, 'above_training_range', JSON.stringify(quiet));
  assert.ok(quiet.capped.model_rul_s > quiet.capped.cap_s && quiet.rul_s <= quiet.capped.cap_s && quiet.rul_high_s <= quiet.capped.cap_s, JSON.stringify(quiet));
  assert.ok(quiet.maintenance_priority.reasons.some((r: string) => /RUL capped/.test(r)), JSON.stringify(quiet.maintenance_priority));

  // Errors say what is wrong.
  const bad = async (body: unknown, re: RegExp) => {
    const r = await post(`${g.base}/api/ml/predict`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.body.error?.code, 'JSON error with a code');
    assert.match(r.body.error.message, re);
  };
  await bad({ features: [0.35, 45.2, 6.5, 3.8] }, /features.*(fewer than 5|must NOT have fewer)/);
  await bad({ features: [0.35, 45.2, 6.5, 3.8, 4.2, 1] }, /features.*(more than 5|must NOT have more)/);
  await bad({ features: [0.35, 'hot', 6.5, 3.8, 4.2] }, /features\/1.*number/);
  await bad({ features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: 1.5 }, /confidence_level.*(< 1|must be <)/);
  await bad({ features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: 0 }, /confidence_level.*(> 0|must be >)/);
  await bad('{not json', /JSON|json|Unexpected/);
  // Issue #19 items 6 and 12: no coercion (the same strictness as commands), and no answer from nonsense.
  await bad({ features: [null, 45.2, 6.5, 3.8, 4.2] }, /features\/0 must be number/);
  await bad({ features: ['0.35', 45.2, 6.5, 3.8, 4.2] }, /features\/0 must be number/);
  await bad({ features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: '0.9' }, /confidence_level must be number/);
  await bad({ features: [0, 0, 0, 0, 0] }, /out of range: 0 \(must be greater than 0\)/);
  await bad({ features: [0.35, 45.2, 0.5, 3.8, 4.2] }, /kurtosis.*must be at least 1/);
  const edge = await post(`${g.base}/api/ml/predict`, { features: [0.35, 45.2, 6.5, 3.8, 4.2], confidence_level: 0.9999999999999999 });
  assert.equal(edge.status, 400);
  assert.equal(edge.body.error.code, 'RUL_BAD_CONFIDENCE');
  const ghost = await post(`${g.base}/api/ml/predict`, { robot_id: 'robot-999', features: [0.35, 45.2, 6.5, 3.8, 4.2] });
  assert.equal(ghost.status, 404);
  assert.equal(ghost.body.error.code, 'ROBOT_NOT_FOUND');

  const batch = await post(`${g.base}/api/ml/batch_predict`, { requests: [{ robot_id: 'robot-001', features: [0.35, 45.2, 6.5, 3.8, 4.2] }, { robot_id: 'robot-002', features: [0.5, 40, 9, 5, 6], confidence_level: 0.8 }] });
  assert.equal(batch.status, 200);
  assert.equal(batch.body.count, 2);
  assert.equal(batch.body.predictions[1].confidence_level, 0.8);
  assert.equal((await post(`${g.base}/api/ml/batch_predict`, { requests: [] })).status, 400);

  const info = (await (await fetch(`${g.base}/api/ml/model_info`)).json()) as any;
  assert.equal(info.name, 'rul');
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  assert.equal(info.five_feature_form.length, 5);
  assert.ok(info.inputs && info.outputs && info.validation, 'inputs, outputs, validation metrics');

  // The same schemas document the endpoints in OpenAPI.
  const openapi = (await (await fetch(`${g.base}/openapi.json`)).json()) as any;
  assert.ok(openapi.paths['/api/ml/predict'] && openapi.paths['/api/ml/batch_predict'] && openapi.paths['/api/ml/model_info']);
});

test('/api/ml/* without a usable model: 503 with a code, and /health says why', { timeout: 60_000 }, async (t) => {
  const g = await startSimulatedGateway((raw) => (raw.model = { path: '/nonexistent/rul.onnx' }));
  t.after(() => g.stop());
  const r = await post(`${g.base}/api/ml/predict`, { features: [0.35, 45.2, 6.5, 3.8, 4.2] });
  assert.equal(r.status, 503);
  assert.equal(r.body.error.code, 'RUL_MODEL_NOT_LOADED');
  const health = (await (await fetch(`${g.base}/health`)).json()) as any;
  assert.equal(health.model.available, false);
  assert.equal(health.model.code, 'RUL_MODEL_MISSING');
  const robots = (await (await fetch(`${g.base}/api/robots`)).json()) as any;
  assert.equal(robots.robots.length, 4, 'everything else keeps running');
});
